"""The test databases: the PostgreSQL server they are made on, emptying one between tests, and
reading the audit log straight from it."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask
from sqlalchemy import create_engine, select, text

from optout.db import Base
from optout.models import AuditEntry

PG_ADMIN_URL = os.environ.get("OPTOUT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
# Every table but the seeded topics and the ledger's head (reset below), children before parents:
# derived from the models, so a new table is emptied between tests without anyone listing it.
KEPT_TABLES = {"topic", "ledger_head"}
TABLES_TO_EMPTY = tuple(table.name for table in reversed(Base.metadata.sorted_tables) if table.name not in KEPT_TABLES)


def postgres_answers() -> bool:
    """Whether the PostgreSQL server of the tests accepts a connection."""
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
    except Exception:
        return False
    return True


def empty_and_dispose(application: Flask) -> None:
    """Delete everything but the seeded topics, and close the app's connections."""
    engine = application.extensions["optout.db"].engine
    with engine.begin() as conn:
        for table in TABLES_TO_EMPTY:
            conn.execute(text(f"DELETE FROM {table}"))  # noqa: S608  (fixed table names)
        conn.execute(text("UPDATE ledger_head SET seq = 0, chain = :genesis"), {"genesis": "0" * 64})
    engine.dispose()


AuditRow = tuple[str, str, str | None, dict[str, Any]]


def audit_rows(app: Flask) -> list[AuditRow]:
    """Every audit entry as (actor, action, subject_pid, data), oldest first."""
    columns = AuditEntry.officer, AuditEntry.action, AuditEntry.subject_pid, AuditEntry.data
    with app.extensions["optout.db"].engine.connect() as conn:
        return [tuple(row) for row in conn.execute(select(*columns).order_by(AuditEntry.id))]  # type: ignore[misc]
