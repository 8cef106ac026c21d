"""``optout report campaign``: what a partner may see, counts only."""

from __future__ import annotations

import json
import sys

import click
from flask.cli import AppGroup

from ..reports.service import campaign_report, report_csv
from .common import campaign_info, session


@click.group("report", cls=AppGroup)
def report_group() -> None:
    """Aggregate reports (no address, ID or token in any of them)."""


@report_group.command("campaign")
@click.argument("slug")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
def report_campaign_cmd(slug: str, fmt: str) -> None:
    """Print campaign SLUG's report: lists submitted, rows kept and dropped, opt-outs per day."""
    report = campaign_report(session(), campaign_info(slug))
    if fmt == "json":
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    report_csv(report, sys.stdout)
