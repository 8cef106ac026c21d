"""``POST /api/v1/opt-outs`` with a full request of 1,000 records, written in bulk: every record
answered as one at a time would be (repeats, several scopes, late opt-outs, people with links),
each recorded report its own ledger event, a replay recording nothing, the chain intact, and a
number of SQL statements that does not grow with the records."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
from sqlalchemy import event

from optout.api import OPT_OUTS_MAX_RECORDS, PREFIX, Scope
from optout.ledger.verify import verify
from optout.phones import phone_id
from tests.api import bearer, create_key
from tests.helpers.settings import ID_KEY

URL = f"{PREFIX}/opt-outs"
SCOPES = ("everything", "channel:email", "topic:periodic")
SOURCES = ("esp", "sms", "support", "ivr")
START = dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def post(client, app):
    key = create_key(app, "ivr-gateway", (Scope.OPT_OUTS,))

    def send(records: list[dict[str, object]]):
        answer = client.post(
            URL, data=json.dumps({"opt_outs": records}), content_type="application/json", headers=bearer(key)
        )
        assert answer.status_code == 200, answer.text
        return answer.json

    return send


def when(minutes: int) -> str:
    return (START + dt.timedelta(minutes=minutes)).isoformat()


def person(n: int, scope: str | None = None, *, at: int | None = None, source: str | None = None) -> dict[str, object]:
    """Record of person *n*: by default its own scope, source and time."""
    return {
        "email": f"person{n}@example.no",
        "scope": scope or SCOPES[n % 3],
        "source": source or SOURCES[n % 4],
        "occurred_at": when(n if at is None else at),
        **({"evidence": f"ticket {n}"} if n % 5 == 0 else {}),
    }


def phone(number: str, scope: str = "everything", *, at: int = 0) -> dict[str, object]:
    return {"phone": number, "scope": scope, "source": "ivr", "occurred_at": when(at)}


def stored_time(value: object) -> dt.datetime:
    """An event's occurred_at as read raw from either database (naive UTC), aware."""
    return dt.datetime.fromisoformat(str(value)).replace(tzinfo=dt.UTC)


