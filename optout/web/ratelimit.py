"""Throttle links that do not work, per client address; never a link that does.

Guessing a token is hopeless (its MAC has 128 bits), but a flood of bad links still costs work.
Only requests whose token fails to verify are counted, and only they are refused once a client
has sent too many: a mail provider relaying many real one-click requests from one address is never
slowed down, and no real opt-out is ever refused.

The counting is the ``limits`` library's (the engine behind Flask-Limiter), one limiter per app:
in memory per process, or with ``OPTOUT_RATELIMIT_STORAGE=redis://…`` shared between processes.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, Response, abort, current_app, request
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from .. import metrics
from ..config import ConfigError
from ..tokens import Purpose, TokenInvalid
from .extensions import read_token

_PURPOSES = {"unsubscribe": Purpose.UNSUBSCRIBE, "preferences": Purpose.PREFERENCES}
_SCOPE = "optout-bad-links"


@dataclass(frozen=True)
class BadLinkLimit:
    """The app's limit and the limiter that keeps its counts."""

    item: RateLimitItem
    limiter: MovingWindowRateLimiter


def _limit() -> BadLinkLimit:
    found: BadLinkLimit = current_app.extensions["optout.bad_links"]
    return found


def limiter() -> MovingWindowRateLimiter:
    """The app's limiter (its counts live in ``OPTOUT_RATELIMIT_STORAGE``), for other throttles."""
    return _limit().limiter


def _link_works(purpose: Purpose) -> bool:
    token = (request.view_args or {}).get("token")
    if not isinstance(token, str):
        return False
    try:
        read_token(purpose, token)
    except TokenInvalid:
        return False
    return True


def _refuse_flooders() -> None:
    purpose = _PURPOSES.get(request.blueprint or "")
    if purpose is None or _link_works(purpose):
        return
    limit = _limit()
    if not limit.limiter.test(limit.item, _SCOPE, request.remote_addr or "-"):
        metrics.THROTTLE_REFUSED.labels(metrics.BAD_LINK).inc()
        abort(429)


def _count_bad_links(response: Response) -> Response:
    if request.blueprint in _PURPOSES and response.status_code == 404:
        limit = _limit()
        limit.limiter.hit(limit.item, _SCOPE, request.remote_addr or "-")
        metrics.THROTTLE_COUNTED.labels(metrics.BAD_LINK).inc()
    return response


def init_app(app: Flask) -> None:
    """Give *app* its own bad-link limiter and the hooks that use it."""
    settings = app.extensions["optout.settings"]
    try:
        storage = storage_from_string(settings.ratelimit_storage)
    except Exception as exc:  # limits raises several kinds (unknown scheme, client library missing)
        raise ConfigError(f"OPTOUT_RATELIMIT_STORAGE cannot be used: {exc}") from None
    app.extensions["optout.bad_links"] = BadLinkLimit(parse(settings.bad_link_limit), MovingWindowRateLimiter(storage))
    app.before_request(_refuse_flooders)
    app.after_request(_count_bad_links)
