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
