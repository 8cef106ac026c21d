"""Who may call the API: a live bearer key holding the operation's scope, each endpoint's body
limit, and the audit entry of every call by a known key (as counts, never an address or an id)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, g, request
from sqlalchemy.exc import SQLAlchemyError

from ..accounts import api_keys as keys
from ..audit import service as audit
from ..web.session import get_session
from . import (
    ENDPOINT_SCOPES,
    FILTER_CSV_MAX_BYTES,
    FILTER_JSON_MAX_BYTES,
    LINKS_MAX_BYTES,
    OPT_OUTS_MAX_BYTES,
    ErrorCode,
)
from .errors import JSON, ApiProblem

CSV = "text/csv"


def _body_limit() -> int | None:
    if request.endpoint == "api.filter_list":
        return FILTER_CSV_MAX_BYTES if request.mimetype == CSV else FILTER_JSON_MAX_BYTES
    if request.endpoint == "api.mint_links":
        return LINKS_MAX_BYTES
    if request.endpoint == "api.report_opt_outs":
        return OPT_OUTS_MAX_BYTES
    return None


def _authenticate() -> None:
    """Set this endpoint's body limit, then require a live API key (the document is public)."""
    limit = _body_limit()
    if limit is not None:
        request.max_content_length = limit
    if request.endpoint == "api.openapi":
        return
    scheme, _space, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise ApiProblem(401, ErrorCode.UNAUTHORIZED, "send an API key as: Authorization: Bearer <key>")
    found = keys.authenticate(get_session(), key.strip())
    if found is None:
        raise ApiProblem(401, ErrorCode.UNAUTHORIZED, "the API key is unknown or revoked")
    g.api_key_name = found.name  # from here on the call is audited under the key's name
    needed = ENDPOINT_SCOPES.get(request.endpoint or "")
    if needed is not None and needed not in keys.scopes_of(found):
        raise ApiProblem(
            403, ErrorCode.INSUFFICIENT_SCOPE, f"this API key does not hold the scope this operation needs: {needed}"
        )


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"  # links carry tokens, lists are personal data
    return response


_OPERATIONS = {
    "api.filter_list": audit.AuditAction.API_FILTER,
    "api.mint_links": audit.AuditAction.API_LINKS,
    "api.report_opt_outs": audit.AuditAction.API_OPT_OUTS,
}


def audit_call(counts: dict[str, Any], status: int) -> None:
    """Add the audit entry of this call (the caller commits): key, operation, campaign, counts, status.

    Never an address or an id: the campaign only once it is known to exist (an unknown slug is
    whatever was sent), and counts.
    """
    action = _OPERATIONS[request.endpoint or ""]
    media = request.mimetype if request.mimetype in (CSV, JSON) else None
    data = {"campaign": g.get("api_campaign"), "media": media, **counts, "status": status}
    audit.log_action(get_session(), audit.api_actor(g.api_key_name), action, data=data)
    g.api_audited = True


def _audit_refusal(response: Response) -> Response:
    """Audit a call by a known key that was refused, with its status (a served call audited itself)."""
    if "api_key_name" in g and not g.get("api_audited") and request.endpoint in _OPERATIONS:
        session = get_session()
        try:
            session.rollback()  # nothing of a refused call is kept but its entry
            error = response.json.get("error", "") if response.is_json and isinstance(response.json, dict) else ""
            audit_call({"refused": error or None}, response.status_code)
            session.commit()
        except SQLAlchemyError:  # the database is what failed: the answer stands, the log says so
            session.rollback()
            current_app.logger.warning("could not audit a refused API call (%s)", response.status_code)
    return response


def register(bp: Blueprint) -> None:
    """Guard every request of *bp*: body limit and key first, then no-store and the refusals' audit."""
    bp.before_request(_authenticate)
    bp.after_request(_no_store)
    bp.after_request(_audit_refusal)
