"""What every command shares: the checked session, JSON output, errors that exit non-zero."""

from __future__ import annotations

import json
from typing import Any, NoReturn

import click
from flask import current_app
from sqlalchemy.orm import Session

from .. import schema
from ..db import get_database, get_session


def fail(message: str, code: int = 1) -> NoReturn:
    """Print *message* to stderr and exit with *code*."""
    click.echo(f"optout: {message}", err=True)
    raise SystemExit(code)


def session() -> Session:
    """The command's session, after checking that the schema is current."""
    try:
        schema.check(get_database().engine)
    except schema.SchemaOutdated as exc:
        fail(str(exc))
    current_app.extensions["optout.schema_ok"] = True
    return get_session()


def echo_json(data: Any) -> None:
    """Print *data* as one line of JSON (non-ASCII kept readable)."""
    click.echo(json.dumps(data, ensure_ascii=False, default=str))