@pytest.fixture
def counted(app) -> Iterator[list[str]]:
    """The SQL statements the app's engine runs while the test runs (SQLAlchemy's own: the
    ledger's rows go through the driver, one ``COPY`` or ``executemany`` a round, unseen here)."""
    statements: list[str] = []
    engine = app.extensions["optout.db"].engine

    def count(_conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    yield statements
    event.remove(engine, "before_cursor_execute", count)


def test_a_full_request_is_answered_as_record_by_record_and_a_replay_records_nothing(
    app, post, ledger, decide, optout, pid_of
):
    numbers = ["+47 982 60 580", "+47 982 60 581", "+47 982 60 582"]
    for n, number in enumerate(numbers):
        linked = optout("recipient", "link", f"kari{n}@example.no", number)
        assert linked.exit_code == 0, linked.output
    for n in range(5):
        decide(f"out{n}@example.no", "everything", "opt-out")  # already so: nothing new
        decide(f"in{n}@example.no", "everything", "opt-in")  # a late opt-out still counts
    early = post([person(0), phone(numbers[1], at=1)])  # in the ledger before the request
    assert early["summary"]["recorded"] == 2
    decide("kari1@example.no", "everything", "opt-in")  # the person came back later, on the address
    setup_events = len(ledger())

    expected: list[tuple[dict[str, object], str]] = [
        (person(0), "already"),  # the same report as before: nothing, even in bulk
        (person(0, "channel:phone"), "recorded"),  # the same person, another scope
        (phone(numbers[0]), "recorded"),  # a linked person, through the rule one by one
        (phone(numbers[0], at=2), "already"),  # opted out of that already
        (phone(numbers[1], at=1), "already"),  # the report of before, again
        # A new report of the number, whose own opt-out stands but whose person opted in later on
        # the address: the decision is made again, as the person's latest.
        (phone(numbers[1], at=3), "recorded"),
        ({"email": "kari2@example.no", "scope": "topic:periodic", "source": "esp", "occurred_at": when(4)}, "recorded"),
    ]
    expected += [({**person(n), "email": f"out{n}@example.no", "scope": "everything"}, "already") for n in range(5)]
    expected += [({**person(n), "email": f"in{n}@example.no", "scope": "everything"}, "recorded") for n in range(5)]
    for n in range(1, OPT_OUTS_MAX_RECORDS):
        if len(expected) >= OPT_OUTS_MAX_RECORDS:
            break
        expected.append((person(n), "recorded"))
        if n % 7 == 0:
            expected.append((person(n), "already"))  # the same report twice in one request
        if n % 11 == 0:
            expected.append((person(n, at=n + 1), "already"))  # another report, the scope opted out already
        if n % 13 == 0:
            expected.append((person(n, "channel:phone"), "recorded"))  # another scope of the same person
    expected = expected[:OPT_OUTS_MAX_RECORDS]
    records = [record for record, _outcome in expected]
    assert len(records) == OPT_OUTS_MAX_RECORDS

    answer = post(records)
    assert [(r["index"], r["outcome"]) for r in answer["results"]] == [
        (index, outcome) for index, (_record, outcome) in enumerate(expected)
    ]
    recorded = [record for record, outcome in expected if outcome == "recorded"]
    assert answer["summary"] == {"recorded": len(recorded), "already": 1000 - len(recorded), "invalid": 0}

    events = ledger()[setup_events:]
    assert len(events) == len(recorded)  # one event per recorded report
    assert {e["action"] for e in events} == {"opt-out"}
    assert len({e["change_id"] for e in events}) == len(events)

    def pid(record: dict[str, object]) -> str:
        if "email" in record:
            return pid_of(str(record["email"]))
        return phone_id(ID_KEY.encode(), str(record["phone"]).replace("+47", "").replace(" ", "")).hex()

    def evidence(record: dict[str, object]) -> str:
        return "api:ivr-gateway" + (f": {record['evidence']}" if "evidence" in record else "")

    assert sorted(
        (e["pid"], e["scope"], e["source"], stored_time(e["occurred_at"]), e["evidence"]) for e in events
    ) == sorted(
        (pid(r), r["scope"], r["source"], dt.datetime.fromisoformat(str(r["occurred_at"])), evidence(r))
        for r in recorded
    )

    replay = post(records)
    assert replay["summary"] == {"recorded": 0, "already": 1000, "invalid": 0}
    assert len(ledger()) == setup_events + len(recorded)
    with app.extensions["optout.db"].engine.connect() as connection:
        checked = verify(connection)
    assert checked.intact, checked.as_dict()
    assert checked.events == setup_events + len(recorded)


def test_a_full_request_runs_as_many_statements_as_a_small_one(app, post, optout, counted):
    assert optout("recipient", "link", "kari@example.no", "+47 982 60 580").exit_code == 0

    def statements(records: list[dict[str, object]], outcome: str) -> int:
        counted.clear()
        assert post(records)["summary"][outcome] == len(records)
        return len(counted)

    statements([person(9999)], "recorded")  # the app's first request reads what it then keeps
    small = statements([person(n) for n in range(10)], "recorded")
    full = statements([person(n) for n in range(10, 10 + OPT_OUTS_MAX_RECORDS)], "recorded")
    # The request's own (the key, the policy, the topics, the audit) and one round's; on PostgreSQL a
    # full round's events go by COPY, which the engine's events do not count, a small one's by INSERT.
    assert small - 1 <= full <= small
    assert small <= 25, counted
    mixed = [person(n) for n in range(2000, 2000 + OPT_OUTS_MAX_RECORDS - 2)]
    mixed += [phone("+47 982 60 580"), {**person(2003), "occurred_at": when(5000)}]  # linked; a second round
    counted.clear()
    answer = post(mixed)
    assert answer["summary"] == {"recorded": OPT_OUTS_MAX_RECORDS - 1, "already": 1, "invalid": 0}
    assert len(counted) <= small + 15, counted  # a linked person's decide, and a second round
    assert statements(mixed, "already") <= small  # a replay reads, and writes nothing
