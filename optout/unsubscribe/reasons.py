"""When a reason given on the unsubscribe answer page is counted, and when it is not.

A count can be inflated by replaying the reason POST, so a reason counts only when all of these
hold, none of which stores anything about the person in the database:

- the form names the opt-out it follows (the change id from the answer page), and that opt-out is
  this link's own, for its campaign, and still stands (undoable by this link: not undone, not
  overtaken by a newer decision) -- so a reason always follows a real, current unsubscribe;
- that opt-out has not given a reason yet: the rate-limit store (``OPTOUT_RATELIMIT_STORAGE``,
  which expires its entries) remembers a hash of the change id for a while, never the reason;
- the client address has not sent many reasons in the last hour.

The count itself (:mod:`optout.reports.reasons`) is a number per campaign and reason.
"""

from __future__ import annotations

import hashlib

from flask import request
from limits import parse

from ..consent import service as consent
from ..consent import undo as consent_undo
from ..models import Link
from ..pids import Pid
from ..web.ratelimit import limiter
from ..web.session import get_session

ONE_PER_OPT_OUT = parse("1 per 30 days")
PER_CLIENT = parse("20 per hour")
_SCOPE_CHANGE = "optout-reason-change"
_SCOPE_CLIENT = "optout-reason-client"


def standing_opt_out(pid: Pid, change_id: str, campaign_id: int) -> bool:
    """True when *change_id* is this link's own opt-out for *campaign_id* and still stands."""
    events = consent.change_events(get_session(), pid, change_id)
    return consent_undo.undoable(get_session(), pid, events, Link.UNSUBSCRIBE, campaign_id)


def may_count(change_id: str) -> bool:
    """Take the one reason of opt-out *change_id*, within the client's hourly allowance."""
    store = limiter()
    key = hashlib.sha256(change_id.encode()).hexdigest()
    client = request.remote_addr or "-"
    if not store.test(ONE_PER_OPT_OUT, _SCOPE_CHANGE, key) or not store.test(PER_CLIENT, _SCOPE_CLIENT, client):
        return False
    return store.hit(ONE_PER_OPT_OUT, _SCOPE_CHANGE, key) and store.hit(PER_CLIENT, _SCOPE_CLIENT, client)
