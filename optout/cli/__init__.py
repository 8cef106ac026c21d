"""The ``optout`` command: Flask's own commands (run, routes, shell) beside ours."""

from __future__ import annotations

import gc
import importlib

import click
from flask import Flask
from flask.cli import FlaskGroup

from .. import create_app

# Each command's module is imported only when that command runs (or ``--help`` lists it):
# importing every one (the API, the console, argon2, alembic...) cost every command 0.2 s.
COMMANDS = {
    "db": "database:db_group",
    "topic": "catalog:topic_group",
    "partner": "catalog:partner_group",
    "campaign": "catalog:campaign_group",
    "links": "recipients:links_command",
    "filter": "lists:filter_command",
    "consent": "imports:consent_group",
    "suppress": "imports:suppress_group",
    "report": "reports:report_group",
    "api-key": "api_keys:api_key_group",
    "recipient": "recipients:recipient_group",
    "officer": "officers:officer_group",
    "ledger": "ledger:ledger_group",
    "export": "ledger:export_group",
    "subject": "privacy:subject_group",
    "requests": "privacy:requests_group",
    "record": "privacy:record_command",
    "policy": "policy:policy_group",
    "demo": "demo:demo_command",
    "keys": "demo:keys_group",
    "mail": "mail:mail_group",
    "metrics": "metrics:metrics_group",
}


class LazyGroup(FlaskGroup):
    """Flask's group, with the commands of :data:`COMMANDS` imported on first use (Click's lazy
    loading pattern): listed, helped and run exactly as if they had been added up front."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            module, name = COMMANDS[cmd_name].split(":")
            command: click.Command = getattr(importlib.import_module(f"{__name__}.{module}"), name)
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)


def _create_app() -> Flask:
    """The app; if the console script turned the collector off for start-up, everything built so
    far lives until exit: freeze it (no collection walks it again) and collect as usual from here."""
    app = create_app()
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
    return app


cli = LazyGroup(create_app=_create_app, help="Optout: email preference and opt-out centre.")
