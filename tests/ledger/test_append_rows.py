"""Events that differ in every field, written through the driver in one go: each one's digest is
its own canonical form's, the chain runs on from and into events appended one at a time, and the
ledger verifies."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select

from optout.ledger import chain
from optout.ledger.verify import verify
from optout.models import ConsentEvent


def _event(n: int) -> dict[str, object]:
    return {
        "pid": secrets.token_hex(16),
        "scope": ["topic:phone", "topic:periodic", "everything"][n % 3],
        "channel": [None, "email", "phone"][n % 3],
        "action": "opt-in",
        "source": "import",
        "campaign_id": None,
        "lang": None if n % 2 else "nb",
        "policy_version": f"2024-{n % 12 + 1:02d}",
        "change_id": secrets.token_hex(16),
        "created_at": dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC),
        "occurred_at": None if n == 3 else dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(hours=n),
        "evidence": ['form "v3"\\ æøå', "call\n8812", None][n % 3],
        "link": None,
        "restores": None,
        "ends_on": dt.date(2027, 1, n % 28 + 1) if n == 5 else None,
    }


def test_events_appended_as_rows_chain_and_verify_like_appended_ones(db_session):
    connection = db_session.connection()
    chain.append(connection, [_event(100)])
    given = [_event(n) for n in range(50)]
    chain.append_rows(connection, given, chain.lock(connection))
    chain.append(connection, [_event(101)])
    assert given[0].get("seq") is None  # the caller's events are left as they were
    stored = db_session.scalars(select(ConsentEvent).order_by(ConsentEvent.seq)).all()
    assert [event.seq for event in stored] == list(range(1, 53))
    assert [event.evidence for event in stored[1:51]] == [event["evidence"] for event in given]
    for event in stored:
        fields = {name: getattr(event, name) for name in chain.ALL_FIELDS}
        assert event.digest == chain.digest_of(fields)
    assert verify(connection).problem is None
