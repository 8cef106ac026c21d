"""Alembic migrations, driven from our CLI, and the refusal to serve an out-of-date schema."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, abort, request
from sqlalchemy import Engine

from .paths import MIGRATIONS_DIR

UPGRADE_COMMAND = "optout db upgrade"


class SchemaOutdated(RuntimeError):
    """The database is not at the latest migration."""


def alembic_config(url: str) -> Config:
    """An Alembic configuration for *url* without an ``alembic.ini`` (works from a wheel too)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision(url: str) -> str | None:
    """The newest migration shipped with this version of Optout."""
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at (None for an empty database)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def check(engine: Engine) -> None:
    """Raise :class:`SchemaOutdated` unless the database is at the newest migration."""
    url = engine.url.render_as_string(hide_password=False)
    current, head = current_revision(engine), head_revision(url)
    if current != head:
        raise SchemaOutdated(
            f"The database schema is at {current or 'nothing'}, this version needs {head}: run `{UPGRADE_COMMAND}`."
        )


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to *revision* (default: the newest)."""
    url = engine.url.render_as_string(hide_password=False)
    config = alembic_config(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def init_app(app: Flask) -> None:
    """Refuse every request while the schema is out of date (checked until it is current once)."""

    @app.before_request
    def _require_current_schema() -> None:
        if app.extensions.get("optout.schema_ok") or request.endpoint == "static":
            return
        try:
            check(app.extensions["optout.db"].engine)
        except SchemaOutdated as exc:
            app.logger.error("%s", exc)
            abort(503, description=str(exc))
        app.extensions["optout.schema_ok"] = True
