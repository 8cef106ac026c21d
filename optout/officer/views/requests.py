"""The console's access requests: the register with its due days, registering one, answering one
with the person's package, and extending a deadline. Each action is a use case of
:mod:`optout.privacy.service`, which audits itself in the same transaction.

Addresses travel only in POST bodies (never in a URL or a log) and are never stored: requests
name a person by pseudonymous id.
"""

from __future__ import annotations

import datetime as dt
import json

from flask import Response, abort, current_app, render_template
from flask.typing import ResponseReturnValue

from ... import formats
from ...dates import LOCAL, local_date
from ...db import utcnow
from ...models import Channel
from ...privacy import access_requests as register_of_requests
from ...privacy import messages, package, service
from ...web.extensions import get_settings
from ...web.i18n import _, current_language
from ...web.pages import current_policy
from ...web.session import get_session
from .. import guard
from ..blueprint import bp
from ..forms import ExtendForm, PackageForm, RequestForm
from .common import form_errors, identity, not_found, pid


def _register_page(
    request_form: RequestForm,
    package_form: PackageForm,
    errors: dict[str, list[str]],
    done: str | None,
    status: int,
    refused: tuple[int, ExtendForm] | None = None,
) -> ResponseReturnValue:
    db = get_session()
    register = register_of_requests.all_requests(db)
    today = local_date(utcnow())
    return (
        render_template(
            "officer/requests.html",
            request_form=request_form,
            package_form=package_form,
            errors=errors,
            done=done,
            register=register,
            overdue={r.id for r in register if register_of_requests.overdue(r, today)},
            extendable={r.id for r in register if register_of_requests.extendable(r, today)},
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
    """Register a request received elsewhere (letter, email, phone)."""
    form = RequestForm()
    if not form.validate_on_submit():
        return _register_page(form, PackageForm(formdata=None), {"request": form_errors(form)}, None, 422)
    person = pid(form.email.data)
    if person is None:
        return _register_page(form, PackageForm(formdata=None), {"request": [not_found(form.email.data)]}, None, 422)
    received = (
        dt.datetime.combine(form.received.data, dt.time(12), tzinfo=LOCAL).astimezone(dt.UTC)
        if form.received.data
        else None
    )
    db = get_session()
    try:
        request = service.register_request(
            db, person, actor=guard.require_officer().email, reason=form.reason.data, received_at=received
        )
    except register_of_requests.RepeatedRequest as error:
        db.rollback()
        refused = [messages.repeat_refused(error, _, lang=current_language())]
        return _register_page(form, PackageForm(formdata=None), {"request": refused}, None, 409)
    db.commit()
    done = _(
        "Request registered. The answer is due on %(day)s.", day=formats.long_date(request.due_on, current_language())
    )
    return _register_page(RequestForm(formdata=None), PackageForm(formdata=None), {}, done, 200)


@bp.post("/requests/package")
def answer_request() -> ResponseReturnValue:
    """Answer the person's open request (registering one if there is none) with their package."""
    form = PackageForm()
    if not form.validate_on_submit():
        return _register_page(RequestForm(formdata=None), form, {"package": form_errors(form)}, None, 422)
    who = identity(form.email.data)
    if who is None:
        return _register_page(RequestForm(formdata=None), form, {"package": [not_found(form.email.data)]}, None, 422)
    db = get_session()
    settings, fmt = get_settings(), form.format.data
    try:
        answer = service.answer_request(
            db,
            who.pid,
            email=who.normal if who.channel is Channel.EMAIL else None,
            phone=who.normal if who.channel is Channel.PHONE else None,
            settings=settings,
            fresh=current_policy().freshness,
            fmt=fmt,
            actor=guard.require_officer().email,
            reason=form.reason.data,
        )
    except register_of_requests.RepeatedRequest as error:
        db.rollback()
        refused = [messages.repeat_refused(error, _, lang=current_language())]
        return _register_page(RequestForm(formdata=None), form, {"package": refused}, None, 409)
    db.commit()
    request, data = answer.request, answer.package
    if fmt == "json":
        body, mimetype = json.dumps(data, ensure_ascii=False, indent=2), "application/json"
    else:
        body, mimetype = package.render_html(current_app.jinja_env, data, settings, answer.names), "text/html"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="access-request-{request.id}.{fmt}"'
    return response


@bp.post("/requests/<int:request_id>/extend")
def extend_request(request_id: int) -> ResponseReturnValue:
    """Extend an open request's deadline by one or two months, once the person has been told why."""
    db = get_session()
    request = register_of_requests.get(db, request_id, for_update=True)
    if request is None:
        abort(404)
    form = ExtendForm()
    blank = RequestForm(formdata=None), PackageForm(formdata=None)
    if not form.validate_on_submit():
        return _register_page(*blank, {"extend": form_errors(form)}, None, 422, (request_id, form))
    try:
        due = service.extend_request(
            db, request, months=int(form.months.data), reason=form.reason.data, actor=guard.require_officer().email
        )
    except register_of_requests.ExtensionRefused as error:
        db.rollback()
        status = (
            422
            if error.code in (register_of_requests.Refusal.BAD_MONTHS, register_of_requests.Refusal.NO_REASON)
            else 409
        )
        refused = [messages.extension_refused(error, _, lang=current_language())]
        return _register_page(*blank, {"extend": refused}, None, status, (request_id, form))
    db.commit()
    done = _(
        "The deadline of request %(id)s is extended: the answer is now due on %(day)s.",
        id=request_id,
        day=formats.long_date(due, current_language()),
    )
    return _register_page(*blank, {}, done, 200)
