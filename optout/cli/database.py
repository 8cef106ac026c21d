"""``optout db``: Alembic migrations."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from .. import schema
from ..web.session import get_database


@click.group("db", cls=AppGroup)
def db_group() -> None:
    """Manage the database schema."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
def upgrade_cmd(revision: str) -> None:
    """Bring the database to the latest schema (or REVISION)."""
    engine = get_database().engine
    schema.upgrade(engine, revision)
    click.echo(f"Database at revision {schema.current_revision(engine)}.")


@db_group.command("current")
def current_cmd() -> None:
    """Print the database's revision and the newest one."""
    engine = get_database().engine
    url = engine.url.render_as_string(hide_password=False)
    click.echo(f"current: {schema.current_revision(engine) or 'none'}\nhead:    {schema.head_revision(url)}")
