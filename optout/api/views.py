"""The HTTP API: filter a sending list and mint links for a campaign, with a bearer API key.

Every answer under ``/api/v1`` is JSON (or the filtered CSV), errors included, with a stable
``error`` code. The API reads no cookie and sets none, so it needs no CSRF token. It never logs a
key or an address, and nothing in it lists who opted out: the only way to learn whether someone
is suppressed is to submit their address for a campaign.

A CSV list is filtered into a spooled temporary file (in memory up to a few MiB, then on disk)
before the response starts, so that the summary can go in the response headers; the file is then
streamed back. The database work is over (and the run recorded) before the first byte is sent.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Iterator
from typing import IO, Any, cast

from flask import Blueprint, Response, current_app, g, request
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from ..accounts import api_keys as keys
from ..audit import service as audit
from ..catalog import service as catalog
from ..catalog.cache import CampaignInfo
from ..identity import AddressInvalid, normalize, pseudonymous_id
from ..links import links_for
from ..lists import service as lists
from ..lists.recordlimit import RecordLimit, RecordTooLong
from ..lists.service import LINK_COLUMNS, Database, LinkSettings, ListUnusable, Summary, record_run
from ..tokens import LANGUAGES
from ..web.extensions import csrf, get_settings, get_tokens
from ..web.session import get_session
from . import (
    DROPPED_HEADER,
    ENDPOINT_SCOPES,
    FILTER_CSV_MAX_BYTES,
    FILTER_JSON_MAX_BYTES,
    FILTER_JSON_MAX_RECIPIENTS,
    LINKS_MAX_ADDRESSES,
    LINKS_MAX_BYTES,
    MALFORMED_LINES_HEADER,
    MALFORMED_LINES_LISTED,
    MIB,
    PREFIX,
    RECORD_MAX_BYTES,
    ROWS_KEPT_HEADER,
    ROWS_READ_HEADER,
    ErrorCode,
    jsonbody,
)
from .jsonbody import BodyUnusable, TooManyRecipients, read_filter_body
from .openapi import DOCUMENT

bp = Blueprint("api", __name__, url_prefix=PREFIX)
csrf.exempt(bp)  # no cookie is read, so there is nothing to forge: the bearer key is the authority

CSV = "text/csv"
JSON = "application/json"
SPOOL_IN_MEMORY = 4 * MIB
CHUNK = 64 * 1024
_CODES = {
    400: ErrorCode.BAD_REQUEST,
    401: ErrorCode.UNAUTHORIZED,
    403: ErrorCode.INSUFFICIENT_SCOPE,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    413: ErrorCode.TOO_LARGE,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    422: ErrorCode.UNUSABLE_BODY,
    500: ErrorCode.INTERNAL_ERROR,
    503: ErrorCode.UNAVAILABLE,
}
_MESSAGES = {
    400: "the request could not be understood",
    404: "there is nothing at this address; see /api/v1/openapi.json",
    405: "this method is not allowed here; see the Allow header",
    500: "something went wrong on our side; try again in a little while",
    503: "the service is not available right now; try again later",
}


class ApiProblem(Exception):
    """An error answer: HTTP status, stable code, message, and extra JSON fields."""

    def __init__(self, status: int, error: ErrorCode, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.error, self.message, self.extra = status, error, message, extra


def _json(data: Any, status: int = 200) -> Response:
    return current_app.response_class(_dumps(data), status=status, mimetype=JSON)


def _problem(problem: ApiProblem) -> Response:
    response = _json({"error": problem.error.value, "message": problem.message, **problem.extra}, problem.status)
    if problem.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="optout"'
    # Also for routing errors, which the blueprint's after_request never sees (no route matched).
    response.headers["Cache-Control"] = "no-store"
    return response


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    code = _CODES.get(status, ErrorCode.BAD_REQUEST if status < 500 else ErrorCode.INTERNAL_ERROR)
    if status == 413:
        message = f"the body may be at most {request.max_content_length} bytes here"
    else:
        message = _MESSAGES.get(status, _MESSAGES[400] if status < 500 else _MESSAGES[500])
    response = _problem(ApiProblem(status, code, message))
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def _routing_error(error: HTTPException) -> ResponseReturnValue:
    if request.path == PREFIX or request.path.startswith(PREFIX + "/"):
        return _http_error(error)
    for name in (*request.blueprints, None):  # elsewhere: whatever would have answered without us
        handler = current_app.error_handler_spec.get(name, {}).get(None, {}).get(HTTPException)
        if handler is not None:
            return cast(ResponseReturnValue, handler(error))
    return error


bp.register_error_handler(ApiProblem, _problem)
bp.register_error_handler(HTTPException, _http_error)


@bp.record_once
def _answer_routing_errors_in_json(state: BlueprintSetupState) -> None:
    # Flask asks a blueprint's handlers only once one of its routes matched, so a 404 for an
    # unknown path or a 405 under /api/v1 would get the app's HTML page. These app-level handlers
    # answer JSON under /api/v1 and pass every other path on.
    for error in (NotFound, MethodNotAllowed):
        state.app.register_error_handler(error, _routing_error)


def _body_limit() -> int | None:
    if request.endpoint == "api.filter_list":
        return FILTER_CSV_MAX_BYTES if request.mimetype == CSV else FILTER_JSON_MAX_BYTES
    if request.endpoint == "api.mint_links":
        return LINKS_MAX_BYTES
    return None


@bp.before_request
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


@bp.after_request
def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"  # links carry tokens, lists are personal data
    return response


_OPERATIONS = {
    "api.filter_list": audit.AuditAction.API_FILTER,
    "api.mint_links": audit.AuditAction.API_LINKS,
}


def _audit(counts: dict[str, Any], status: int) -> None:
    """Add the audit entry of this call (the caller commits): key, operation, campaign, counts, status.

    Never an address or an id: the campaign only once it is known to exist (an unknown slug is
    whatever was sent), and counts.
    """
    action = _OPERATIONS[request.endpoint or ""]
    media = request.mimetype if request.mimetype in (CSV, JSON) else None
    data = {"campaign": g.get("api_campaign"), "media": media, **counts, "status": status}
    audit.record(get_session(), audit.api_actor(g.api_key_name), action, data=data)
    g.api_audited = True


@bp.after_request
def _audit_refusal(response: Response) -> Response:
    """Audit a call by a known key that was refused, with its status (a served call audited itself)."""
    if "api_key_name" in g and not g.get("api_audited") and request.endpoint in _OPERATIONS:
        session = get_session()
        try:
            session.rollback()  # nothing of a refused call is kept but its entry
            error = response.json.get("error", "") if response.is_json and isinstance(response.json, dict) else ""
            _audit({"refused": error or None}, response.status_code)
            session.commit()
        except SQLAlchemyError:  # the database is what failed: the answer stands, the log says so
            session.rollback()
            current_app.logger.warning("could not audit a refused API call (%s)", response.status_code)
    return response


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    """The OpenAPI 3.1 document of this API (no key needed)."""
    return _json(DOCUMENT)


def _campaign(slug: str) -> CampaignInfo:
    try:
        info = CampaignInfo.of(catalog.campaign_by_slug(get_session(), slug))
    except catalog.CatalogError:
        raise ApiProblem(404, ErrorCode.UNKNOWN_CAMPAIGN, "there is no campaign with this slug") from None
    g.api_campaign = info.slug
    return info


def _media_type(*accepted: str) -> str:
    if request.mimetype not in accepted:
        raise ApiProblem(415, ErrorCode.UNSUPPORTED_MEDIA_TYPE, f"send the body as {' or '.join(accepted)}")
    if request.mimetype_params.get("charset", "utf-8").lower() not in ("utf-8", "utf8", "us-ascii"):
        raise ApiProblem(415, ErrorCode.UNSUPPORTED_MEDIA_TYPE, "send the body as UTF-8")
    return request.mimetype


def _unusable(message: str, **extra: Any) -> ApiProblem:
    return ApiProblem(422, ErrorCode.UNUSABLE_BODY, message, **extra)


def _json_body(items: str) -> dict[str, Any]:
    """The JSON object sent: an array named *items* and an optional ``lang``, nothing else."""
    try:
        body = jsonbody.loads(request.get_data(cache=False))
    except (ValueError, RecursionError):
        raise _unusable("the body is not valid JSON") from None
    if not isinstance(body, dict) or not isinstance(body.get(items), list) or set(body) - {items, "lang"}:
        raise _unusable(f'the body must be a JSON object with an array "{items}" and, optionally, "lang"')
    language = body.get("lang")
    if language is not None and language not in LANGUAGES:
        raise _unusable(f"lang must be one of {', '.join(LANGUAGES)}")
    return body


def _normal(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return normalize(value)
    except AddressInvalid:
        return None


def _link_settings() -> LinkSettings:
    settings = get_settings()
    return LinkSettings(get_tokens(), settings.base_url, settings.id_key)


@bp.post("/campaigns/<slug>/filter")
def filter_list(slug: str) -> ResponseReturnValue:
    """Filter a sending list: CSV in and out (summary in headers), or JSON in and out."""
    campaign = _campaign(slug)
    if _media_type(CSV, JSON) == CSV:
        return _filter_csv(campaign)
    return _filter_json(campaign)


def _counts(summary: Summary) -> dict[str, Any]:
    return {"rows_read": summary.rows_read, "rows_kept": summary.rows_kept}


def _filter_json(campaign: CampaignInfo) -> Response:
    """Filter a JSON body a recipient at a time (:mod:`.jsonbody`), the answer spooled like CSV's."""
    try:
        body = read_filter_body(
            request.get_data(cache=False), max_recipients=FILTER_JSON_MAX_RECIPIENTS, forbidden=LINK_COLUMNS
        )
    except TooManyRecipients:
        raise ApiProblem(
            413, ErrorCode.TOO_LARGE, f"at most {FILTER_JSON_MAX_RECIPIENTS} recipients: send CSV"
        ) from None
    except BodyUnusable as exc:
        extra = {} if exc.positions is None else {"positions": exc.positions}
        raise _unusable(str(exc), **extra) from None
    if body.lang is not None and body.lang not in LANGUAGES:
        raise _unusable(f"lang must be one of {', '.join(LANGUAGES)}")
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115  (closed with the response)
    try:
        session = get_session()
        lang = cast(str, body.lang) or campaign.lang
        summary = lists.filter_records(
            session.connection(), campaign, body.recipients(), spool, lang=lang, links=_link_settings()
        )
        record_run(session.connection(), campaign, summary, via="api")
        _audit(_counts(summary), 200)
        session.commit()
    except BaseException:
        spool.close()
        raise
    return _spooled(spool, JSON)


