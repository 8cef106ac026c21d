"""The ``optout`` command: Flask's own commands (run, routes, shell) beside ours."""

from __future__ import annotations

import sys

import click
from flask.cli import FlaskGroup

from .. import create_app
from ..config import ConfigError
from .api_keys import api_key_group
from .catalog import campaign_group, partner_group, topic_group
from .database import db_group
from .demo import demo_command, keys_group
from .imports import consent_group, suppress_group
from .ledger import export_group, ledger_group
from .lists import filter_command
from .officers import officer_group
from .policy import policy_group
from .privacy import requests_group, subject_group
from .recipients import links_command, recipient_group
from .reports import report_group

cli = FlaskGroup(create_app=create_app, help="Optout: e-mail preference and opt-out center.")
for command in (
    db_group,
    topic_group,
    partner_group,
    campaign_group,
    links_command,
    filter_command,
    consent_group,
    suppress_group,
    report_group,
    api_key_group,
    recipient_group,
    officer_group,
    ledger_group,
    export_group,
    subject_group,
    requests_group,
    policy_group,
    demo_command,
    keys_group,
):
    cli.add_command(command)


def main() -> None:
    """Console-script entry point; configuration errors end with their message, not a traceback."""
    try:
        cli.main(prog_name="optout")
    except ConfigError as exc:
        click.echo(f"optout: {exc}", err=True)
        sys.exit(2)
