"""The application's database and the session of the current request or command (Flask's ``g``).

The engine itself is made by :func:`optout.db.make_engine`, which knows nothing of Flask.
"""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session, sessionmaker

from ..db import Database, make_engine


def init_app(app: Flask, url: str) -> None:
    """Bind a database to *app* and close the request's session at teardown."""
    engine = make_engine(url)
    app.extensions["optout.db"] = Database(engine, sessionmaker(engine, expire_on_commit=False))
    app.teardown_appcontext(_close_session)


def get_database() -> Database:
    """The current application's database."""
    database: Database = current_app.extensions["optout.db"]
    return database


def get_session() -> Session:
    """The session of the current request or command, created on first use."""
    if "db_session" not in g:
        g.db_session = get_database().sessions()
    session: Session = g.db_session
    return session


def _close_session(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.close()  # rolls back whatever the edge did not commit
