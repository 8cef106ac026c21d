"""The console's lookup: one person's choices and events, found by address (sent by POST)."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from ...audit import service as audit
from ...audit.service import AuditAction
from ...catalog import service as catalog
from ...identity import AddressInvalid
from ...web.extensions import get_catalog, get_settings
from ...web.pages import current_policy
from ...web.session import get_session
from .. import guard, lookup
from ..blueprint import bp
from ..forms import LookupForm
from .common import names, not_an_address


@bp.route("/lookup", methods=["GET", "POST"], endpoint="lookup")
def lookup_page() -> ResponseReturnValue:
    """Look a person up by address (sent by POST: the address never appears in a URL or a log)."""
    form = LookupForm()
    record = None
    address_error = None
    if form.validate_on_submit():
        db = get_session()
        try:
            record = lookup.person_record(
                db, get_settings().id_key, form.email.data, get_catalog().topics(db), fresh=current_policy().freshness
            )
        except AddressInvalid:
            address_error = not_an_address()
        else:
            audit.log_action(db, guard.require_officer().email, AuditAction.LOOKUP, subject_pid=record.pid)
            db.commit()
    errors = [*form.email.errors, *([address_error] if address_error else [])]
    campaigns = {c.id: c.slug for c in catalog.campaigns(get_session())} if record else {}
    page = render_template(
        "officer/lookup.html",
        form=form,
        errors=errors,
        record=record,
        names=names(),
        topics=get_catalog().topics(get_session()),
        campaigns=campaigns,
    )
    return page, 422 if errors else 200  # a refused address is refused as the other console forms are
