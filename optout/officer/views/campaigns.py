"""The console's campaign reports: the list, one campaign's report, and its CSV and JSON downloads."""

from __future__ import annotations

import io
import json

from flask import Response, abort, render_template
from flask.typing import ResponseReturnValue

from ...audit import service as audit
from ...audit.service import AuditAction
from ...catalog import service as catalog
from ...catalog.cache import CampaignInfo
from ...labels import UNSUBSCRIBE_REASONS as REASON_LABELS
from ...reports.service import OPT_OUT_KINDS, campaign_report, report_csv
from ...web.session import get_session
from .. import guard
from ..blueprint import bp


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
        "officer/campaign.html", campaign=info, report=report, kinds=("total", *OPT_OUT_KINDS), reasons=REASON_LABELS
    )


@bp.get("/campaigns/<slug>/report.<any(csv, json):fmt>")
def campaign_download(slug: str, fmt: str) -> ResponseReturnValue:
    """Download a campaign's report (recorded in the audit trail as an export)."""
    info = _campaign(slug)
    db = get_session()
    report = campaign_report(db, info)
    audit.log_action(
        db, guard.require_officer().email, AuditAction.REPORT_EXPORTED, data={"campaign": slug, "format": fmt}
    )
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
