"""The ledger's hash chain: intact chains verify, and each kind of tampering is detected and named."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import text

from optout.ledger.chain import GENESIS, digest_of, link
from optout.models import Action, Channel, Link, Source

SCOPES = ["topic:periodic", "channel:phone", "everything", "topic:phone", "partner:acme"]


@pytest.fixture
def sql(app):
    """Run one statement straight on the database (as someone with database access would)."""

    def run(statement: str, **params):
        with app.extensions["optout.db"].engine.begin() as conn:
            result = conn.execute(text(statement), params)
            return [dict(row._mapping) for row in result] if result.returns_rows else None

    return run


@pytest.fixture
def five_events(decide, ledger):
    for number, scope in enumerate(SCOPES):
        decide(f"person{number}@example.no", scope)
    events = ledger()
    assert [event["seq"] for event in events] == [1, 2, 3, 4, 5]
    return events


def _exported(optout) -> list[dict[str, object]]:
    """The ledger as its JSON Lines export: every field in its canonical text form."""
    result = optout("export", "ledger", "--format", "jsonl")
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def _verify(optout, *args):
    result = optout("ledger", "verify", *args)
    return result.exit_code, result.output


def test_an_intact_chain_verifies_and_prints_its_head(optout, five_events):
    code, output = _verify(optout)
    assert code == 0, output
    assert "intact: 5 events" in output
    assert five_events[-1]["chain"] in output


def test_each_event_links_to_the_one_before(optout, five_events):
    rows = _exported(optout)
    assert [row["seq"] for row in rows] == [1, 2, 3, 4, 5]
    previous = GENESIS
    for event in rows:
        assert event["prev_chain"] == previous
        assert event["digest"] == digest_of(event)
        assert event["chain"] == link(previous, event["digest"])
        previous = event["chain"]


def test_an_empty_ledger_verifies(optout):
    code, output = _verify(optout)
    assert code == 0
    assert "intact: 0 events" in output


@pytest.mark.parametrize(
    ("column", "value"),
    [("action", "opt-in"), ("scope", "topic:periodic"), ("pid", "0" * 32), ("policy_version", "forged")],
)
def test_a_changed_field_is_named(optout, sql, five_events, column, value):
    victim = five_events[2]
    sql(f"UPDATE consent_event SET {column} = :value WHERE id = :id", value=value, id=victim["id"])  # noqa: S608
    code, output = _verify(optout)
    assert code == 1
    assert f"event seq 3 (id {victim['id']}) was altered" in output


def test_a_changed_time_is_named(optout, sql, five_events):
    sql("UPDATE consent_event SET created_at = :at WHERE seq = 4", at="2020-01-01 00:00:00")
    code, output = _verify(optout)
    assert code == 1
    assert "event seq 4" in output
    assert "altered" in output


def test_an_altered_event_with_recomputed_hashes_breaks_the_next_link(optout, sql, five_events):
    """Recomputing the altered event's own digest and chain moves the break to its successor."""
    event = dict(_exported(optout)[1], action="opt-in")
    event["digest"] = digest_of(event)
    event["chain"] = link(event["prev_chain"], event["digest"])
    sql(
        "UPDATE consent_event SET action = 'opt-in', digest = :digest, chain = :chain WHERE seq = 2",
        digest=event["digest"],
        chain=event["chain"],
    )
    code, output = _verify(optout)
    assert code == 1
    assert "seq 3" in output


def test_a_removed_event_is_named(optout, sql, five_events):
    sql("DELETE FROM consent_event WHERE seq = 2")
    code, output = _verify(optout)
    assert code == 1
    assert "event seq 2 was removed" in output


def test_removed_last_events_are_named(optout, sql, five_events):
    sql("DELETE FROM consent_event WHERE seq >= 4")
    code, output = _verify(optout)
    assert code == 1
    assert "events after seq 3 were removed" in output


def _forged(after: dict[str, object], seq: int, canonical: dict[str, object]) -> dict[str, object]:
    """An event made up by someone who knows the format and chains it properly."""
    forged = {key: after[key] for key in after if key != "id"}
    forged.update(seq=seq, pid="f" * 32, action="opt-in", scope="topic:phone", nonce="ab" * 16)
    forged["digest"] = digest_of({**forged, "created_at": canonical["created_at"]})
    forged["prev_chain"] = after["chain"]
    forged["chain"] = link(str(after["chain"]), str(forged["digest"]))
    return forged


