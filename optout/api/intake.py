"""``POST /api/v1/opt-outs``: opt-outs that other systems took (an IVR, an SMS gateway, an email
provider, customer service), one or many per call, each answered on its own.

The body is ``{"opt_outs": [record, …]}``; a record names the person by ``email`` or ``phone``
(exactly one), and gives ``scope``, ``source``, ``occurred_at`` and, optionally, ``evidence``. A
record that cannot be used is answered ``invalid`` with the problem, by its position, and never
stops the others; the answer never repeats an address or a number. What is recorded is
:func:`optout.consent.intake.record_reported`'s to say.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, g, request
from flask.typing import ResponseReturnValue

from .. import phones
from ..catalog import service as catalog
from ..consent import intake
from ..identity import AddressInvalid, pid_of
from ..models import Source
from ..pids import Pid, pid_hex
from ..web.extensions import get_catalog, get_policy, get_settings
from ..web.session import get_session
from . import OPT_OUTS_MAX_RECORDS, ErrorCode, jsonbody
from .auth import audit_call
from .errors import JSON, ApiProblem, json_response

FIELDS = frozenset({"email", "phone", "scope", "source", "occurred_at", "evidence"})
SOURCES = {source.value: source for source in intake.REPORTING_SOURCES}
CLOCK_SKEW = dt.timedelta(minutes=5)  # a reporter's clock a little ahead is not "in the future"


class RecordInvalid(ValueError):
    """One record that cannot be used; the message says why, without what was sent."""


def _body() -> list[Any]:
    if request.mimetype != JSON:
        raise ApiProblem(415, ErrorCode.UNSUPPORTED_MEDIA_TYPE, "send the body as application/json")
    try:
        body = jsonbody.loads(request.get_data(cache=False))
    except (ValueError, RecursionError):
        raise ApiProblem(422, ErrorCode.UNUSABLE_BODY, "the body is not valid JSON") from None
    if not isinstance(body, dict) or set(body) != {"opt_outs"} or not isinstance(body["opt_outs"], list):
        raise ApiProblem(422, ErrorCode.UNUSABLE_BODY, 'the body must be a JSON object with one array, "opt_outs"')
    records: list[Any] = body["opt_outs"]
    if not records or len(records) > OPT_OUTS_MAX_RECORDS:
        raise ApiProblem(422, ErrorCode.UNUSABLE_BODY, f'"opt_outs" must hold 1 to {OPT_OUTS_MAX_RECORDS} records')
    return records


def _text(record: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    value = record.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise RecordInvalid(f"{name} must be a non-empty string")
    return value.strip()


def _pid(record: dict[str, Any]) -> Pid:
    settings = get_settings()
    if ("email" in record) == ("phone" in record):
        raise RecordInvalid("give exactly one of email and phone")
    if "email" in record:
        try:
            return pid_of(settings.id_key, _text(record, "email") or "")
        except AddressInvalid as exc:
            raise RecordInvalid(f"email is not an email address: {exc.problem}") from None
    try:
        return pid_hex(phones.phone_id(settings.id_key, _text(record, "phone") or "", settings.default_region))
    except phones.NumberInvalid as exc:
        raise RecordInvalid(f"phone is not a phone number: {exc.problem}") from None


def _scope(record: dict[str, Any], known: dict[str, bool]) -> str:
    """The record's scope, if it exists; *known* remembers each scope's answer for the request (a
    topic or partner is one query, and a request of 1,000 records names a few scopes)."""
    scope = _text(record, "scope") or ""
    if scope not in known:
        known[scope] = catalog.scope_exists(get_session(), scope)
    if not known[scope]:
        raise RecordInvalid("scope must be everything, topic:KEY, partner:SLUG or channel:email|phone")
    return scope


def _occurred_at(record: dict[str, Any]) -> dt.datetime:
    text = _text(record, "occurred_at") or ""
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise RecordInvalid("occurred_at must be an ISO 8601 date-time with its offset") from None
    if value.tzinfo is None:
        raise RecordInvalid("occurred_at must say its offset from UTC (Z or +01:00)")
    if value - CLOCK_SKEW > dt.datetime.now(dt.UTC):
        raise RecordInvalid("occurred_at is in the future")
    return value.astimezone(dt.UTC)


def _report(record: object, known: dict[str, bool]) -> intake.ReportedOptOut:
    if not isinstance(record, dict):
        raise RecordInvalid("a record must be a JSON object")
    unknown = sorted(set(record) - FIELDS)
    if unknown:
        raise RecordInvalid(f"unknown field {unknown[0][:40]!r}")
    source = SOURCES.get(str(record.get("source")))
    if source is None:
        raise RecordInvalid(f"source must be one of {', '.join(SOURCES)}")
    evidence = _text(record, "evidence", required=False)
    if evidence is not None and (len(evidence) > 400 or not evidence.isprintable()):
        raise RecordInvalid("evidence must be printable text of at most 400 characters")
    return intake.ReportedOptOut(_pid(record), _scope(record, known), Source(source), _occurred_at(record), evidence)


def report_opt_outs() -> ResponseReturnValue:
    """Record the opt-outs sent; answer each record by position: recorded, already or invalid."""
    records = _body()
    results: list[dict[str, Any]] = [{} for _ in records]
    usable: list[tuple[int, intake.ReportedOptOut]] = []
    known: dict[str, bool] = {}
    for position, record in enumerate(records):
        try:
            usable.append((position, _report(record, known)))
        except RecordInvalid as exc:
            results[position] = {"index": position, "outcome": "invalid", "problem": str(exc)}
    session = get_session()
    outcomes = intake.record_reported(
        session,
        [report for _, report in usable],
        reporter=f"api:{g.api_key_name}",
        policy_version=get_policy().state(session, get_settings()).current.version,
        topics=get_catalog().topics(session),
    )
    for (position, _report_), outcome in zip(usable, outcomes, strict=True):
        results[position] = {"index": position, "outcome": outcome.value}
    counts = {name: sum(r["outcome"] == name for r in results) for name in ("recorded", "already", "invalid")}
    audit_call(counts, 200)
    session.commit()
    return json_response({"results": results, "summary": counts})


def register(bp: Blueprint) -> None:
    """Add the intake's route to the API blueprint (endpoint ``api.report_opt_outs``)."""
    bp.add_url_rule("/opt-outs", endpoint="report_opt_outs", view_func=report_opt_outs, methods=["POST"])
