"""The database, without Flask: declarative base, column types, and the engine for a URL.

The session of a request or command lives on the web side (:mod:`optout.web.session`). Services
take a :class:`~sqlalchemy.orm.Session`, flush, and never commit; the edge (a request handler or
a CLI command) commits or rolls back.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import fcntl
import functools
import json
import os
import sqlite3
import time
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy import (
    ColumnElement,
    Connection,
    DateTime,
    Dialect,
    Engine,
    Enum,
    MetaData,
    Select,
    String,
    Table,
    bindparam,
    cast,
    column,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from . import prepared

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Store naive UTC, return aware UTC: SQLite keeps no time zone, PostgreSQL would convert."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)


def stored_enum(members: type[enum.StrEnum], length: int) -> Enum:
    """A column of *members*, stored as their values in a ``VARCHAR(length)``, as before they were typed.

    No native enum and no CHECK of SQLAlchemy's own, so the schema stays what the migrations made
    (the CHECKs that exist are declared on the tables); a string that is no member is refused
    when bound, and a row reads back as members."""
    return Enum(
        members,
        native_enum=False,
        values_callable=_values,
        length=length,
        validate_strings=True,
        create_constraint=False,
    )


def _values(members: type[enum.StrEnum]) -> list[str]:
    return [member.value for member in members]


class Base(DeclarativeBase):
    """Base of every table; constraint names follow one convention so migrations stay stable."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: UTCDateTime()}


def utcnow() -> dt.datetime:
    """The current time, aware, in UTC."""
    return dt.datetime.now(dt.UTC)


