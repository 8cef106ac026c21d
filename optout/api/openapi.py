"""The OpenAPI 3.1 document of ``/api/v1``, as data, served at ``/api/v1/openapi.json``. Limits,
error codes, drop reasons and header names come from the code that enforces them; a test checks
that the document's operations are exactly the routes the app serves."""

from __future__ import annotations

from typing import Any

from ..lists.filter import LINK_COLUMNS, MAX_MALFORMED_LISTED, PHONE_COLUMN, Reason
from ..tokens import LANGUAGES
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
    Scope,
    intake_doc,
)
from .doc_parts import COMMON_ERRORS, RESPONSES, ref

_LANG = {"type": "string", "enum": list(LANGUAGES), "description": "Language of the pages the links open."}
_LINKS = {
    "unsubscribe_url": {"type": "string", "format": "uri", "description": "The unsubscribe page (one-click POST)."},
    "preferences_url": {"type": "string", "format": "uri", "description": "The recipient's preference page."},
    "list_unsubscribe": {
        "type": "string",
        "description": "List-Unsubscribe (RFC 2369): HTTPS URI, then mailto: if set.",
    },
    "list_unsubscribe_post": {
        "type": "string",
        "const": "List-Unsubscribe=One-Click",
        "description": "Value of the List-Unsubscribe-Post header (RFC 8058).",
    },
}
_E164 = {PHONE_COLUMN: {"type": "string", "description": "A call list's number in E.164 (+4798260580)."}}

_SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": {"type": "string", "enum": [code.value for code in ErrorCode]},
            "message": {"type": "string", "description": "For people; may change. Never echoes submitted data."},
            "positions": {
                "type": "array",
                "items": {"type": "integer", "minimum": 0},
                "description": "For 422: the zero-based positions of the unusable items.",
            },
        },
    },
    "Summary": {
        "type": "object",
        "required": ["rows_read", "rows_kept", "dropped", "malformed_rows"],
        "properties": {
            "rows_read": {"type": "integer", "minimum": 0},
            "rows_kept": {"type": "integer", "minimum": 0},
            "dropped": {
                "type": "object",
                "description": "Rows not kept, by reason; every reason is listed.",
                "required": [reason.value for reason in Reason],
                "properties": {reason.value: {"type": "integer", "minimum": 0} for reason in Reason},
                "additionalProperties": False,
            },
            "malformed_rows": {
                "type": "array",
                "maxItems": MAX_MALFORMED_LISTED,
                "description": "CSV rows that could not be read, by line; for JSON, records holding a NUL, by "
                "position (from 0).",
                "items": {
                    "type": "object",
                    "required": ["line", "problem"],
                    "properties": {"line": {"type": "integer"}, "problem": {"type": "string"}},
                },
            },
        },
    },
    "Recipient": {
        "type": "object",
        "anyOf": [{"required": ["email"]}, {"required": ["phone"]}],
        "properties": {
            "email": {"type": "string", "description": "Required for an email campaign; checked too on a call list."},
            "phone": {"type": "string", "description": "A call list's number, in any spelling (a phone campaign)."},
            "lang": {"type": "string", "description": "This recipient's link language (nb, en, no, nn, nb-NO...)."},
        },
        "additionalProperties": {"type": ["string", "number", "boolean", "null"]},
        "description": (
            "Any other fields are passed through unchanged; the added field names (the links, or phone_e164) "
            "are not allowed. Fields hold "
            f"scalars only (no object or array), and a recipient is at most {RECORD_MAX_BYTES // MIB} MiB."
        ),
    },
    "FilterRequest": {
        "type": "object",
        "required": ["recipients"],
        "properties": {
            "recipients": {
                "type": "array",
                "maxItems": FILTER_JSON_MAX_RECIPIENTS,
                "items": ref("schemas", "Recipient"),
            },
            "lang": {**_LANG, "description": "Link language where a recipient has none (default: the campaign's)."},
        },
        "additionalProperties": False,
    },
    "FilterResult": {
        "type": "object",
        "required": ["kept", "summary"],
        "properties": {
            "kept": {
                "type": "array",
                "description": (
                    "The recipients that may get the campaign, in the order sent, with their links; on a call "
                    f"list with {PHONE_COLUMN}, the number in E.164, instead."
                ),
                "items": {
                    "allOf": [
                        ref("schemas", "Recipient"),
                        {
                            "anyOf": [
                                {"type": "object", "required": list(LINK_COLUMNS), "properties": _LINKS},
                                {"type": "object", "required": [PHONE_COLUMN], "properties": _E164},
                            ]
                        },
                    ]
                },
            },
            "summary": ref("schemas", "Summary"),
        },
    },
    "LinksRequest": {
        "type": "object",
        "required": ["emails"],
        "properties": {
            "emails": {"type": "array", "maxItems": LINKS_MAX_ADDRESSES, "items": {"type": "string"}},
            "lang": {**_LANG, "description": "Link language (default: the campaign's)."},
        },
        "additionalProperties": False,
    },
    "LinksResult": {
        "type": "object",
        "required": ["links"],
        "properties": {
            "links": {
                "type": "array",
                "description": "One entry per address, in the order sent.",
                "items": {
                    "type": "object",
                    "required": ["email", *LINK_COLUMNS],
                    "properties": {"email": {"type": "string", "description": "The address, normalized."}, **_LINKS},
                },
            }
        },
    },
}

_SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}, "description": "Campaign."}
_CSV_HEADERS = {
    ROWS_READ_HEADER: {"schema": {"type": "integer"}, "description": "Data rows read."},
    ROWS_KEPT_HEADER: {"schema": {"type": "integer"}, "description": "Rows in the body."},
    DROPPED_HEADER: {
        "schema": {"type": "string"},
        "description": "Rows not kept by reason, as a JSON object (the summary's dropped).",
    },
    MALFORMED_LINES_HEADER: {
        "schema": {"type": "string"},
        "description": f"Comma-separated line numbers of the first {MALFORMED_LINES_LISTED} unreadable rows, if any.",
    },
}

_FILTER = {
    "operationId": "filterList",
    "security": [{"bearer": [ENDPOINT_SCOPES["api.filter_list"].value]}],
    "summary": "Filter a sending list for a campaign",
    "description": (
        "Keeps the rows whose recipient may get the campaign now (choices are never cached) and appends "
        f"their links ({', '.join(LINK_COLUMNS)}). Drops invalid addresses, repeats and everyone whose "
        "choices block the campaign. For a phone campaign the list is a call list: a phone column (any "
        f"spelling; an email column is checked too), and {PHONE_COLUMN}, the number in E.164, is appended "
        "instead of links; numbers that cannot exist are invalid-number, and a number needs a standing "
        "opt-in. CSV in, CSV out: the input columns, then the link columns; the summary "
        "comes in the X-Optout-* headers, as the list is filtered before the response starts. JSON in, JSON "
        f"out. Limits: CSV {FILTER_CSV_MAX_BYTES // MIB} MiB; JSON {FILTER_JSON_MAX_BYTES // MIB} MiB and "
        f"{FILTER_JSON_MAX_RECIPIENTS} recipients; one recipient or CSV record {RECORD_MAX_BYTES // MIB} MiB. "
        "Each run's counts (never a row) are kept for reports."
    ),
    "parameters": [_SLUG],
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {
                "schema": {
                    "type": "string",
                    "description": "UTF-8 CSV whose first line names the columns: email, optionally lang (a "
                    "row's link language), any others (passed through); for a phone campaign phone, optionally "
                    "email, any others.",
                }
            },
            "application/json": {"schema": ref("schemas", "FilterRequest")},
        },
    },
    "responses": {
        "200": {
            "description": "The kept rows with their links, in the format sent.",
            "headers": _CSV_HEADERS,
            "content": {
                "text/csv": {
                    "schema": {"type": "string", "description": "The kept rows: the input columns, then the links."}
                },
                "application/json": {"schema": ref("schemas", "FilterResult")},
            },
        },
        **COMMON_ERRORS,
    },
}

_LINKS_OPERATION = {
    "operationId": "mintLinks",
    "security": [{"bearer": [ENDPOINT_SCOPES["api.mint_links"].value]}],
    "summary": "Links and List-Unsubscribe header values for addresses",
    "description": (
        f"Up to {LINKS_MAX_ADDRESSES} addresses ({LINKS_MAX_BYTES // MIB} MiB). Links are minted for any "
        "valid address: the answer never tells whether someone opted out. Invalid addresses fail the "
        "whole request with 422 and their positions."
    ),
    "parameters": [_SLUG],
    "requestBody": {"required": True, "content": {"application/json": {"schema": ref("schemas", "LinksRequest")}}},
    "responses": {
        "200": {
            "description": "One entry per address.",
            "content": {"application/json": {"schema": ref("schemas", "LinksResult")}},
        },
        **COMMON_ERRORS,
    },
}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Optout API",
        "version": "1",
        "description": (
            "Filter sending lists, mint unsubscribe links, report opt-outs taken elsewhere. Use an API "
            "key from `optout api-key create NAME`, sent as `Authorization: Bearer <key>`. Errors are JSON "
            "with a stable `error` code. No operation lists opted-out recipients."
        ),
    },
    "servers": [{"url": PREFIX}],
    "security": [{"bearer": []}],
    "paths": {
        "/campaigns/{slug}/filter": {"post": _FILTER},
        "/campaigns/{slug}/links": {"post": _LINKS_OPERATION},
        "/opt-outs": {"post": intake_doc.OPERATION},
        "/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "security": [],
                "responses": {"200": {"description": "The OpenAPI document.", "content": {"application/json": {}}}},
            }
        },
    },
    "components": {
        "securitySchemes": {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": (
                    "An Optout API key. A key holds scopes, each operation needs one (listed in its security): "
                    + ", ".join(scope.value for scope in Scope)
                    + ". Every call by a key is kept in the audit trail as counts."
                ),
            }
        },
        "schemas": {**_SCHEMAS, **intake_doc.SCHEMAS},
        "responses": RESPONSES,
    },
}
