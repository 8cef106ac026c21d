"""A batch's events are encoded from their shared fields once: byte for byte what each event's own
canonical form is, whatever the shared fields hold."""

from __future__ import annotations

import datetime as dt
import secrets

import pytest
from hypothesis import given
from hypothesis import strategies as st

from optout.ledger.chain import canonical, uniform_canonical
from optout.models import Action, Channel, Link, Source

HEX = st.text(alphabet="0123456789abcdef", min_size=32, max_size=32)
TIMES = st.datetimes(timezones=st.just(dt.UTC), min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1))
SHARED = st.fixed_dictionaries(
    {
        "scope": st.sampled_from(["everything", "topic:periodic", "partner:acme", "channel:phone"]),
        "channel": st.none() | st.sampled_from([c.value for c in Channel]),
        "action": st.sampled_from([a.value for a in Action]),
        "source": st.sampled_from([s.value for s in Source]),
        "campaign_id": st.none() | st.integers(1, 2**31),
        "lang": st.none() | st.sampled_from(["nb", "en"]),
        "policy_version": st.text(max_size=64),
        "created_at": TIMES,
        "occurred_at": st.none() | TIMES,
        "evidence": st.none() | st.text(max_size=500),  # quotes, backslashes, control characters, æøå
        "link": st.none() | st.sampled_from([k.value for k in Link]),
        "restores": st.none() | st.integers(1, 2**40),
        "ends_on": st.none() | st.dates(),
    }
)


@given(shared=SHARED, seq=st.integers(1, 2**62), pid=HEX, change_id=HEX, nonce=HEX)
def test_the_uniform_encoding_is_each_events_canonical_form(shared, seq, pid, change_id, nonce):
    event = {**shared, "seq": seq, "pid": pid, "change_id": change_id, "nonce": nonce}
    assert uniform_canonical(shared)(seq, pid, change_id, nonce) == canonical(event)


def test_a_batch_with_a_pid_that_is_not_hex_is_refused_before_anything_is_written(db_session):
    from optout.ledger import chain

    connection = db_session.connection()
    head = chain.lock(connection)
    shared = dict.fromkeys(chain.ALL_FIELDS) | {"scope": "everything", "action": "opt-out"}
    with pytest.raises(ValueError, match="hex"):
        chain.append_uniform(connection, shared, [(secrets.token_hex(16), '"],"x')], head)
    assert chain.lock(connection) == head
