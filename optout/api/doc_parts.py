"""What the OpenAPI document's operations share: references, and the error responses."""

from __future__ import annotations

from typing import Any


def ref(kind: str, name: str) -> dict[str, str]:
    """A ``$ref`` to component *name* of *kind* (``schemas``, ``responses``)."""
    return {"$ref": f"#/components/{kind}/{name}"}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ref("schemas", "Error")}}}


RESPONSES = {
    "Unauthorized": {
        **_error("No API key, another scheme than Bearer, or an unknown or revoked key."),
        "headers": {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}},
    },
    "InsufficientScope": _error(
        "The API key does not hold the scope this operation needs (error: insufficient-scope); see security."
    ),
    "UnknownCampaign": _error("No campaign has this slug (error: unknown-campaign)."),
    "TooLarge": _error("The body, or the number of items in it, is over this operation's limit."),
    "UnsupportedMediaType": _error("The Content-Type is not one this operation reads, or not UTF-8."),
    "Unusable": _error("The body cannot be used as a whole (see message, and positions where given)."),
}

COMMON_ERRORS = {
    "401": ref("responses", "Unauthorized"),
    "403": ref("responses", "InsufficientScope"),
    "404": ref("responses", "UnknownCampaign"),
    "413": ref("responses", "TooLarge"),
    "415": ref("responses", "UnsupportedMediaType"),
    "422": ref("responses", "Unusable"),
}
