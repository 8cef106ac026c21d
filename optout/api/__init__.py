"""The HTTP API under ``/api/v1``: its contract (error codes, limits, summary headers) in one place.

The views (:mod:`.views`) and the OpenAPI document (:mod:`.openapi`) both read these, so the
document cannot drift from what the API enforces.
"""

from __future__ import annotations

import enum

from ..accounts.api_keys import Scope as Scope  # the keys hold it; the contract names it here too

PREFIX = "/api/v1"
MIB = 1024 * 1024


class ErrorCode(enum.StrEnum):
    """The stable ``error`` value of every JSON error body."""

    BAD_REQUEST = "bad-request"
    UNAUTHORIZED = "unauthorized"
    NOT_FOUND = "not-found"
    UNKNOWN_CAMPAIGN = "unknown-campaign"
    METHOD_NOT_ALLOWED = "method-not-allowed"
    TOO_LARGE = "too-large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported-media-type"
    UNUSABLE_BODY = "unusable-body"
    INSUFFICIENT_SCOPE = "insufficient-scope"
    INTERNAL_ERROR = "internal-error"
    UNAVAILABLE = "unavailable"


# The scope each operation needs, by endpoint (the OpenAPI document lists them too).
ENDPOINT_SCOPES = {
    "api.filter_list": Scope.FILTER,
    "api.mint_links": Scope.LINKS,
    "api.report_opt_outs": Scope.OPT_OUTS,
}

# Request body limits. A CSV list is filtered as it is read, so it may be large; a JSON body is read
# a recipient at a time, but its kept recipients are spooled whole, so it is kept smaller (send big lists as CSV).
FILTER_CSV_MAX_BYTES = 200 * MIB
FILTER_JSON_MAX_BYTES = 16 * MIB
FILTER_JSON_MAX_RECIPIENTS = 100_000
LINKS_MAX_BYTES = 1 * MIB
# One recipient (a JSON object, or a CSV record) is read whole: it may be at most this long.
RECORD_MAX_BYTES = 1 * MIB
LINKS_MAX_ADDRESSES = 10_000
OPT_OUTS_MAX_BYTES = 1 * MIB
OPT_OUTS_MAX_RECORDS = 1000

# The summary of a CSV filtering, sent as response headers (the body is the filtered list).
ROWS_READ_HEADER = "X-Optout-Rows-Read"
ROWS_KEPT_HEADER = "X-Optout-Rows-Kept"
DROPPED_HEADER = "X-Optout-Dropped"
MALFORMED_LINES_HEADER = "X-Optout-Malformed-Lines"
MALFORMED_LINES_LISTED = 100  # header space is scarce: proxies cap a header block at 4 to 8 KiB
