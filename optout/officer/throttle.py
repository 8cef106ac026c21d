"""Failed console logins per client address, over every account, known or not.

The account lockout stops guessing one officer's password; this stops one client from trying
many addresses. Counts live where the bad-link counts do (``OPTOUT_RATELIMIT_STORAGE``).
"""

from __future__ import annotations

from limits import parse

from .. import metrics
from ..web.ratelimit import limiter

LOGIN_FAILURES = parse("10 per 15 minutes")
_SCOPE = "optout-officer-login-failures"


def may_try(client: str) -> bool:
    """True while *client* has failed fewer logins than the limit allows."""
    allowed = limiter().test(LOGIN_FAILURES, _SCOPE, client)
    if not allowed:
        metrics.THROTTLE_REFUSED.labels(metrics.LOGIN).inc()
    return allowed


def count_failure(client: str) -> None:
    """Count one failed login of *client*."""
    limiter().hit(LOGIN_FAILURES, _SCOPE, client)
    metrics.THROTTLE_COUNTED.labels(metrics.LOGIN).inc()
