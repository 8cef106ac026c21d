"""A batch's pids travel as one list parameter that the database unpacks: any size, every value intact."""

from __future__ import annotations

from sqlalchemy import func, select

from optout.db import list_value, listed


def test_a_list_longer_than_postgresqls_bind_limit_comes_back_whole(db_session):
    values = [f"{n:032x}" for n in range(70_000)]  # PostgreSQL binds at most 65,535 values in a statement
    values += ['quote " and \\ back', "æøå", ""]
    connection = db_session.connection()
    given = listed("values", connection.dialect.name).subquery()
    rows = connection.execute(select(given.c.value), {"values": list_value(values)}).scalars().all()
    assert sorted(rows) == sorted(values)
    count = connection.execute(select(func.count()).select_from(given), {"values": list_value([])}).scalar_one()
    assert count == 0


def test_a_list_of_objects_comes_back_as_rows_of_their_fields(db_session):
    from optout.db import listed_objects

    objects = [{"pid": f"{n:032x}", "scope": f"topic:{n % 7}", "version": str(n)} for n in range(70_000)]
    objects += [{"pid": 'quote " and \\ back', "scope": "æøå", "version": None}, {"pid": "", "scope": "no version"}]
    connection = db_session.connection()
    given = listed_objects("rows", connection.dialect.name, ["pid", "scope", "version"]).subquery()
    rows = connection.execute(select(given.c.pid, given.c.scope, given.c.version), {"rows": list_value(objects)}).all()
    assert sorted(rows, key=repr) == sorted(((o["pid"], o["scope"], o.get("version")) for o in objects), key=repr)


def test_a_time_field_of_a_list_of_objects_finds_the_rows_stored_with_that_time(db_session):
    import datetime as dt

    from sqlalchemy import column, table

    from optout.db import UTCDateTime, listed_objects, time_value

    connection = db_session.connection()
    connection.exec_driver_sql("CREATE TEMPORARY TABLE timed (name VARCHAR(10), at TIMESTAMP)")
    timed = table("timed", column("name"), column("at", UTCDateTime()))
    zone = dt.timezone(dt.timedelta(hours=1))
    stored = [dt.datetime(2026, 11, 30, 9, 15, tzinfo=zone), dt.datetime(2026, 11, 30, 8, 15, 0, 1, tzinfo=dt.UTC)]
    connection.execute(timed.insert(), [{"name": str(n), "at": at} for n, at in enumerate(stored)])
    asked = [stored[0].astimezone(dt.UTC), stored[1].replace(microsecond=2), stored[1]]  # same, other, same
    objects = [{"at": time_value(at, connection.dialect), "n": str(n)} for n, at in enumerate(asked)]
    given = listed_objects("rows", connection.dialect.name, ["at", "n"], times={"at"}).subquery()
    found = connection.execute(
        select(given.c.n, timed.c.name).join(timed, timed.c.at == given.c.at), {"rows": list_value(objects)}
    ).all()
    assert sorted(found) == [("0", "0"), ("2", "1")]
