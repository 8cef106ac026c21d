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
from flask.typing import ResponseReturnValue

from ..catalog import service as catalog
from ..catalog.cache import CampaignInfo
from ..identity import AddressInvalid, normalize, pseudonymous_id
from ..links import links_for
from ..lists import service as lists
from ..lists.recordlimit import RecordLimit, RecordTooLong
from ..lists.service import Database, LinkSettings, ListUnusable, Summary, save_filter_run
from ..models import Via
from ..tokens import LANGUAGES
from ..web.extensions import csrf, get_settings, get_tokens
from ..web.session import get_session
from . import (
    DROPPED_HEADER,
    FILTER_JSON_MAX_RECIPIENTS,
    LINKS_MAX_ADDRESSES,
    MALFORMED_LINES_HEADER,
    MALFORMED_LINES_LISTED,
    MIB,
    PREFIX,
    RECORD_MAX_BYTES,
    ROWS_KEPT_HEADER,
    ROWS_READ_HEADER,
    ErrorCode,
    auth,
    errors,
    intake,
    jsonbody,
)
from .auth import CSV, audit_call
from .errors import JSON, ApiProblem, json_response
from .jsonbody import BodyUnusable, TooManyRecipients, read_filter_body
from .openapi import DOCUMENT

bp = Blueprint("api", __name__, url_prefix=PREFIX)
csrf.exempt(bp)  # no cookie is read, so there is nothing to forge: the bearer key is the authority
errors.register(bp)
auth.register(bp)
intake.register(bp)

SPOOL_IN_MEMORY = 4 * MIB
CHUNK = 64 * 1024


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    """The OpenAPI 3.1 document of this API (no key needed)."""
    return json_response(DOCUMENT)


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
    return LinkSettings(
        get_tokens(), settings.base_url, settings.id_key, settings.mailto_domain, settings.default_region
    )


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
            request.get_data(cache=False),
            max_recipients=FILTER_JSON_MAX_RECIPIENTS,
            forbidden=lists.added_columns(lists.is_phone_list(campaign)),
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
        summary = lists.filter_recipients(
            session.connection(), campaign, body.recipients(), spool, lang=lang, links=_link_settings()
        )
        save_filter_run(session.connection(), campaign, summary, via=Via.API)
        audit_call(_counts(summary), 200)
        session.commit()
    except BaseException:
        spool.close()
        raise
    return _spooled(spool, JSON)


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
        save_filter_run(session.connection(), campaign, summary, via=Via.API)
        audit_call(_counts(summary), 200)
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
    if lists.is_phone_list(campaign):
        raise _unusable("a phone campaign has no links: a call carries none")
    _media_type(JSON)
    body = _json_body("emails")
    emails: list[Any] = body["emails"]
    if len(emails) > LINKS_MAX_ADDRESSES:
        raise ApiProblem(413, ErrorCode.TOO_LARGE, f"at most {LINKS_MAX_ADDRESSES} addresses per request")
    addresses = [_normal(email) for email in emails]
    invalid = [i for i, address in enumerate(addresses) if address is None]
    if invalid:  # positions only: an error never echoes what was sent
        raise _unusable("these are not email addresses (positions count from 0)", positions=invalid)
    settings, tokens, lang = get_settings(), get_tokens(), body.get("lang") or campaign.lang
    answer = []
    for address in cast(list[str], addresses):
        made = links_for(
            tokens,
            settings.base_url,
            pseudonymous_id(settings.id_key, address),
            campaign.id,
            lang,
            settings.mailto_domain,
        )
        answer.append({"email": address, **made.fields()})
    audit_call({"links": len(answer)}, 200)
    get_session().commit()
    return json_response({"links": answer})
