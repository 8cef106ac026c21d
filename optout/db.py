"""The database, without Flask: declarative base, column types, and the engine for a URL.

The session of a request or command lives on the web side (:mod:`optout.web.session`). Services
take a :class:`~sqlalchemy.orm.Session`, flush, and never commit; the edge (a request handler or
a CLI command) commits or rolls back.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
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


def make_engine(url: str) -> Engine:
    """Create an engine for *url* with the settings each backend needs.

    ``hide_parameters``: SQLAlchemy's error messages and SQL log would otherwise show the bound
    values (pseudonymous ids, scopes, evidence) in the logs."""
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
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


def insert_rows(connection: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert *rows* (values of *columns*, in that order) into *table* through the driver itself:
    ``COPY … FROM STDIN`` on PostgreSQL, one ``executemany`` on SQLite.

    For the ledger's bulk writes, where SQLAlchemy's per-row parameter processing was most of an
    import's time. Every value still goes through its column type's bind processing (so a time is
    stored as :class:`UTCDateTime` stores it and an enum is checked), only without the per-row
    dictionaries; the rows join the connection's transaction."""
    dialect = connection.dialect
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]
    if any(processors):
        rows = _processed(rows, processors)
    driver = connection.connection.driver_connection
    names = ", ".join(dialect.identifier_preparer.quote(name) for name in columns)
    if dialect.name == "postgresql":
        with driver.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" * len(columns))
    cursor = driver.cursor()  # type: ignore[union-attr]
    try:
        sql = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"  # noqa: S608 (names from the metadata)
        cursor.executemany(sql, rows)
    finally:
        cursor.close()


def _processed(rows: Iterable[Sequence[Any]], processors: Sequence[Any]) -> Iterator[list[Any]]:
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
        yield values