def _dumps(data: Any) -> str:
    # ASCII escapes keep a lone surrogate from the input encodable; NaN and Infinity are not JSON.
    return json.dumps(data, separators=(",", ":"), allow_nan=False)


def _spooled(spool: IO[bytes], mimetype: str) -> Response:
    """A response streaming *spool* from its start, which it closes when done."""
    size = spool.tell()
    spool.seek(0)
    response = current_app.response_class(_chunks(spool), mimetype=mimetype)
    response.call_on_close(spool.close)
    response.content_length = size
    return response


def _filter_csv(campaign: CampaignInfo) -> Response:
    # Filtered as the CLI filters a file (a BOM is skipped, a row with bytes that are not UTF-8
    # is reported as malformed), but in this process only. The stream raises 413 once the body
    # passes the limit, and 422 at a record over RECORD_MAX_BYTES, before it is decoded.
    source = io.BufferedReader(RecordLimit(request.stream, RECORD_MAX_BYTES))
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115  (closed with the response)
    try:
        sink = io.TextIOWrapper(spool, encoding="utf-8", newline="")
        try:
            session = get_session()
            database = Database(session.connection(), get_settings().database_url)
            summary = lists.filter_list(database, campaign, source, sink, links=_link_settings(), workers=1)
        finally:
            sink.detach()  # flushes, and leaves the spool to us
        record_run(session.connection(), campaign, summary, via="api")
        _audit(_counts(summary), 200)
        session.commit()
    except (ListUnusable, RecordTooLong) as exc:
        spool.close()
        raise _unusable(str(exc)) from None
    except BaseException:
        spool.close()
        raise
    response = _spooled(spool, CSV)
    response.headers["Content-Disposition"] = f'attachment; filename="{campaign.slug}.csv"'
    response.headers.update(_summary_headers(summary))
    return response


