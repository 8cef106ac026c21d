"""``optout filter``: keep only the rows of a sending list that may get a campaign."""

from __future__ import annotations

import io
import json
import os
import sys
from typing import IO

import click
from flask.cli import with_appcontext

from ..lists.service import Database, LinkSettings, ListUnusable, Summary, Tuning, filter_list, save_filter_run
from ..models import Via
from ..web.extensions import get_settings, get_tokens
from .common import campaign_info, fail, session
from .output import CountingReader, atomic_output, private_file

TUNING_VARIABLE = "OPTOUT_FILTER_TUNING"  # not a setting: a JSON object of Tuning fields, for benchmarks and tests


def _print_summary(summary: Summary) -> None:
    data = summary.as_dict()
    click.echo(f"rows read: {data['rows_read']}, kept: {data['rows_kept']}", err=True)
    for reason, count in data["dropped"].items():
        if count:
            click.echo(f"  dropped, {reason}: {count}", err=True)
    for bad in data["malformed_rows"]:
        click.echo(f"  malformed row at line {bad['line']}: {bad['problem']}", err=True)


@click.command("filter")
@click.option("--campaign", "campaign_slug", required=True, help="The campaign the list is for.")
@click.option("--output", "output_path", help="Where the kept rows go (default: standard output).")
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, writable=True),
    help="Also write the summary as JSON to this file.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    help="Processes doing the per-row work (default: one per core for lists over 1 MiB or standard input).",
)
@click.argument("source", metavar="INPUT")
@with_appcontext
def filter_command(
    campaign_slug: str, output_path: str | None, report_path: str | None, workers: int | None, source: str
) -> None:
    """Filter the CSV list INPUT (a path, or - for standard input) for a campaign.

    Rows that may be sent are written with unsubscribe_url, preferences_url, list_unsubscribe
    and list_unsubscribe_post appended; the summary goes to standard error. For a campaign whose
    topic is phone calls the list has a phone column (and maybe email, checked too), and a kept
    row gets phone_e164, its number in E.164, instead of links.
    """
    db = session()
    campaign = campaign_info(campaign_slug)
    try:
        tuning = Tuning.from_json(os.environ[TUNING_VARIABLE]) if TUNING_VARIABLE in os.environ else Tuning()
    except ValueError as exc:
        fail(f"{TUNING_VARIABLE}: {exc}")
    try:
        raw: IO[bytes] = sys.stdin.buffer if source == "-" else open(source, "rb")  # noqa: SIM115
    except OSError as exc:
        fail(f"cannot read {source}: {exc.strerror}")
    settings = get_settings()
    counting = CountingReader(raw)
    buffered = io.BufferedReader(counting)
    size = os.fstat(raw.fileno()).st_size if source != "-" else 0
    show = size > 0 and sys.stderr.isatty()
    links = LinkSettings(
        get_tokens(), settings.base_url, settings.id_key, settings.mailto_domain, settings.default_region
    )
    with click.progressbar(length=size, label="Filtering", file=sys.stderr, hidden=not show) as bar:
        try:
            with atomic_output(output_path) as sink:
                progress = (lambda _rows: bar.update(counting.count - bar.pos)) if show else None
                summary = filter_list(
                    Database(db.connection(), settings.database_url),
                    campaign,
                    buffered,
                    sink,
                    links=links,
                    workers=workers,
                    size=None if source == "-" else size,
                    tuning=tuning,
                    progress=progress,
                )
        except ListUnusable as exc:
            fail(f"{source}: {exc}")
        except OSError as exc:
            fail(f"cannot read {source} or write the output: {exc.strerror or exc}")
        finally:
            raw.close()
    save_filter_run(db.connection(), campaign, summary, via=Via.CLI)
    db.commit()
    _print_summary(summary)
    if report_path:
        with private_file(report_path) as report:
            report.write(json.dumps({"campaign": campaign.slug, **summary.as_dict()}, indent=2) + "\n")
