"""The OpenAPI description of ``POST /opt-outs`` (:mod:`.intake`): its operation and schemas."""

from __future__ import annotations

from typing import Any

from ..consent.intake import REPORTING_SOURCES, Outcome
from . import ENDPOINT_SCOPES, MIB, OPT_OUTS_MAX_BYTES, OPT_OUTS_MAX_RECORDS
from .doc_parts import COMMON_ERRORS, ref

_RECORD = {
    "type": "object",
    "additionalProperties": False,
    "required": ["scope", "source", "occurred_at"],
    "properties": {
        "email": {"type": "string", "description": "The person's address (give this or phone)."},
        "phone": {
            "type": "string",
            "description": "The person's number, any spelling; without +CC it is read in OPTOUT_DEFAULT_REGION.",
        },
        "scope": {"type": "string", "description": "everything, topic:KEY, partner:SLUG or channel:email|phone."},
        "source": {"type": "string", "enum": [source.value for source in REPORTING_SOURCES]},
        "occurred_at": {
            "type": "string",
            "format": "date-time",
            "description": "When the person said stop, with its UTC offset.",
        },
        "evidence": {"type": "string", "maxLength": 400, "description": "E.g. the call's or message's id."},
    },
}
_RESULT = {
    "type": "object",
    "required": ["index", "outcome"],
    "properties": {
        "index": {"type": "integer", "description": "The record's position in opt_outs, from 0."},
        "outcome": {"type": "string", "enum": [*(outcome.value for outcome in Outcome), "invalid"]},
        "problem": {"type": "string", "description": "Why an invalid record cannot be used."},
    },
}
_EXAMPLE = {
    "opt_outs": [
        {
            "phone": "+47 982 60 580",
            "scope": "channel:phone",
            "source": "ivr",
            "occurred_at": "2026-12-01T14:15:00+01:00",
        },
        {"email": "kari@example.no", "scope": "everything", "source": "esp", "occurred_at": "2026-12-01T13:02:11Z"},
    ]
}

SCHEMAS: dict[str, Any] = {
    "OptOutsRequest": {
        "type": "object",
        "additionalProperties": False,
        "required": ["opt_outs"],
        "properties": {
            "opt_outs": {"type": "array", "minItems": 1, "maxItems": OPT_OUTS_MAX_RECORDS, "items": _RECORD}
        },
    },
    "OptOutsResult": {
        "type": "object",
        "required": ["results", "summary"],
        "properties": {
            "results": {"type": "array", "items": _RESULT},
            "summary": {
                "type": "object",
                "properties": {name: {"type": "integer"} for name in ("recorded", "already", "invalid")},
            },
        },
    },
}


OPERATION: dict[str, Any] = {
    "operationId": "reportOptOuts",
    "security": [{"bearer": [ENDPOINT_SCOPES["api.report_opt_outs"].value]}],
    "summary": "Report opt-outs that another system took (IVR, SMS, email provider, support)",
    "description": (
        f"1 to {OPT_OUTS_MAX_RECORDS} records ({OPT_OUTS_MAX_BYTES // MIB} MiB). Only opt-outs, never an "
        "opt-in. Each record is answered by position: recorded, already (the same report, or an opt-out "
        "that stands) or invalid with the problem; an invalid record never stops the others. Answers "
        "never repeat an address or a number."
    ),
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": ref("schemas", "OptOutsRequest"), "example": _EXAMPLE}},
    },
    "responses": {
        "200": {
            "description": "One result per record, in order.",
            "content": {"application/json": {"schema": ref("schemas", "OptOutsResult")}},
        },
        **{code: response for code, response in COMMON_ERRORS.items() if code != "404"},
    },
}
