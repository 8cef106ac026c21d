"""The console's exports: ledger events streamed as CSV or JSON lines, and the record of processing.

Both are use cases of :mod:`optout.privacy.service`, audited before the download starts.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

from flask import Response, current_app, render_template
from flask.typing import ResponseReturnValue
from wtforms import SelectChoice

from ...catalog import service as catalog
from ...ledger import export
from ...privacy import processing_record, service
from ...web.extensions import get_settings
from ...web.i18n import _, current_language
from ...web.session import get_database, get_session
from .. import guard
from ..blueprint import bp
from ..forms import LedgerExportForm, RecordForm
from .common import form_errors

ALL = ""  # the select value meaning "no filter"
_MIMETYPES = {"csv": "text/csv", "jsonl": "application/jsonl"}


def _export_form(**options: object) -> LedgerExportForm:
    db = get_session()
    form = LedgerExportForm(**options)
    everything = [SelectChoice(ALL, _("All"))]
    lang = current_language()
    form.topic.choices = everything + [SelectChoice(t.key, t.name(lang)) for t in catalog.topics(db)]
    form.partner.choices = everything + [SelectChoice(p.slug, p.name) for p in catalog.partners(db)]
    form.campaign.choices = everything + [SelectChoice(c.slug, c.slug) for c in catalog.campaigns(db)]
    return form


def _utc_midnight(day: dt.date | None, *, after: bool = False) -> dt.datetime | None:
    """The start of *day* in UTC (the export's times are UTC); *after*: of the day after, so that an
    "until" day the officer picks is included whole (the filter's upper bound is exclusive)."""
    if day is None:
        return None
    return dt.datetime.combine(day + dt.timedelta(days=1) if after else day, dt.time(), tzinfo=dt.UTC)


def _exports_page(form: LedgerExportForm, record_form: RecordForm, errors: dict[str, list[str]]) -> str:
    return render_template("officer/exports.html", form=form, record_form=record_form, errors=errors)


@bp.get("/exports")
def exports() -> ResponseReturnValue:
    """The ledger export form, and the record of processing."""
    return _exports_page(_export_form(), RecordForm(), {})


@bp.post("/exports/record")
def export_record() -> ResponseReturnValue:
    """The record of processing (and a year's disclosure statement) as a download, audited first."""
    form = RecordForm()
    if not form.validate_on_submit():
        return _exports_page(_export_form(formdata=None), form, {"record": form_errors(form)}), 422
    fmt, year = form.format.data, form.year.data
    db = get_session()
    data = service.export_processing_record(db, get_settings(), year=year, fmt=fmt, actor=guard.require_officer().email)
    db.commit()
    if fmt == "json":
        body, mimetype = json.dumps(data, ensure_ascii=False, indent=2) + "\n", "application/json"
    else:
        body, mimetype = processing_record.render_html(current_app.jinja_env, data, get_settings()), "text/html"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="record-of-processing.{fmt}"'
    return response


@bp.post("/exports")
def export_ledger() -> ResponseReturnValue:
    """Stream the chosen ledger events as a download (recorded in the audit trail first)."""
    form = _export_form()
    if not form.validate_on_submit():
        return _exports_page(form, RecordForm(formdata=None), {"export": form_errors(form)}), 422
    chosen = export.LedgerFilter(
        since=_utc_midnight(form.since.data),
        until=_utc_midnight(form.until.data, after=True),
        topic=form.topic.data or None,
        partner=form.partner.data or None,
        campaign=form.campaign.data or None,
    )
    fmt = form.format.data
    db = get_session()
    service.export_ledger(db, chosen, fmt=fmt, actor=guard.require_officer().email)
    db.commit()
    engine = get_database().engine

    def stream() -> Iterator[str]:
        # Its own connection: the request's session is closed once the view returns.
        with engine.connect() as connection:
            yield from export.chunks(export.ledger_rows(connection, chosen), fmt)

    response = Response(stream(), mimetype=_MIMETYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="ledger.{fmt}"'
    return response
