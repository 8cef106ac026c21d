"""The console's pages: login, overview, lookup, campaigns, ledger and audit trail.

Every endpoint but the login page needs a signed-in officer: the blueprint
(:mod:`.blueprint`) refuses anonymous requests before any view runs.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass

from flask import Response, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ..accounts import officers as auth
from ..audit import service as audit
from ..audit.service import AuditAction
from ..catalog import service as catalog
from ..catalog.cache import CampaignInfo
from ..db import utcnow
from ..identity import AddressInvalid
from ..ledger.verify import verify
from ..models import AuditEntry
from ..reports.service import OPT_OUT_KINDS, campaign_report, report_csv
from ..web.extensions import get_catalog, get_settings
from ..web.i18n import _, current_language
from ..web.pages import current_policy
from ..web.session import get_session
from . import chart, guard, labels, lookup, overview, throttle
from .blueprint import bp
from .forms import LoginForm, LookupForm

UNKNOWN_OFFICER = "-"  # the audit's name for a login attempt with an address no officer has


def _names() -> labels.Names:
    db = get_session()
    partners = {p.slug: p.name for p in catalog.partners(db)}
    return labels.Names.of(get_catalog().topics(db), partners, current_language())


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Log in; one message for every failure, so it never tells whether an account exists."""
    if request.method == "GET" and guard.current_officer() is not None:
        return redirect(url_for("officer.overview"))
    form = LoginForm()
    failed = throttled = False
    if form.validate_on_submit():
        client = request.remote_addr or "-"
        if not throttle.may_try(client):
            throttled = True
        else:
            db = get_session()
            attempt = auth.authenticate(db, form.email.data, form.password.data)
            if attempt.ok and attempt.officer is not None:
                audit.record(db, attempt.officer.email, AuditAction.LOGIN)
                db.commit()
                guard.sign_in(attempt.officer)
                return redirect(guard.safe_next(request.args.get("next")) or url_for("officer.overview"), code=303)
            throttle.count_failure(client)
            locked = attempt.outcome is auth.Outcome.LOCKED_NOW
            who = attempt.officer.email if attempt.officer is not None else UNKNOWN_OFFICER
            data = {"outcome": attempt.outcome.value, "client": client}
            audit.record(db, who, AuditAction.LOCKED_OUT if locked else AuditAction.LOGIN_FAILED, data=data)
            db.commit()
            failed = True
    page = render_template(
        "officer/login.html",
        form=form,
        failed=failed,
        throttled=throttled,
        expired=request.args.get("expired") == "1",
        logged_out=request.args.get("logged_out") == "1",
    )
    return page, 429 if throttled else 200


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """End the login (POST with CSRF, so another site cannot log the officer out)."""
    db = get_session()
    officer = guard.require_officer()
    audit.record(db, officer.email, AuditAction.LOGOUT)
    guard.sign_out(officer)
    db.commit()
    return redirect(url_for("officer.login", logged_out="1"), code=303)


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
    names = _names()
    charts = [SeriesChart(names.scope(s.scope), s, chart.bars(s, counts.days)) for s in counts.series]
    return render_template("officer/overview.html", days=counts.days, charts=charts, chart_size=chart)


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
            address_error = _("That is not an e-mail address. Check it and try again.")
        else:
            audit.record(db, guard.require_officer().email, AuditAction.LOOKUP, subject_pid=record.pid)
            db.commit()
    errors = [*form.email.errors, *([address_error] if address_error else [])]
    campaigns = {c.id: c.slug for c in catalog.campaigns(get_session())} if record else {}
    return render_template(
        "officer/lookup.html",
        form=form,
        errors=errors,
        record=record,
        names=_names(),
        topics=get_catalog().topics(get_session()),
        campaigns=campaigns,
        labels=labels,
    )


@bp.get("/campaigns")
def campaigns() -> ResponseReturnValue:
    """Every campaign, with a link to its report."""
    return render_template("officer/campaigns.html", campaigns=catalog.campaigns(get_session()))


def _campaign(slug: str) -> CampaignInfo:
    try:
        return CampaignInfo.of(catalog.campaign_by_slug(get_session(), slug))
    except catalog.CatalogError:
        abort(404)


@bp.get("/campaigns/<slug>")
def campaign(slug: str) -> ResponseReturnValue:
    """A campaign's report: what its partner may see, counts only."""
    info = _campaign(slug)
    report = campaign_report(get_session(), info)
    return render_template(
        "officer/campaign.html", campaign=info, report=report, kinds=("total", *OPT_OUT_KINDS), labels=labels
    )


@bp.get("/campaigns/<slug>/report.<any(csv, json):fmt>")
def campaign_download(slug: str, fmt: str) -> ResponseReturnValue:
    """Download a campaign's report (recorded in the audit trail as an export)."""
    info = _campaign(slug)
    db = get_session()
    report = campaign_report(db, info)
    audit.record(db, guard.require_officer().email, AuditAction.REPORT_EXPORTED, data={"campaign": slug, "format": fmt})
    db.commit()
    if fmt == "json":
        body, mimetype = json.dumps(report, indent=2, ensure_ascii=False), "application/json"
    else:
        buffer = io.StringIO()
        report_csv(report, buffer)
        body, mimetype = buffer.getvalue(), "text/csv"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="report-{slug}.{fmt}"'
    return response


@bp.get("/ledger")
def ledger() -> ResponseReturnValue:
    """Walk the ledger's hash chain now and show whether it is intact, or its first fault."""
    result = verify(get_session().connection())
    return render_template("officer/ledger.html", result=result, checked_at=utcnow(), labels=labels)


MAX_ENTRY_ID = 2**31 - 1  # the id column is an INTEGER: PostgreSQL refuses to compare it with more


def _entry_id(raw: str | None) -> int | None:
    """The entry id a page of the trail starts before: None for none; 404 if it cannot be an id."""
    if raw is None:
        return None
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) <= MAX_ENTRY_ID:
        abort(404)
    return int(raw)


@dataclass(frozen=True)
class AuditRow:
    """One audit entry as the page shows it: its action and detail in the viewer's language."""

    at: dt.datetime
    actor: str
    action: str
    detail: str
    legacy: bool  # written before 0009: the detail is the English text it was recorded with

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditRow:
        """Render *entry* for the page."""
        data = entry.data or {}
        detail = labels.audit_detail(entry.action, data, entry.subject_pid)
        legacy = set(data) == {audit.LEGACY_TEXT}
        return cls(entry.at, entry.officer, labels.audit_action(entry.action), detail, legacy)


@bp.get("/audit", endpoint="audit")
def audit_trail() -> ResponseReturnValue:
    """The audit trail, newest first, a page at a time."""
    before = _entry_id(request.args.get("before"))
    entries = audit.entries(get_session(), before=before, limit=audit.PAGE_SIZE + 1)
    older = entries[audit.PAGE_SIZE - 1].id if len(entries) > audit.PAGE_SIZE else None
    rows = [AuditRow.of(entry) for entry in entries[: audit.PAGE_SIZE]]
    return render_template("officer/audit.html", entries=rows, older=older, first_page=before is None)


# The data-subject pages live in their own module and register on this blueprint (so the guard covers them).
from . import rights  # noqa: E402, F401