def _chunks(spool: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := spool.read(CHUNK):
            yield chunk
    finally:
        spool.close()  # as soon as it is sent; the response's close covers a client gone midway


def _summary_headers(summary: Summary) -> dict[str, str]:
    data = summary.as_dict()
    headers = {
        ROWS_READ_HEADER: str(data["rows_read"]),
        ROWS_KEPT_HEADER: str(data["rows_kept"]),
        DROPPED_HEADER: json.dumps(data["dropped"], separators=(",", ":")),
    }
    if summary.malformed:
        headers[MALFORMED_LINES_HEADER] = ",".join(
            str(line) for line, _problem in summary.malformed[:MALFORMED_LINES_LISTED]
        )
    return headers


@bp.post("/campaigns/<slug>/links")
def mint_links(slug: str) -> ResponseReturnValue:
    """The links and List-Unsubscribe header values for each address, in the order given."""
    campaign = _campaign(slug)
    _media_type(JSON)
    body = _json_body("emails")
    emails: list[Any] = body["emails"]
    if len(emails) > LINKS_MAX_ADDRESSES:
        raise ApiProblem(413, ErrorCode.TOO_LARGE, f"at most {LINKS_MAX_ADDRESSES} addresses per request")
    addresses = [_normal(email) for email in emails]
    invalid = [i for i, address in enumerate(addresses) if address is None]
    if invalid:  # positions only: an error never echoes what was sent
        raise _unusable("these are not e-mail addresses (positions count from 0)", positions=invalid)
    settings, tokens, lang = get_settings(), get_tokens(), body.get("lang") or campaign.lang
    answer = []
    for address in cast(list[str], addresses):
        made = links_for(tokens, settings.base_url, pseudonymous_id(settings.id_key, address), campaign.id, lang)
        answer.append({"email": address, **made.fields()})
    _audit({"links": len(answer)}, 200)
    get_session().commit()
    return _json({"links": answer})
