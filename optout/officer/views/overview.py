"""The console's first page: opt-outs and opt-ins per day for the last 30 days, as bar charts."""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template
from flask.typing import ResponseReturnValue

from ...db import utcnow
from ...web.extensions import get_catalog
from ...web.session import get_session
from .. import chart, overview
from ..blueprint import bp
from .common import names


@dataclass(frozen=True)
class SeriesChart:
    """One scope's chart as the template draws it."""

    label: str
    series: overview.Series
    bars: list[chart.Bar]


@bp.get("/", endpoint="overview")
def overview_page() -> ResponseReturnValue:
    """Opt-outs and opt-ins per day for the last 30 days, per topic, partner, channel and everything."""
    db = get_session()
    topics = get_catalog().topics(db)
    counts = overview.daily_counts(db, today=utcnow().date(), topic_order=[t.key for t in topics])
    scope_names = names()
    charts = [SeriesChart(scope_names.scope(s.scope), s, chart.bars(s, counts.days)) for s in counts.series]
    return render_template("officer/overview.html", days=counts.days, charts=charts)
