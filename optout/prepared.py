"""Statements of the decision path, compiled once and run on the driver's own cursor.

A one-click runs four statements under the ledger lock (lock the head, upsert the choice, insert
the event, move the head). Through ``Connection.execute`` each cost some 35 µs of SQLAlchemy's
own work on top of SQLite's 5 µs, about a fifth of the request, and every µs is spent holding
the database's one write lock. :class:`Prepared` keeps what that work is for and drops the rest:

- the statement is compiled once per dialect, and its values are bound as their column types
  bind them (a time as :class:`~optout.db.UTCDateTime` stores it, an enum checked);
- it runs in the connection's transaction (begun if none is, as ``Connection.execute`` would),
  on a cursor of its DBAPI connection;
- the engine's ``before_cursor_execute`` and ``after_cursor_execute`` listeners see it as any
  statement (the SQLite writers' queue in :mod:`optout.db` is one, the tests that count
  statements another);
- a driver error is raised as SQLAlchemy raises it (an ``OperationalError`` when the database is
  away, which the web answers with 503), and a connection the database dropped is invalidated,
  so that the pool never hands it out again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # the binds in the order the SQL takes them (positional drivers)
    positional: bool
    defaults: Mapping[str, Any]  # the values the statement itself holds (literals it binds)
    processors: Mapping[str, Callable[[Any], Any]]


class Prepared:
    """*statement* (a Core statement or ``text()``), ready to run with :meth:`run`.

    It must give every column it writes a value (no Python-side default is computed) and take no
    ``IN`` list: both are refused when it is first compiled."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def _for(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            with self._lock:
                made = self.statement.compile(dialect=dialect)
                if made.insert_prefetch or made.update_prefetch:  # type: ignore[attr-defined]
                    # Execute would compute a column's Python default; here no one would.
                    raise ValueError("a prepared statement gives every column it writes a value")
                binds = made.binds  # type: ignore[attr-defined]
                if any(bind.expanding for bind in binds.values()):
                    raise ValueError("a prepared statement takes no IN list (optout.db.listed binds one value)")
                processors = {}
                for name, bind in binds.items():
                    process = bind.type.dialect_impl(dialect).bind_processor(dialect)
                    if process is not None:
                        processors[name] = process
                compiled = _Compiled(
                    sql=made.string,
                    names=tuple(made.positiontup or ()),  # type: ignore[attr-defined]
                    positional=bool(made.positional),  # type: ignore[attr-defined]
                    defaults={name: bind.value for name, bind in binds.items() if bind.value is not None},
                    processors=processors,
                )
                self._compiled[dialect.name] = compiled
        return compiled

    def run(self, connection: Connection, values: Mapping[str, Any] | None = None) -> list[Sequence[Any]]:
        """Run the statement with *values* (by bind name) in *connection*'s transaction; the rows
        it returns (``RETURNING`` or ``SELECT``), none otherwise."""
        compiled = self._for(connection.dialect)
        given = {**compiled.defaults, **values} if values else dict(compiled.defaults)
        for name, process in compiled.processors.items():
            if name in given:
                given[name] = process(given[name])
        params: Any = tuple(given.get(name) for name in compiled.names) if compiled.positional else given
        return execute(connection, compiled.sql, params)


def execute(connection: Connection, sql: str, params: Any, *, many: bool = False) -> list[Sequence[Any]]:
    """Run *sql* (in the driver's paramstyle) on a cursor of *connection*'s DBAPI connection, once
    with *params* or, with *many*, once for each of them; its listeners and errors as
    ``Connection.execute``'s. Returns the rows of a statement that returns rows."""
    if not connection.in_transaction():
        connection.begin()  # as Connection.execute begins one: commit and rollback then reach the driver
    dispatch = connection.dispatch
    raw = connection.connection
    cursor = raw.cursor()
    try:
        for listen in dispatch.before_cursor_execute:
            listen(connection, cursor, sql, params, None, many)
        if many:
            cursor.executemany(sql, params)
        else:
            cursor.execute(sql, params)
        rows = list(cursor.fetchall()) if cursor.description is not None else []
        for listen in dispatch.after_cursor_execute:
            listen(connection, cursor, sql, params, None, many)
        return rows
    except connection.dialect.loaded_dbapi.Error as error:
        gone = connection.dialect.is_disconnect(error, raw.dbapi_connection, cursor)
        if gone:
            connection.invalidate(error)
        raise DBAPIError.instance(
            sql,
            params,
            error,
            connection.dialect.loaded_dbapi.Error,
            hide_parameters=True,
            dialect=connection.dialect,
            connection_invalidated=gone,
        ) from error
    finally:
        cursor.close()
