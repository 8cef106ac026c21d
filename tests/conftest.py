"""Fixtures: a throw-away database per backend, an app per test on it, a rolled-back session for
service tests, the test client and CLI runner, and fixtures to mint links and read the ledger.
Helpers that tests import live in ``tests/helpers/``.

A test that uses the database runs on SQLite and PostgreSQL unless marked otherwise
(``tests/helpers/dialects.py``). PostgreSQL tests create their own database on
the server named by ``OPTOUT_TEST_POSTGRES_URL`` (default: the local server, trust auth) and drop
it afterwards; without a server they skip, except under CI (``CI`` set), where a missing server
is an error.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Callable, Iterator

import flask
import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from optout import create_app, schema
from optout.accounts import officers
from optout.catalog import service as catalog
from optout.db import make_engine
from optout.identity import pseudonymous_id
from optout.links import Links, links_for
from optout.models import Campaign
from optout.web import pagecache
from optout.web.extensions import get_settings, get_tokens
from optout.web.session import get_session
from tests.helpers.db import PG_ADMIN_URL, AuditRow, audit_rows, empty_and_dispose, postgres_answers
from tests.helpers.dialects import backends_for
from tests.helpers.settings import ID_KEY, settings_for
from tests.helpers.web import PublicOriginClient, SharedTemplateCache, share_url_builders

# Every app the tests build, however they build it:
Flask.test_client_class = PublicOriginClient
Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": SharedTemplateCache()}
share_url_builders()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise ``database_url`` (ids ``sqlite``, ``postgresql``) for every test that uses it."""
    if "database_url" in metafunc.fixturenames:
        metafunc.parametrize("database_url", backends_for(metafunc.definition), indirect=True, scope="session")


@pytest.fixture(scope="session")
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, throw-away database for the whole run, one per backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'optout.sqlite3'}"
        engine = make_engine(url)
        schema.upgrade(engine)
        engine.dispose()
        yield url
        return
    if not postgres_answers():
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests, but no server answers at {PG_ADMIN_URL}")
        pytest.skip(f"no PostgreSQL server answers at {PG_ADMIN_URL}")
    name = f"optout_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        # A throw-away database need not survive a crash of the server: commits stop waiting for the
        # disk. Locks, isolation and what other connections see are unchanged.
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes() -> Iterator[None]:
    """argon2id at its lowest cost: production's (argon2-cffi's defaults) costs about 0.25 s of CPU
    per hash, and every console test hashes a password and checks it. Production's parameters are
    tested once, in ``tests/officer/test_hashing.py``, with the ``production_hasher`` fixture."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(officers, "_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        yield


@pytest.fixture
def production_hasher(monkeypatch: pytest.MonkeyPatch) -> PasswordHasher:
    """The password hasher production uses, for this test only."""
    hasher = PasswordHasher()
    monkeypatch.setattr(officers, "_HASHER", hasher)
    return hasher


@pytest.fixture(scope="session")
def savepoint_engine(database_url: str) -> Iterator[Engine]:
    """The run's engine for :func:`db_session`. pysqlite opens a transaction only before a write and
    would let the first SAVEPOINT's release commit, so on SQLite the engine sends BEGIN itself
    (SQLAlchemy's recipe for SAVEPOINT on pysqlite)."""
    engine = make_engine(database_url)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _no_implicit_transactions(dbapi_connection: object, _record: object) -> None:
            dbapi_connection.isolation_level = None  # type: ignore[attr-defined]

        @event.listens_for(engine, "begin")
        def _begin(conn: object) -> None:
            conn.exec_driver_sql("BEGIN")  # type: ignore[attr-defined]

    yield engine
    engine.dispose()


@pytest.fixture
def db_session(savepoint_engine: Engine) -> Iterator[Session]:
    """A session inside one transaction that is rolled back after the test, so nothing needs
    deleting: for service tests, which flush and never commit. A ``commit()`` (or
    ``begin_nested()``) only ends a savepoint inside it. Not for tests whose writes another
    connection, thread, process or the app must see: those use ``app``, which empties the tables."""
    with savepoint_engine.connect() as conn:
        outer = conn.begin()
        session = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            yield session
        finally:
            session.close()
            outer.rollback()


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    """An app on the run's database, emptied of everything but the seeded topics afterwards."""
    application = create_app(settings_for(database_url))
    yield application
    empty_and_dispose(application)


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


@pytest.fixture
def audit_log(app: Flask) -> Callable[[], list[AuditRow]]:
    """Every audit entry as (actor, action, subject_pid, data), oldest first."""
    return lambda: audit_rows(app)


@pytest.fixture
def afresh(monkeypatch: pytest.MonkeyPatch) -> dict[str, bool]:
    """Render every cached page (optout.web.pagecache) with Jinja as before the cache, for as long
    as the returned switch is on."""
    cached = pagecache.render
    state = {"on": False}

    def render(template, values, slots, build):
        if state["on"]:
            return flask.render_template(template, **values, **build(slots))
        return cached(template, values, slots, build)

    monkeypatch.setattr(pagecache, "render", render)
    return state
