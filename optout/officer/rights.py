"""The console's pages for people's rights: the access-request register and packages, ledger
exports, and erasure with a review step. The views parse the forms and present the answer; each
action is a use case of :mod:`optout.privacy.service`, which audits itself in the same transaction.

Addresses travel only in POST bodies (never in a URL or a log) and are never stored: requests
and audit entries name a person by pseudonymous id.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

from flask import Response, abort, current_app, render_template
from flask.typing import ResponseReturnValue
from wtforms import SelectChoice

from ..catalog import service as catalog
from ..dates import LOCAL, local_date
from ..db import utcnow
from ..identity import AddressInvalid, normalize, pseudonymous_id
from ..ledger import export
from ..privacy import erasure, messages, package, record, requests, service
from ..web.extensions import get_settings
from ..web.i18n import _
from ..web.pages import current_policy
from ..web.session import get_database, get_session
from . import guard
from .blueprint import bp
from .forms import EraseConfirmForm, EraseForm, ExtendForm, LedgerExportForm, PackageForm, RecordForm, RequestForm

ALL = ""  # the select value meaning "no filter"


def _pid(email: str) -> str | None:
    try:
        return pseudonymous_id(get_settings().id_key, normalize(email)).hex()
    except AddressInvalid:
        return None


def _not_an_address() -> str:
    return _("That is not an e-mail address. Check it and try again.")


def _register_page(
    request_form: RequestForm,
    package_form: PackageForm,
    errors: dict[str, list[str]],
    done: str | None,
    status: int,
    refused: tuple[int, ExtendForm] | None = None,
) -> ResponseReturnValue:
    db = get_session()
    register = requests.all_requests(db)
    today = local_date(utcnow())
    return (
        render_template(
            "officer/requests.html",
            request_form=request_form,
            package_form=package_form,
            errors=errors,
            done=done,
            register=register,
            overdue={r.id for r in register if requests.overdue(r, today)},
            extendable={r.id for r in register if requests.extendable(r, today)},
            extend_form=ExtendForm(formdata=None),
            # A refused extension keeps what was typed, in its own row.
            refused_id=refused[0] if refused else None,
            refused_form=refused[1] if refused else None,
        ),
        status,
    )


@bp.get("/requests")
def access_requests() -> ResponseReturnValue:
    """The register of access requests, with their due days, and the forms to add and answer one."""
    return _register_page(RequestForm(), PackageForm(), {}, None, 200)


@bp.post("/requests")
def register_request() -> ResponseReturnValue:
    """Register a request received elsewhere (letter, e-mail, phone)."""
    form = RequestForm()
    if not form.validate_on_submit():
        return _register_page(form, PackageForm(formdata=None), {"request": _form_errors(form)}, None, 422)
    pid = _pid(form.email.data)
    if pid is None:
        return _register_page(form, PackageForm(formdata=None), {"request": [_not_an_address()]}, None, 422)
    received = (
        dt.datetime.combine(form.received.data, dt.time(12), tzinfo=LOCAL).astimezone(dt.UTC)
        if form.received.data
        else None
    )
    db = get_session()
    try:
        request = service.register_request(
            db, pid, actor=guard.require_officer().email, reason=form.reason.data, received_at=received
        )
    except requests.RepeatedRequest as error:
        db.rollback()
        refused = [messages.repeat_refused(error, _)]
        return _register_page(form, PackageForm(formdata=None), {"request": refused}, None, 409)
    db.commit()
    done = _("Request registered. The answer is due on %(day)s.", day=request.due_on.isoformat())
    return _register_page(RequestForm(formdata=None), PackageForm(formdata=None), {}, done, 200)


@bp.post("/requests/package")
def answer_request() -> ResponseReturnValue:
    """Answer the person's open request (registering one if there is none) with their package."""
    form = PackageForm()
    if not form.validate_on_submit():
        return _register_page(RequestForm(formdata=None), form, {"package": _form_errors(form)}, None, 422)
    pid = _pid(form.email.data)
    if pid is None:
        return _register_page(RequestForm(formdata=None), form, {"package": [_not_an_address()]}, None, 422)
    db = get_session()
    settings, fmt = get_settings(), form.format.data
    try:
        answer = service.answer_request(
            db,
            pid,
            email=normalize(form.email.data),
            settings=settings,
            fresh=current_policy().freshness,
            fmt=fmt,
            actor=guard.require_officer().email,
            reason=form.reason.data,
        )
    except requests.RepeatedRequest as error:
        db.rollback()
        refused = [messages.repeat_refused(error, _)]
        return _register_page(RequestForm(formdata=None), form, {"package": refused}, None, 409)
    db.commit()
    request, data = answer.request, answer.package
    if fmt == "json":
        body, mimetype = json.dumps(data, ensure_ascii=False, indent=2), "application/json"
    else:
        body, mimetype = package.render_html(current_app.jinja_env, data, settings), "text/html"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="access-request-{request.id}.{fmt}"'
    return response


