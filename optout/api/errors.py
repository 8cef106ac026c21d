"""The API's answers to errors: one JSON shape with a stable ``error`` code, for every status,
routing errors under ``/api/v1`` included (Flask would give them the app's HTML page)."""

from __future__ import annotations

import json
from typing import Any, cast

from flask import Blueprint, Response, current_app, request
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from . import PREFIX, ErrorCode

JSON = "application/json"

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


def json_response(data: Any, status: int = 200) -> Response:
    """*data* as a JSON answer."""
    return current_app.response_class(dumps(data), status=status, mimetype=JSON)


def problem_response(problem: ApiProblem) -> Response:
    """The JSON answer of *problem*, never cached."""
    body = {"error": problem.error.value, "message": problem.message, **problem.extra}
    response = json_response(body, problem.status)
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
    response = problem_response(ApiProblem(status, code, message))
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


def _answer_routing_errors_in_json(state: BlueprintSetupState) -> None:
    # Flask asks a blueprint's handlers only once one of its routes matched, so a 404 for an
    # unknown path or a 405 under /api/v1 would get the app's HTML page. These app-level handlers
    # answer JSON under /api/v1 and pass every other path on.
    for error in (NotFound, MethodNotAllowed):
        state.app.register_error_handler(error, _routing_error)


def dumps(data: Any) -> str:
    """*data* as compact JSON (never NaN or Infinity, which are not JSON)."""
    # ASCII escapes keep a lone surrogate from the input encodable; NaN and Infinity are not JSON.
    return json.dumps(data, separators=(",", ":"), allow_nan=False)


def register(bp: Blueprint) -> None:
    """Answer *bp*'s errors, and the app's routing errors under ``/api/v1``, as JSON."""
    bp.register_error_handler(ApiProblem, problem_response)
    bp.register_error_handler(HTTPException, _http_error)
    bp.record_once(_answer_routing_errors_in_json)
