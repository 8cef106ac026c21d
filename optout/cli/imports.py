"""``optout consent import`` and ``optout suppress import``: decisions made elsewhere."""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Callable
from typing import IO

import click
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from .. import scopes
from ..catalog import service as catalog
from ..consent.imports import BATCH, ImportSummary, import_consents, import_suppressions
from ..csvrows import UNDECODABLE_BYTES, CsvUnusable
from ..web.extensions import get_settings
from .common import check_scope, current_policy, fail, session
from .output import CountingReader

Progress = Callable[[int], None]


def _run(source: str, work: Callable[[IO[str], Progress], ImportSummary]) -> None:
    """Run *work* on the text of *source*, with a progress bar on a terminal (bytes read, and the
    rate), then print the summary as JSON on standard output."""
    try:
        raw: IO[bytes] = sys.stdin.buffer if source == "-" else open(source, "rb")  # noqa: SIM115
    except OSError as exc:
        fail(f"cannot read {source}: {exc.strerror}")
    size = os.fstat(raw.fileno()).st_size if source != "-" else 0
    counting = CountingReader(raw)
    text = io.TextIOWrapper(io.BufferedReader(counting), encoding="utf-8-sig", errors=UNDECODABLE_BYTES, newline="")
    show = size > 0 and sys.stderr.isatty()
    with click.progressbar(length=size, label="Importing", file=sys.stderr, hidden=not show) as bar:
        try:
            summary = work(text, lambda _rows: bar.update(counting.count - bar.pos))
        except CsvUnusable as exc:
            fail(f"{source}: {exc}")
        finally:
            raw.close()
    click.echo(json.dumps(summary.as_dict(), indent=2))


def _batch_size(command: Callable[..., None]) -> Callable[..., None]:
    """The ``--batch-size`` option both imports take."""
    return click.option(
        "--batch-size",
        type=click.IntRange(100, 100_000),
        default=BATCH,
        show_default=True,
        help="Rows per transaction. Larger is faster; each batch holds the ledger lock while it writes.",
    )(command)


def _committing(db: Session, progress: Progress) -> Progress:
    """After each batch of an import: commit it (the service only flushes), then show the rows read."""

    def end_batch(rows: int) -> None:
        db.commit()
        progress(rows)

    return end_batch


@click.group("consent", cls=AppGroup)
def consent_group() -> None:
    """Consents given elsewhere."""


@consent_group.command("import")
@click.argument("source", metavar="FILE")
@_batch_size
def consent_import_cmd(source: str, batch_size: int) -> None:
    """Record the opt-ins in FILE (CSV: email, topic, given_at, evidence; optionally phone) as ledger events.

    A row's phone number is linked to its address (one person). An opt-out of the topic always
    stands, whenever it was made and on whichever identity; a second import of the same file
    records nothing new.

    In batches, each one transaction: an interrupted import leaves whole batches, and running it
    again records only what is missing.
    """
    db = session()
    settings = get_settings()
    topics = catalog.topics(db)
    state = current_policy()

    def work(text: IO[str], progress: Progress) -> ImportSummary:
        summary = import_consents(
            db,
            text,
            id_key=settings.id_key,
            topics=topics,
            version_at=lambda given_at: state.version_at(given_at, settings.policy_version),
            fresh=state.freshness,
            region=settings.default_region,
            end_batch=_committing(db, progress),
            batch=batch_size,
        )
        db.commit()  # what the last batch left: nothing but what it committed
        return summary

    _run(source, work)


@click.group("suppress", cls=AppGroup)
def suppress_group() -> None:
    """Suppression lists from other systems."""


@suppress_group.command("import")
@click.argument("source", metavar="FILE")
@click.option(
    "--scope",
    default=scopes.EVERYTHING,
    show_default=True,
    help="everything, topic:KEY, partner:SLUG or channel:email|phone.",
)
@_batch_size
def suppress_import_cmd(source: str, scope: str, batch_size: int) -> None:
    """Record an opt-out of SCOPE for every address in FILE (CSV with an email column).

    In batches, each one transaction: an interrupted import leaves whole batches, and running it
    again records only what is missing."""
    db = session()
    check_scope(scope)
    settings = get_settings()

    def work(text: IO[str], progress: Progress) -> ImportSummary:
        summary = import_suppressions(
            db,
            text,
            id_key=settings.id_key,
            topics=catalog.topics(db),
            scope=scope,
            policy_version=current_policy().current.version,
            evidence=f"suppression list {source}",
            end_batch=_committing(db, progress),
            batch=batch_size,
        )
        db.commit()  # what the last batch left: nothing but what it committed
        return summary

    _run(source, work)
