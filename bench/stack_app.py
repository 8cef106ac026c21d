"""The stack floor: the project's mandated stack with nothing of Optout, served like Optout in bench/web.py.

``BENCH_STACK_DATABASE=/tmp/x.sqlite3 gunicorn --chdir bench 'stack_app:create_app()'``, after
:func:`seed` has created that database. What a request costs with Flask, Flask-WTF's
``CSRFProtect`` (``SECRET_KEY`` set), Flask-Babel (default locale ``nb``, no catalogs) and
SQLAlchemy 2 (a ``sessionmaker`` over SQLite in WAL mode, ``synchronous=NORMAL`` as Optout sets
it), and nothing else: no tokens, no security headers, no locale selector, no caches.

- ``GET /p/<id>``: opens a Session, one SELECT by primary key on a table of text ids, closes the
  Session, renders ``stack_templates/page.html`` (20 ``{{ _("...") }}`` strings and one form with
  ``{{ csrf_token() }}``, so the response sets a session cookie, as Optout's page does).
- ``POST /u/<id>`` (CSRF-exempt, like a one-click): parses the form, opens a Session, one upsert
  and a commit, renders ``stack_templates/done.html``.

Both statements are built once at import, as Optout builds its ledger writes.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
from collections.abc import Iterable
from typing import Any

from flask import Flask, abort, render_template, request
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import DateTime, Engine, String, bindparam, create_engine, event, insert, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

DATABASE_ENV = "BENCH_STACK_DATABASE"
SECRET_KEY = "bench-stack-secret-key-0123456789abcdefghij"  # throw-away
ID_CHARS = 54  # the length of an Optout token, so that wrk sends requests of the same size
ONE_CLICK = ("List-Unsubscribe", "One-Click")


class Base(DeclarativeBase):
    pass


class Recipient(Base):
    __tablename__ = "recipient"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    name: Mapped[str] = mapped_column(String)
    lang: Mapped[str] = mapped_column(String)


class Optout(Base):
    __tablename__ = "optout"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    source: Mapped[str] = mapped_column(String)
    at: Mapped[dt.datetime] = mapped_column(DateTime)


FIND = select(Recipient.name, Recipient.lang).where(Recipient.id == bindparam("rid"))
_upsert = sqlite_insert(Optout).values(id=bindparam("rid"), source=bindparam("source"), at=bindparam("at"))
UPSERT = _upsert.on_conflict_do_update(
    index_elements=[Optout.id], set_={"source": _upsert.excluded.source, "at": _upsert.excluded.at}
)


def recipient_id(i: int) -> str:
    """The *i*-th text id: 54 URL-safe characters."""
    digest = hashlib.blake2b(i.to_bytes(8, "big"), digest_size=40).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(path: str) -> Engine:
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 30})
    event.listen(engine, "connect", _pragmas)
    return engine


def seed(path: str, ids: Iterable[str]) -> int:
    """Create the tables in a new database at *path* and insert one recipient per id."""
    engine = make_engine(path)
    try:
        Base.metadata.create_all(engine)
        rows = [{"id": rid, "name": f"Mottaker {n}", "lang": "nb"} for n, rid in enumerate(ids)]
        with engine.begin() as conn:
            conn.execute(insert(Recipient), rows)
        return len(rows)
    finally:
        engine.dispose()


def create_app(path: str | None = None) -> Flask:
    """The app, on the database at *path* (default: ``$BENCH_STACK_DATABASE``)."""
    app = Flask(__name__, template_folder="stack_templates")
    app.config.update(SECRET_KEY=SECRET_KEY)
    csrf = CSRFProtect(app)
    Babel(app, default_locale="nb")
    sessions = sessionmaker(make_engine(path or os.environ[DATABASE_ENV]), expire_on_commit=False)

    @app.get("/p/<rid>")
    def page(rid: str) -> str:
        with sessions() as session:
            row = session.execute(FIND, {"rid": rid}).one_or_none()
        if row is None:
            abort(404)
        return render_template("page.html", rid=rid, name=row.name, lang=row.lang)

    @app.post("/u/<rid>")
    def one_click(rid: str) -> str:
        if request.form.get(ONE_CLICK[0]) != ONE_CLICK[1]:
            abort(400)
        with sessions() as session:
            session.execute(UPSERT, {"rid": rid, "source": "one-click", "at": dt.datetime.now(dt.UTC)})
            session.commit()
        return render_template("done.html", rid=rid)

    csrf.exempt(one_click)  # a mail client's one-click POST carries no CSRF token
    return app
