"""Fixtures: a throw-away database per backend (SQLite always, PostgreSQL when a server answers),
an app per test on it, the test client and CLI runner, and helpers to mint links.

PostgreSQL tests create their own database on the server named by ``OPTOUT_TEST_POSTGRES_URL``
(default: the local server, trust auth) and drop it afterwards; without a server they skip,
except under CI (``CI`` set), where a missing server is an error.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from werkzeug.test import TestResponse

from optout import create_app, schema
from optout.catalog import service as catalog
from optout.db import Base, make_engine
from optout.identity import pseudonymous_id
from optout.links import Links, links_for
from optout.models import AuditEntry, Campaign
from optout.web.extensions import get_settings, get_tokens
from optout.web.session import get_session

OLD_KEY = "old-signing-key-0123456789-abcdefghijklmnop"
NEW_KEY = "new-signing-key-0123456789-abcdefghijklmnop"
ID_KEY = "pseudonymous-id-key-0123456789-abcdefghijk"
BASE_URL = "https://optout.example.no"
PG_ADMIN_URL = os.environ.get("OPTOUT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
# Every table but the seeded topics and the ledger's head (reset below), children before parents:
# derived from the models, so a new table is emptied between tests without anyone listing it.
KEPT_TABLES = {"topic", "ledger_head"}
TABLES_TO_EMPTY = tuple(table.name for table in reversed(Base.metadata.sorted_tables) if table.name not in KEPT_TABLES)


class PublicOriginClient(FlaskClient):
    """A test client that sends relative URLs to the app's public origin, as a browser following
    its links would: the app refuses every other ``Host`` (``TRUSTED_HOSTS``), and the test client's
    default, ``localhost``, is another."""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        if args and isinstance(args[0], str) and args[0].startswith("/") and "base_url" not in kwargs:
            kwargs["base_url"] = self.application.extensions["optout.settings"].public_origin
        return super().open(*args, **kwargs)


Flask.test_client_class = PublicOriginClient  # every app the tests build, however they build it


def _postgres_answers() -> bool:
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
    except Exception:
        return False
    return True


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, throw-away database for the whole run, one per backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'optout.sqlite3'}"
        engine = make_engine(url)
        schema.upgrade(engine)
        engine.dispose()
        yield url
        return
    if not _postgres_answers():
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests, but no server answers at {PG_ADMIN_URL}")
        pytest.skip(f"no PostgreSQL server answers at {PG_ADMIN_URL}")
    name = f"optout_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def settings_for(database_url: str, **overrides: str) -> dict[str, object]:
    """The configuration every test app starts from."""
    return {
        "TESTING": True,
        "OPTOUT_DATABASE_URL": database_url,
        "OPTOUT_SECRET_KEYS": f"{OLD_KEY} {NEW_KEY}",
        "OPTOUT_ID_KEY": ID_KEY,
        "OPTOUT_BASE_URL": BASE_URL,
        **overrides,
    }


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    """An app on the run's database, emptied of everything but the seeded topics afterwards."""
    application = create_app(settings_for(database_url))
    yield application
    empty_and_dispose(application)


