"""What a partner may see of its campaign: counts, built from an allow-list of fields.

The report is assembled from filter-run counts, from ledger events attributed to the campaign,
reduced to numbers per reason, per day and per kind of opt-out, and from the counts of the
optional reasons people gave after unsubscribing (kept as counts only, :mod:`.reasons`).
Nothing in it is
copied from a row, so it cannot carry an address, a pseudonymous id or a token.
"""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import scopes
from ..catalog.cache import CampaignInfo
from ..csvcells import escaped_row
from ..lists.filter import Reason
from ..models import Action, ConsentEvent, FilterRun
from . import reasons

OPT_OUT_KINDS = ("this-partner", "campaign-topic", "channel", "everything")


def _kind(scope: str) -> str:
    kind, _key = scopes.split(scope)
    return {"partner": "this-partner", "topic": "campaign-topic", "channel": "channel"}.get(kind, "everything")


def campaign_report(session: Session, campaign: CampaignInfo) -> dict[str, Any]:
    """Counts for *campaign*: lists submitted, rows kept and dropped, opt-outs per day, reasons given."""
    runs = session.execute(
        select(FilterRun.rows_read, FilterRun.rows_kept, FilterRun.dropped).where(FilterRun.campaign_id == campaign.id)
    ).all()
    dropped: Counter[str] = Counter()
    for _read, _kept, counts in runs:
        dropped.update({reason: int(n) for reason, n in json.loads(counts).items()})
    events = session.execute(
        select(ConsentEvent.created_at, ConsentEvent.scope).where(
            ConsentEvent.campaign_id == campaign.id, ConsentEvent.action == Action.OPT_OUT
        )
    ).all()
    per_day: dict[str, Counter[str]] = defaultdict(Counter)
    for created_at, scope in events:
        per_day[created_at.date().isoformat()][_kind(scope)] += 1
    return {
        "campaign": campaign.slug,
        "partner": campaign.partner.name if campaign.partner else None,
        "lists_submitted": len(runs),
        "rows_submitted": sum(r[0] for r in runs),
        "rows_kept": sum(r[1] for r in runs),
        "rows_dropped": {reason.value: dropped.get(reason.value, 0) for reason in Reason},
        "opt_outs_per_day": [
            {"date": day, "total": sum(kinds.values()), **{kind: kinds.get(kind, 0) for kind in OPT_OUT_KINDS}}
            for day, kinds in sorted(per_day.items())
        ],
        "unsubscribe_reasons": reasons.counts(session, campaign.id),
    }


def report_rows(report: dict[str, Any]) -> list[tuple[str, str, str | int]]:
    """The report as ``(section, name, value)`` rows, for CSV."""
    rows: list[tuple[str, str, str | int]] = [
        ("campaign", "slug", report["campaign"]),
        ("campaign", "partner", report["partner"] or ""),
        ("lists", "lists_submitted", report["lists_submitted"]),
        ("lists", "rows_submitted", report["rows_submitted"]),
        ("lists", "rows_kept", report["rows_kept"]),
    ]
    rows += [("dropped", reason, count) for reason, count in report["rows_dropped"].items()]
    for day in report["opt_outs_per_day"]:
        rows += [(f"opt-outs {day['date']}", kind, day[kind]) for kind in ("total", *OPT_OUT_KINDS)]
    rows += [("unsubscribe reasons", reason, count) for reason, count in report["unsubscribe_reasons"].items()]
    return rows


def report_csv(report: dict[str, Any], out: IO[str]) -> None:
    """Write the report's rows as CSV to *out*, cells escaped for spreadsheets (the partner's name
    is text an operator typed)."""
    writer = csv.writer(out)
    writer.writerow(["section", "name", "value"])
    writer.writerows(escaped_row(row) for row in report_rows(report))