def normalize_url(url: str) -> str:
    """Use psycopg 3 for ``postgresql://`` URLs (SQLAlchemy's default driver is psycopg2)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers and one writer work at once; NORMAL is durable across application crashes
    # in WAL mode, and foreign keys are off in SQLite unless asked for.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
_QUEUE_WAIT = 30.0  # seconds, as the driver's own timeout: past it the write goes to SQLite's lock anyway


class QueuedWriter(sqlite3.Connection):
    """A SQLite connection that queues for the database's one writer on a file lock.

    SQLite lets one connection write at a time; the others retry on their own, sleeping 1, 2, 5,
    10 ms and longer between tries. Between two gunicorn workers recording one-clicks that made
    the second worker sleep more than it worked. So before the first write of a transaction (when
    the connection holds no lock of SQLite's yet) this connection takes an exclusive ``flock`` on
    ``<database>-writer``, and gives it back once the transaction has committed or rolled back:
    the next writer wakes as soon as the lock is free. SQLite's own lock still decides; this is
    only the queue in front of it, so a writer that does not queue (another program) is merely
    slower, and a writer that waited ``_QUEUE_WAIT`` seconds goes on to SQLite's lock regardless.
    """

    _queue: int | None = None  # the lock file's descriptor, opened on first use
    _queued = False
    queue_path: str | None = None  # set by the engine's connect hook; None: no queue (in-memory)

    def queue_for_write(self) -> None:
        """Wait for the writer's lock, unless this connection holds it or is in a transaction."""
        if self._queued or self.in_transaction or self.queue_path is None:
            return
        if self._queue is None:
            self._queue = os.open(self.queue_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        deadline, pause = time.monotonic() + _QUEUE_WAIT, 0.00005
        while True:
            try:
                fcntl.flock(self._queue, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return
                # 50 µs, then 100, then every 200 µs: a turn at the lock lasts a few hundred µs, and a
                # waiter that slept up to 1 ms woke on average some 400 µs after the lock was free
                # (about 8 % fewer one-clicks under wrk -c16; each try costs a few µs of CPU).
                time.sleep(pause)
                pause = min(pause * 2, 0.0002)
                continue
            self._queued = True
            return

    def _leave_queue(self) -> None:
        if self._queued and self._queue is not None:
            self._queued = False
            fcntl.flock(self._queue, fcntl.LOCK_UN)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._leave_queue()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._leave_queue()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._leave_queue()
            if self._queue is not None:
                os.close(self._queue)
                self._queue = None


def _queue_writes(_conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
    if statement.lstrip()[:7].upper().startswith(_WRITES):
        connection = cursor.connection
        if isinstance(connection, QueuedWriter):
            connection.queue_for_write()


def _create_private(path: str) -> None:
    """Create the SQLite file *path* readable by its owner only, if it does not exist yet: SQLite
    gives its WAL and shared-memory files the database file's mode, so all three stay private."""
    with contextlib.suppress(FileExistsError, FileNotFoundError):  # there already, or no folder for it yet
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600))


def make_engine(url: str) -> Engine:
    """Create an engine for *url* with the settings each backend needs.

    ``hide_parameters``: SQLAlchemy's error messages and SQL log would otherwise show the bound
    values (pseudonymous ids, scopes, evidence) in the logs. On a SQLite file, writers queue for
    the one write lock (:class:`QueuedWriter`)."""
    url = normalize_url(url)
    if url.startswith("sqlite"):
        path = make_url(url).database
        engine = create_engine(url, connect_args={"timeout": 30, "factory": QueuedWriter}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        if path and path != ":memory:" and not path.startswith("file:"):
            _create_private(path)
            queue_path = os.path.abspath(path) + "-writer"

            def _set_queue(dbapi_connection: Any, _record: Any) -> None:
                if isinstance(dbapi_connection, QueuedWriter):
                    dbapi_connection.queue_path = queue_path

            event.listen(engine, "connect", _set_queue)
            event.listen(engine, "before_cursor_execute", _queue_writes)
        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


@dataclass
class Database:
    """The engine and session factory of one application."""

    engine: Engine
    sessions: sessionmaker[Session]


def listed(name: str, dialect: str) -> Select[tuple[str]]:
    """``SELECT`` of the strings in the list parameter *name*, given as one JSON array
    (:func:`list_value`) that the database unpacks itself: ``json_array_elements_text`` on
    PostgreSQL, ``json_each`` on SQLite. One parameter for a batch of any size, where ``IN (…)``
    binds one per value (PostgreSQL takes at most 65,535 in a statement) and the driver adapts
    each one."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import JSON

        text = cast(bindparam(name, type_=String), JSON)
        given = func.json_array_elements_text(text).table_valued("value").render_derived()
    else:
        given = func.json_each(bindparam(name, type_=String)).table_valued("value")
    return select(given.c.value)


def list_value(values: Sequence[str] | Sequence[Mapping[str, str | None]]) -> str:
    """*values* as :func:`listed`'s (or :func:`listed_objects`') parameter: their JSON text."""
    return json.dumps(list(values))


def listed_objects(name: str, dialect: str, fields: Sequence[str], *, times: Collection[str] = ()) -> Select[Any]:
    """``SELECT`` of *fields* (text) of each object in the list parameter *name*, one JSON array of
    objects (:func:`list_value` of dictionaries): :func:`listed` for rows whose values differ per
    row. ``json_to_recordset`` on PostgreSQL, ``json_extract`` of ``json_each`` on SQLite; a field
    an object lacks is null.

    The fields in *times* are times, given as :func:`time_value`'s text, that compare equal to a
    :class:`UTCDateTime` column holding the same time (a timestamp on PostgreSQL, the stored text
    on SQLite)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import JSON

        text = cast(bindparam(name, type_=String), JSON)
        typed = [column(field, UTCDateTime() if field in times else String()) for field in fields]
        record = func.json_to_recordset(text).table_valued(*typed)
        given = record.render_derived(with_types=True)
        return select(*(given.c[field] for field in fields))
    each = func.json_each(bindparam(name, type_=String)).table_valued("value")
    values: list[ColumnElement[Any]] = [
        func.json_extract(each.c.value, f"$.{field}", type_=UTCDateTime() if field in times else String()).label(field)
        for field in fields
    ]
    return select(*values)


def time_value(value: dt.datetime, dialect: Dialect) -> str:
    """*value* (aware) as the text of a time field of :func:`listed_objects`: what *dialect* binds
    for a :class:`UTCDateTime` (SQLite's stored text), as text (ISO 8601 for PostgreSQL)."""
    process = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    bound = process(value) if process is not None else value
    return bound if isinstance(bound, str) else bound.isoformat(sep=" ")


COPY_FROM = 100  # rows: below this many, PostgreSQL gets an INSERT (a one-click's event), not a COPY


def insert_rows(connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert *rows* (values of *columns*, in that order) into *table* with no per-row work of
    SQLAlchemy's: ``COPY … FROM STDIN`` on PostgreSQL for a batch, otherwise one ``INSERT``
    executed for many by the driver (:func:`optout.prepared.execute`).

    For the ledger's writes, where SQLAlchemy's per-row parameter processing was most of an
    import's time and a tenth of a one-click's. Every value still goes through its column type's
    bind processing (so a time is stored as :class:`UTCDateTime` stores it and an enum is
    checked), only without the per-row dictionaries; the rows join the connection's transaction,
    and an ``INSERT`` is seen by the engine's events as any statement is (a ``COPY`` is not)."""
    dialect = connection.dialect
    processors = _processors(table, tuple(columns), dialect)
    values: Iterable[Sequence[Any]] = _processed(rows, processors) if any(processors) else rows
    names = ", ".join(dialect.identifier_preparer.quote(name) for name in columns)
    if dialect.name == "postgresql" and len(rows) >= COPY_FROM:
        driver = connection.connection.driver_connection
        with driver.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:  # type: ignore[union-attr]
            for row in values:
                copy.write_row(row)
        return
    marks = ", ".join(["?" if dialect.paramstyle == "qmark" else "%s"] * len(columns))
    sql = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"  # noqa: S608 (names from the metadata)
    prepared.execute(connection, sql, [tuple(row) for row in values], many=True)  # tuple() of a tuple is itself


@functools.cache
def _processors(table: Table, columns: tuple[str, ...], dialect: Dialect) -> list[Any]:
    """The bind processor of each of *columns* (None: the value goes as it is), made once."""
    return [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]


def _processed(rows: Iterable[Sequence[Any]], processors: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
    """*rows* with each value bound as its column's type binds it; a batch repeats most values
    (one time, one source), so each column remembers what it made of a value (processors are pure)."""
    work: list[tuple[int, Any, dict[Any, Any]]] = [
        (at, process, {}) for at, process in enumerate(processors) if process is not None
    ]
    for row in rows:
        values = list(row)
        for at, process, made in work:
            value = values[at]
            try:
                values[at] = made[value]
            except KeyError:
                values[at] = made[value] = process(value)
            except TypeError:  # an unhashable value: bind it, remember nothing
                values[at] = process(value)
        yield tuple(values)