def empty_and_dispose(application: Flask) -> None:
    """Delete everything but the seeded topics, and close the app's connections."""
    engine = application.extensions["optout.db"].engine
    with engine.begin() as conn:
        for table in TABLES_TO_EMPTY:
            conn.execute(text(f"DELETE FROM {table}"))  # noqa: S608  (fixed table names)
        conn.execute(text("UPDATE ledger_head SET seq = 0, chain = :genesis"), {"genesis": "0" * 64})
    engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client (cookies kept between requests, like a browser)."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """The CLI runner for ``optout`` commands."""
    return app.test_cli_runner()


@pytest.fixture
def make_campaign(app: Flask) -> Callable[..., Campaign]:
    """Create a campaign (and its partner) directly through the catalog service."""

    def make(
        slug: str = "spring", *, topic: str | None = "periodic", partner: str | None = None, lang: str = "nb"
    ) -> Campaign:
        with app.app_context():
            session = get_session()
            if partner and session.scalar(text("SELECT 1 FROM partner WHERE slug = :s"), {"s": partner}) is None:
                catalog.add_partner(session, partner, partner.title() + " AS")
            campaign = catalog.add_campaign(
                session, slug, topic_key=None if partner else topic, partner_slug=partner, lang=lang
            )
            session.commit()
            return campaign

    return make


@pytest.fixture
def links(app: Flask) -> Callable[..., Links]:
    """Mint the links of an address for a campaign, as ``optout links`` would."""

    def mint(email: str, campaign: Campaign, lang: str | None = None) -> Links:
        with app.app_context():
            settings = get_settings()
            pid = pseudonymous_id(settings.id_key, email)
            return links_for(get_tokens(), settings.base_url, pid, campaign.id, lang or campaign.lang)

    return mint


@pytest.fixture
def pid_of(app: Flask) -> Callable[[str], str]:
    """The pseudonymous id (hex) of an address."""
    return lambda email: pseudonymous_id(ID_KEY.encode(), email).hex()


@pytest.fixture
def ledger(app: Flask) -> Callable[[], list[dict[str, object]]]:
    """Every ledger row, oldest first, read straight from the database."""

    def rows() -> list[dict[str, object]]:
        with app.extensions["optout.db"].engine.connect() as conn:
            result = conn.execute(text("SELECT * FROM consent_event ORDER BY id"))
            return [dict(row._mapping) for row in result]

    return rows


@pytest.fixture
def choices(app: Flask) -> Callable[[], dict[tuple[str, str], str]]:
    """Every current choice as {(pid, scope): status}, read straight from the database."""

    def rows() -> dict[tuple[str, str], str]:
        with app.extensions["optout.db"].engine.connect() as conn:
            result = conn.execute(text("SELECT pid, scope, status FROM choice"))
            return {(r.pid, r.scope): r.status for r in result}

    return rows


CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in *html*."""
    match = CSRF_FIELD.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


@pytest.fixture
def optout(runner: FlaskCliRunner) -> Callable[..., object]:
    """Run an ``optout`` command against the test app, as the console script would."""
    from optout.cli import cli

    def invoke(*args: str, **kwargs: object) -> object:
        return runner.invoke(cli, list(args), **kwargs)

    return invoke


@pytest.fixture
def make_app(database_url: str) -> Iterator[Callable[..., Flask]]:
    """Build extra apps on the run's database (with other settings); their engines are disposed."""
    built: list[Flask] = []

    def make(**overrides: str) -> Flask:
        application = create_app(settings_for(database_url, **overrides))
        built.append(application)
        return application

    yield make
    for application in built:
        application.extensions["optout.db"].engine.dispose()


@pytest.fixture
def decide(app: Flask) -> Callable[..., None]:
    """Record a recipient's choice as the CLI would (source ``cli``)."""
    from optout.consent import service as consent
    from optout.models import Action, Source

    def record(email: str, scope: str, action: str = "opt-out") -> None:
        with app.app_context():
            session = get_session()
            pid = pseudonymous_id(get_settings().id_key, email).hex()
            consent.decide(session, pid, {scope: Action(action)}, consent.DecisionContext(Source.CLI, "test"))
            session.commit()

    return record


@pytest.fixture
def past_request(app: Flask) -> Callable[..., int]:
    """Register an access request received on a given day, and extend it on another, straight through
    the service: the CLI and console extend only as of now, so an extension in the past needs this."""
    from optout.dates import LOCAL
    from optout.privacy import access_requests

    def noon(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(12), tzinfo=LOCAL)

    def register(email: str, received: dt.date, *, extended: tuple[dt.date, int] | None = None) -> int:
        with app.app_context():
            session = get_session()
            pid = pseudonymous_id(get_settings().id_key, email).hex()
            request = access_requests.register(session, pid, handled_by="cli", received_at=noon(received))
            if extended is not None:
                told, months = extended
                access_requests.extend(request, months=months, reason="many records to gather", by="cli", at=noon(told))
            session.commit()
            return request.id

    return register


AuditRow = tuple[str, str, str | None, dict[str, Any]]


def audit_rows(app: Flask) -> list[AuditRow]:
    """Every audit entry as (actor, action, subject_pid, data), oldest first."""
    columns = AuditEntry.officer, AuditEntry.action, AuditEntry.subject_pid, AuditEntry.data
    with app.extensions["optout.db"].engine.connect() as conn:
        return [tuple(row) for row in conn.execute(select(*columns).order_by(AuditEntry.id))]  # type: ignore[misc]


@pytest.fixture
def audit_log(app: Flask) -> Callable[[], list[AuditRow]]:
    """Every audit entry as (actor, action, subject_pid, data), oldest first."""
    return lambda: audit_rows(app)
