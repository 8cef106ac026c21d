"""Alembic migrations, driven from our CLI, and the check that a database is at the newest one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from .paths import MIGRATIONS_DIR

if TYPE_CHECKING:
    from alembic.config import Config

UPGRADE_COMMAND = "optout db upgrade"
# The newest migration, as Alembic computes it from migrations/versions (a test keeps them equal):
# checking a current database against it spares every command and server start importing Alembic.
HEAD_REVISION = "0012"


class SchemaOutdated(RuntimeError):
    """The database is not at the latest migration."""


def alembic_config(url: str) -> Config:
    """An Alembic configuration for *url* without an ``alembic.ini`` (works from a wheel too)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision(url: str) -> str | None:
    """The newest migration shipped with this version of Optout."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at (None for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _at_head(engine: Engine) -> bool:
    """Whether the database is stamped with :data:`HEAD_REVISION` alone (read without Alembic)."""
    try:
        with engine.connect() as connection:
            stamped = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except DBAPIError:  # no version table (an empty database): Alembic says so below
        return False
    return stamped == [HEAD_REVISION]


def check(engine: Engine) -> None:
    """Raise :class:`SchemaOutdated` unless the database is at the newest migration."""
    if _at_head(engine):
        return
    url = engine.url.render_as_string(hide_password=False)
    current, head = current_revision(engine), head_revision(url)
    if current != head:
        raise SchemaOutdated(
            f"The database schema is at {current or 'nothing'}, this version needs {head}: run `{UPGRADE_COMMAND}`."
        )


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to *revision* (default: the newest)."""
    from alembic import command

    url = engine.url.render_as_string(hide_password=False)
    config = alembic_config(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
