"""The console's lookup: one person's choices and events, found by address or number (sent by POST)."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from ...audit import service as audit
from ...audit.service import AuditAction
from ...catalog import service as catalog
from ...web.extensions import get_catalog
from ...web.pages import current_policy
from ...web.session import get_session
from .. import guard, lookup
from ..blueprint import bp
from ..forms import LookupForm
from .common import identity, names, not_found


@bp.route("/lookup", methods=["GET", "POST"], endpoint="lookup")
def lookup_page() -> ResponseReturnValue:
    """Look a person up by address or number (sent by POST: it never appears in a URL or a log)."""
    form = LookupForm()
    record = None
    address_error = None
    if form.validate_on_submit():
        db = get_session()
        who = identity(form.email.data)
        if who is None:
            address_error = not_found(form.email.data)
        else:
            fresh = current_policy().freshness
            record = lookup.person_record(db, who.pid, who.channel, get_catalog().topics(db), fresh=fresh)
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
