"""``optout ledger verify`` and ``optout export ledger``: prove the ledger and hand it over."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterator
from typing import IO, Any

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..audit import service as audit
from ..ledger import export
from ..ledger.verify import Verification, verify, verify_export
from ..models import LedgerHead
from ..privacy import service
from .common import echo_json, fail, session
from .output import atomic_output


@click.group("ledger", cls=AppGroup)
def ledger_group() -> None:
    """The tamper-evident consent ledger."""


def _report(result: Verification, as_json: bool, what: str) -> None:
    if as_json:
        echo_json(result.as_dict())
    elif result.problem is None:
        gaps = f", {result.gaps} gap(s) where the export was filtered" if result.gaps else ""
        click.echo(
            f"{what} intact: {result.events} events and {result.redacted} redacted places{gaps}; "
            f"last seq {result.last_seq}, chain {result.last_chain}"
        )
    else:
        click.echo(f"{what} broken: {result.problem.message}", err=True)
    if result.problem is not None:
        raise SystemExit(1)


@ledger_group.command("verify")
@click.option("--file", "path", type=click.File("r", encoding="utf-8"), help="Verify an export file instead.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
def verify_cmd(path: IO[str] | None, as_json: bool) -> None:
    """Check every event's digest and chain link; exit 0 only when the chain is intact.

    Note the printed last chain value somewhere outside the database (a ticket, a signed
    email): a later run that prints a different value for the same seq proves a rewrite.
    """
    if path is not None:
        try:
            result = verify_export(export.read_export(path))
        except export.ExportError as exc:
            fail(str(exc))
        _report(result, as_json, "Export")
        return
    _report(verify(session().connection()), as_json, "Ledger")


def _date(text: str | None, option: str) -> dt.datetime | None:
    if text is None:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        fail(f"{option} must be an ISO 8601 date or date-time, e.g. 2026-11-01", code=2)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


@click.group("export", cls=AppGroup)
def export_group() -> None:
    """Exports for the privacy officer."""


def _tracked(rows: Iterator[dict[str, Any]], reached: Callable[[int], None]) -> Iterator[dict[str, Any]]:
    """*rows* as they are, telling *reached* each one's sequence number once it is written."""
    for row in rows:
        yield row
        reached(int(row["seq"]))


@export_group.command("ledger")
@click.option("--since", help="First day or time (UTC), inclusive.")
@click.option("--until", help="Last bound (UTC), exclusive: --until 2026-12-01 ends with November.")
@click.option("--topic", help="Events of this topic (its scope, or made through its campaigns).")
@click.option("--partner", help="Events of this partner (its scope, or made through its campaigns).")
@click.option("--campaign", help="Events made through this campaign.")
@click.option("--format", "fmt", type=click.Choice(export.FORMATS), default="csv", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), help="File to write (default: stdout).")
def export_ledger_cmd(
    since: str | None,
    until: str | None,
    topic: str | None,
    partner: str | None,
    campaign: str | None,
    fmt: str,
    output: str | None,
) -> None:
    """Every matching ledger event in sequence order, with its chain values, streamed."""
    chosen = export.LedgerFilter(_date(since, "--since"), _date(until, "--until"), topic, partner, campaign)
    db = session()
    connection = db.connection()
    last = db.scalar(select(LedgerHead.seq).where(LedgerHead.id == 1)) or 0
    show = last > 0 and sys.stderr.isatty()
    try:
        # Progress by sequence number: rows come in ledger order, so it is as far through the
        # ledger as the export has got, filtered or not.
        with (
            click.progressbar(length=last, label="Exporting", file=sys.stderr, hidden=not show) as bar,
            atomic_output(output) as out,
        ):
            rows = _tracked(export.ledger_rows(connection, chosen), lambda seq: bar.update(seq - bar.pos))
            count = export.write(rows, fmt, out)
    except export.ExportError as exc:
        fail(str(exc))
    service.export_ledger(db, chosen, fmt=fmt, actor=audit.CLI)
    db.commit()
    click.echo(f"{count} events exported.", err=True)