def _insert(sql, event: dict[str, object]) -> None:
    names = ", ".join(event)
    values = ", ".join(f":{name}" for name in event)
    sql(f"INSERT INTO consent_event ({names}) VALUES ({values})", **event)  # noqa: S608


def test_an_event_inserted_in_the_middle_is_named(optout, sql, five_events):
    sql("UPDATE consent_event SET seq = seq + 100 WHERE seq >= 3")
    sql("UPDATE consent_event SET seq = seq - 99 WHERE seq >= 100")
    _insert(sql, _forged(five_events[1], 3, _exported(optout)[1]))
    code, output = _verify(optout)
    assert code == 1
    assert "event seq 3" in output
    assert "was inserted" in output


def test_an_event_appended_behind_the_heads_back_is_named(optout, sql, five_events):
    _insert(sql, _forged(five_events[-1], 6, _exported(optout)[-1]))
    code, output = _verify(optout)
    assert code == 1
    assert "event seq 6" in output
    assert "was inserted" in output


def test_the_json_outcome_names_the_fault(optout, sql, five_events):
    sql("DELETE FROM consent_event WHERE seq = 3")
    result = optout("ledger", "verify", "--json")
    assert result.exit_code == 1
    outcome = json.loads(result.output)
    assert outcome["intact"] is False
    assert outcome["problem"]["fault"] == "removed"
    assert outcome["problem"]["seq"] == 4


def test_new_events_go_on_chaining_after_a_verification(optout, decide, ledger, five_events):
    decide("late@example.no", "everything")
    events = ledger()
    assert events[-1]["seq"] == 6
    assert events[-1]["prev_chain"] == five_events[-1]["chain"]
    assert _verify(optout)[0] == 0


# An event as it was stored before the enum columns were typed, and the digest and chain that
# the code of that time gave it: typing the columns must not change one byte of either.
OLD_EVENT = {
    "seq": 1,
    "pid": "0123456789abcdef0123456789abcdef",
    "scope": "topic:phone",
    "channel": "phone",
    "action": "opt-in",
    "source": "preference-page",
    "campaign_id": None,
    "lang": "nb",
    "policy_version": "2026-01-01",
    "change_id": "fedcba9876543210fedcba9876543210",
    "created_at": dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC),
    "occurred_at": None,
    "evidence": None,
    "nonce": "00112233445566778899aabbccddeeff",
    "link": "preferences",
    "restores": None,
}
OLD_DIGEST = "e28b65eae2b27d152b2bde33f12a60da785888c582fa84511809a462bc3723e7"
OLD_CHAIN = "eeab0fed9faba3c0343e4bd848517920a6ef635d6ba6af61ee0d980607427475"


def test_an_events_digest_is_the_same_from_its_stored_strings_or_its_enum_members():
    typed = {
        **OLD_EVENT,
        "channel": Channel.PHONE,
        "action": Action.OPT_IN,
        "source": Source.PREFERENCE_PAGE,
        "link": Link.PREFERENCES,
    }
    assert digest_of(OLD_EVENT) == digest_of(typed) == OLD_DIGEST
    assert link(GENESIS, OLD_DIGEST) == OLD_CHAIN


def test_an_event_stored_before_the_columns_were_typed_still_verifies(optout, sql):
    """The event is read back through the typed columns (as members) and hashed to its old digest."""
    sql(
        "INSERT INTO consent_event (seq, pid, scope, channel, action, source, lang, policy_version, change_id, "
        "created_at, link, nonce, digest, prev_chain, chain) VALUES (1, :pid, :scope, 'phone', 'opt-in', "
        "'preference-page', 'nb', :version, :change, '2026-01-02 03:04:05.678901', 'preferences', :nonce, "
        ":digest, :genesis, :chain)",
        pid=OLD_EVENT["pid"],
        scope=OLD_EVENT["scope"],
        version=OLD_EVENT["policy_version"],
        change=OLD_EVENT["change_id"],
        nonce=OLD_EVENT["nonce"],
        digest=OLD_DIGEST,
        genesis=GENESIS,
        chain=OLD_CHAIN,
    )
    sql("UPDATE ledger_head SET seq = 1, chain = :chain", chain=OLD_CHAIN)
    code, output = _verify(optout)
    assert code == 0, output
    assert "intact: 1 events" in output
    [exported] = _exported(optout)
    assert (exported["channel"], exported["action"], exported["source"], exported["link"]) == (
        "phone",
        "opt-in",
        "preference-page",
        "preferences",
    )
    assert exported["digest"] == OLD_DIGEST