@bp.post("/requests/<int:request_id>/extend")
def extend_request(request_id: int) -> ResponseReturnValue:
    """Extend an open request's deadline by one or two months, once the person has been told why."""
    db = get_session()
    request = requests.get(db, request_id, for_update=True)
    if request is None:
        abort(404)
    form = ExtendForm()
    blank = RequestForm(formdata=None), PackageForm(formdata=None)
    if not form.validate_on_submit():
        return _register_page(*blank, {"extend": _form_errors(form)}, None, 422, (request_id, form))
    try:
        due = service.extend_request(
            db, request, months=int(form.months.data), reason=form.reason.data, actor=guard.require_officer().email
        )
    except requests.ExtensionRefused as error:
        db.rollback()
        status = 422 if error.code in (requests.Refusal.BAD_MONTHS, requests.Refusal.NO_REASON) else 409
        refused = [messages.extension_refused(error, _)]
        return _register_page(*blank, {"extend": refused}, None, status, (request_id, form))
    db.commit()
    done = _(
        "The deadline of request %(id)s is extended: the answer is now due on %(day)s.",
        id=request_id,
        day=due.isoformat(),
    )
    return _register_page(*blank, {}, done, 200)


def _form_errors(form: RequestForm | PackageForm | LedgerExportForm | EraseForm | ExtendForm) -> list[str]:
    return [str(error) for errors in form.errors.values() for error in errors]


def _export_form(**options: object) -> LedgerExportForm:
    db = get_session()
    form = LedgerExportForm(**options)
    everything = [SelectChoice(ALL, _("All"))]
    form.topic.choices = everything + [SelectChoice(t.key, t.key) for t in catalog.topics(db)]
    form.partner.choices = everything + [SelectChoice(p.slug, p.name) for p in catalog.partners(db)]
    form.campaign.choices = everything + [SelectChoice(c.slug, c.slug) for c in catalog.campaigns(db)]
    return form


def _utc_midnight(day: dt.date | None) -> dt.datetime | None:
    return None if day is None else dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


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
        return _exports_page(_export_form(formdata=None), form, {"record": _form_errors(form)}), 422
    fmt, year = form.format.data, form.year.data
    db = get_session()
    data = service.export_processing_record(db, get_settings(), year=year, fmt=fmt, actor=guard.require_officer().email)
    db.commit()
    if fmt == "json":
        body, mimetype = json.dumps(data, ensure_ascii=False, indent=2) + "\n", "application/json"
    else:
        body, mimetype = record.render_html(current_app.jinja_env, data, get_settings()), "text/html"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="record-of-processing.{fmt}"'
    return response


@bp.post("/exports")
def export_ledger() -> ResponseReturnValue:
    """Stream the chosen ledger events as a download (recorded in the audit trail first)."""
    form = _export_form()
    if not form.validate_on_submit():
        return _exports_page(form, RecordForm(formdata=None), {"export": _form_errors(form)}), 422
    chosen = export.LedgerFilter(
        since=_utc_midnight(form.since.data),
        until=_utc_midnight(form.until.data),
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


_MIMETYPES = {"csv": "text/csv", "jsonl": "application/jsonl"}


@bp.get("/erase")
def erase_start() -> ResponseReturnValue:
    """Step one: the address of the person to erase."""
    return render_template("officer/erase.html", form=EraseForm(), errors=[], review=None, done=None)


@bp.post("/erase/review")
def erase_review() -> ResponseReturnValue:
    """Step two: what erasure would remove, and the confirmation."""
    form = EraseForm()
    pid = _pid(form.email.data) if form.validate_on_submit() else None
    if pid is None:
        errors = _form_errors(form) or [_not_an_address()]
        return render_template("officer/erase.html", form=form, errors=errors, review=None, done=None), 422
    confirm = EraseConfirmForm(formdata=None, email=normalize(form.email.data))
    found = erasure.review(get_session(), pid)
    return render_template("officer/erase.html", form=confirm, errors=[], review=found, pid=pid, done=None)


@bp.post("/erase")
def erase_confirm() -> ResponseReturnValue:
    """Step three: erase, keeping the suppression tombstone, and say what was done."""
    form = EraseConfirmForm()
    pid = _pid(form.email.data) if form.validate_on_submit() else None
    if pid is None:  # not ticked (show the review again) or not an address (start over)
        shown = _pid(form.email.data or "")
        found = erasure.review(get_session(), shown) if shown else None
        errors = _form_errors(form) or [_not_an_address()]
        return render_template("officer/erase.html", form=form, errors=errors, review=found, pid=shown, done=None), 422
    db = get_session()
    actor = guard.require_officer().email
    done = service.erase_person(db, pid, policy_version=current_policy().current.version, actor=actor)
    db.commit()
    return render_template("officer/erase.html", form=EraseForm(formdata=None), errors=[], review=None, done=done)
