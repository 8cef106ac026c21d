"""The decision path's statements run on the driver's cursor (optout.prepared), and still behave as
``Connection.execute`` does: the same stored values, the engine's listeners see them, a driver
error is SQLAlchemy's, and a connection the database dropped is never used again."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import bindparam, event, insert, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from optout.consent.service import upsert_choice
from optout.models import Choice, Status
from optout.prepared import Prepared

AT = dt.datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=dt.timezone(dt.timedelta(hours=1)))
_CHOICE = Choice.__table__


@pytest.fixture
def engine(app):
    return app.extensions["optout.db"].engine


def _values(pid: str) -> dict[str, object]:
    return {
        "pid": pid,
        "scope": "pause:email",
        "status": Status.PAUSED.value,
        "at": AT,
        "policy_version": "2026-01",
        "ends_on": dt.date(2026, 6, 30),
    }


def _stored(connection, pid: str) -> tuple:
    query = "SELECT scope, status, changed_at, policy_version, ends_on FROM choice WHERE pid = :pid"
    return tuple(connection.execute(text(query), {"pid": pid}).one())


def test_a_prepared_upsert_stores_what_execute_stores_and_says_what_changed(engine):
    with engine.begin() as connection:
        upsert = upsert_choice(connection.dialect.name)
        prepared = Prepared(upsert)
        assert prepared.run(connection, _values("a" * 32)) == [("a" * 32, "pause:email")]
        assert connection.execute(upsert, _values("b" * 32)).all() == [("b" * 32, "pause:email")]
        assert _stored(connection, "a" * 32) == _stored(connection, "b" * 32)
        assert prepared.run(connection, _values("a" * 32)) == []  # the same again is no change
        assert prepared.run(connection, {**_values("a" * 32), "ends_on": dt.date(2026, 7, 31)}) != []
        [changed_at] = connection.execute(select(_CHOICE.c.changed_at).where(_CHOICE.c.pid == "a" * 32)).one()
        assert changed_at == AT  # a UTCDateTime read back is the same instant


def test_the_engines_listeners_see_each_statement(engine):
    seen: list[tuple[str, str]] = []

    def before(_conn, _cursor, statement, *_args):
        seen.append(("before", statement.split()[0]))

    def after(_conn, _cursor, statement, *_args):
        seen.append(("after", statement.split()[0]))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        with engine.begin() as connection:
            Prepared(upsert_choice(connection.dialect.name)).run(connection, _values("c" * 32))
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    assert seen == [("before", "INSERT"), ("after", "INSERT")]


def test_a_driver_error_is_raised_as_sqlalchemy_raises_it_and_the_transaction_rolls_back(engine):
    row = {"pid": bindparam("pid"), "scope": "topic:phone", "status": "opt-out", "changed_at": bindparam("at")}
    duplicate = Prepared(insert(_CHOICE).values(**row))
    with engine.connect() as connection:
        duplicate.run(connection, {"pid": "d" * 32, "at": AT})
        with pytest.raises(IntegrityError) as raised:
            duplicate.run(connection, {"pid": "d" * 32, "at": AT})
        assert "[SQL parameters hidden" in str(raised.value)  # as the engine's own statements
        connection.rollback()
        assert connection.execute(text("SELECT count(*) FROM choice WHERE pid = :p"), {"p": "d" * 32}).scalar() == 0


def test_a_statement_that_leaves_a_column_to_its_python_default_is_refused(engine):
    without_time = Prepared(insert(_CHOICE).values(pid=bindparam("pid"), scope="topic:phone", status="opt-out"))
    with engine.connect() as connection, pytest.raises(ValueError, match="every column"):
        without_time.run(connection, {"pid": "e" * 32})


def test_a_statement_with_an_in_list_is_refused(engine):
    in_list = Prepared(select(_CHOICE.c.scope).where(_CHOICE.c.pid.in_(bindparam("pids", expanding=True))))
    with engine.connect() as connection, pytest.raises(ValueError, match="IN list"):
        in_list.run(connection, {"pids": ["f" * 32]})


@pytest.mark.postgres_only
def test_a_connection_the_database_dropped_is_invalidated_and_the_next_one_works(engine):
    lock = Prepared(text("UPDATE ledger_head SET seq = seq WHERE id = 1 RETURNING seq"))
    with engine.connect() as victim:
        backend = victim.execute(text("SELECT pg_backend_pid()")).scalar()
        victim.rollback()
        with engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
        with pytest.raises(OperationalError) as raised:
            lock.run(victim)
        assert isinstance(raised.value, DBAPIError) and raised.value.connection_invalidated
        assert victim.invalidated
    with engine.connect() as fresh:
        assert len(lock.run(fresh)) == 1
