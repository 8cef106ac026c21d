"""The console's erasure, in three steps: the address or number, a review of what would go (every
linked identity's too), the confirmation.

Erasing is :func:`optout.privacy.service.erase_person`, which keeps the suppression tombstone and
audits itself; the address travels only in POST bodies and is never stored.
"""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from ...privacy import erasure, service
from ...web.pages import current_policy
from ...web.session import get_session
from .. import guard
from ..blueprint import bp
from ..forms import EraseConfirmForm, EraseForm
from .common import form_errors, identity, not_found, pid


@bp.get("/erase")
def erase_start() -> ResponseReturnValue:
    """Step one: the address of the person to erase."""
    return render_template("officer/erase.html", form=EraseForm(), errors=[], review=None, done=None)


@bp.post("/erase/review")
def erase_review() -> ResponseReturnValue:
    """Step two: what erasure would remove, and the confirmation."""
    form = EraseForm()
    who = identity(form.email.data) if form.validate_on_submit() else None
    if who is None:
        errors = form_errors(form) or [not_found(form.email.data)]
        return render_template("officer/erase.html", form=form, errors=errors, review=None, done=None), 422
    confirm = EraseConfirmForm(formdata=None, email=who.normal)
    found = erasure.review(get_session(), who.pid)
    return render_template("officer/erase.html", form=confirm, errors=[], review=found, pid=who.pid, done=None)


@bp.post("/erase")
def erase_confirm() -> ResponseReturnValue:
    """Step three: erase, keeping the suppression tombstone, and say what was done."""
    form = EraseConfirmForm()
    person = pid(form.email.data) if form.validate_on_submit() else None
    if person is None:  # not ticked (show the review again) or not an address (start over)
        shown = pid(form.email.data or "")
        found = erasure.review(get_session(), shown) if shown else None
        errors = form_errors(form) or [not_found(form.email.data)]
        return render_template("officer/erase.html", form=form, errors=errors, review=found, pid=shown, done=None), 422
    db = get_session()
    actor = guard.require_officer().email
    done = service.erase_person(db, person, policy_version=current_policy().current.version, actor=actor)
    db.commit()
    return render_template("officer/erase.html", form=EraseForm(formdata=None), errors=[], review=None, done=done)
