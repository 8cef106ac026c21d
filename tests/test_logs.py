"""No log line, from any logger, holds a link token, a pseudonymous id or an address: not during a
database outage, not on a lock timeout, not for odd ways of writing a link's path, not in a
Referer, and not in gunicorn's own access and error logs."""

from __future__ import annotations

import http.client
import logging
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, make_url

from optout import create_app, schema
from optout.catalog import service as catalog
from optout.db import make_engine
from optout.identity import pseudonymous_id
from optout.links import links_for
from optout.web.extensions import get_settings, get_tokens
from optout.web.session import get_session
from tests.helpers.db import PG_ADMIN_URL, postgres_answers
from tests.helpers.processes import command_env, free_port, wait_for_port
from tests.helpers.settings import BASE_URL, settings_for

EMAIL = "liv.secret@example.no"
LOGGERS = ("", "optout", "werkzeug", "gunicorn.access", "gunicorn.error", "sqlalchemy", "sqlalchemy.engine.Engine")


class Capture(logging.Handler):
    """Every record, fully formatted (message, traceback, stack)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def captured() -> Iterator[Capture]:
    """A capturing handler on the root logger and on each named logger, all at DEBUG."""
    handler = Capture()
    levels = {}
    for name in LOGGERS:
        logger = logging.getLogger(name)
        levels[name] = logger.level
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
    yield handler
    for name in LOGGERS:
        logging.getLogger(name).removeHandler(handler)
        logging.getLogger(name).setLevel(levels[name])


@pytest.fixture
def admin() -> Iterator[Callable[[str], None]]:
    """Run a statement on the PostgreSQL server as its superuser (skips without a server)."""
    if not postgres_answers():
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests, but no server answers at {PG_ADMIN_URL}")
        pytest.skip(f"no PostgreSQL server answers at {PG_ADMIN_URL}")
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        yield lambda statement: conn.execute(text(statement)) and None
    engine.dispose()


@pytest.fixture
def own_database(admin) -> Iterator[tuple[str, str]]:
    """A migrated PostgreSQL database of this test's own (its settings are changed): (name, URL)."""
    name = f"optout_logs_{uuid.uuid4().hex[:12]}"
    admin(f'CREATE DATABASE "{name}"')
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    yield name, url
    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _server_app(url: str) -> Flask:
    """An app that answers errors as a server does (an error page, not an exception in the test)."""
    return create_app({**settings_for(url), "PROPAGATE_EXCEPTIONS": False})


def _secrets(app: Flask) -> dict[str, str]:
    """A campaign and one recipient's links: the paths of both, and every secret to look for."""
    with app.app_context():
        session = get_session()
        campaign = catalog.add_campaign(session, "spring", topic_key="periodic", partner_slug=None, lang="nb")
        session.commit()
        settings = get_settings()
        pid = pseudonymous_id(settings.id_key, EMAIL)
        links = links_for(get_tokens(), settings.base_url, pid, campaign.id, "nb")
    u = links.unsubscribe_url.removeprefix(BASE_URL)
    p = links.preferences_url.removeprefix(BASE_URL)
    return {"u": u, "p": p, "u_token": u.rsplit("/", 1)[1], "p_token": p.rsplit("/", 1)[1], "pid": pid.hex()}


def assert_nothing_secret(logged: str, secrets: dict[str, str]) -> None:
    """No token, no pseudonymous id (either case) and no address in *logged*."""
    for secret in (secrets["u_token"], secrets["p_token"], secrets["pid"], secrets["pid"].upper(), EMAIL):
        assert secret not in logged, f"{secret} in the logs:\n{logged}"
    assert "[parameters:" not in logged  # SQLAlchemy's error text shows no bound values


def _one_click(client, path: str):
    return client.post(BASE_URL + path, data={"List-Unsubscribe": "One-Click"})


def _decide(app: Flask, scope: str) -> None:
    from optout.consent import service as consent
    from optout.models import Action, Source

    with app.app_context():
        session = get_session()
        pid = pseudonymous_id(get_settings().id_key, EMAIL).hex()
        consent.decide(session, pid, {scope: Action.OPT_OUT}, consent.DecisionContext(Source.CLI, "test"))
        session.commit()


def test_a_database_outage_logs_no_token_id_or_address(own_database, admin, captured):
    name, url = own_database
    app = _server_app(url)
    secrets = _secrets(app)
    client = app.test_client()
    assert client.get(BASE_URL + secrets["p"]).status_code == 200  # connected and checked once
    admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")  # noqa: S608
    try:
        answers = [
            client.get(BASE_URL + secrets["p"]),
            client.get(BASE_URL + secrets["u"]),
            _one_click(client, secrets["u"]),
        ]
    finally:
        app.extensions["optout.db"].engine.dispose()
    for answer in answers:
        assert answer.status_code >= 500
        assert "<html" in answer.text and secrets["u_token"] not in answer.text
        assert secrets["p_token"] not in answer.text
    assert "Exception on /p/… [GET]" in captured.text and "Exception on /u/… [POST]" in captured.text
    assert "not currently accepting connections" in captured.text  # the traceback is there, redacted
    assert_nothing_secret(captured.text, secrets)


@pytest.mark.parametrize("held", ["ledger_head", "choice"])
def test_a_lock_timeout_logs_no_token_id_or_address(own_database, admin, captured, held):
    name, url = own_database
    admin(f"ALTER DATABASE \"{name}\" SET lock_timeout = '200ms'")
    app = _server_app(url)
    secrets = _secrets(app)
    _decide(app, "topic:periodic")  # so that the recipient's choice row exists to be held
    locker = make_engine(url)
    with locker.connect() as conn:
        lock: dict[str, Callable[[Connection], object]] = {
            "ledger_head": lambda c: c.execute(text("SELECT * FROM ledger_head FOR UPDATE")),
            "choice": lambda c: c.execute(text("SELECT * FROM choice FOR UPDATE")),
        }
        lock[held](conn)
        clicked = _one_click(app.test_client(), secrets["u"])  # appends to the ledger, then sets the choice
        conn.rollback()
    locker.dispose()
    app.extensions["optout.db"].engine.dispose()
    assert clicked.status_code >= 500 and secrets["u_token"] not in clicked.text
    assert "lock timeout" in captured.text
    assert_nothing_secret(captured.text, secrets)


def test_an_exception_text_with_an_id_or_address_is_redacted(app, captured, pid_of):
    pid = pid_of(EMAIL)
    try:
        raise ValueError(f"duplicate key value\nDETAIL:  Key (pid, scope)=({pid}, topic:x) already exists, {EMAIL}")
    except ValueError:
        app.logger.exception("could not save %s", EMAIL)
    assert "DETAIL:  Key (pid, scope)=(…, topic:x)" in captured.text
    assert pid not in captured.text and EMAIL not in captured.text


@pytest.fixture
def gunicorn(own_database, tmp_path) -> Iterator[tuple[int, Path, Path]]:
    """A real gunicorn serving the app on its own database, with access and error log files."""
    _name, url = own_database
    port, access, errors = free_port(), tmp_path / "access.log", tmp_path / "error.log"
    env = command_env(url)
    command = [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "--log-level", "debug"]
    command += ["--access-logfile", str(access), "--error-logfile", str(errors), "optout:create_app()"]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        yield port, access, errors
    finally:
        server.terminate()
        server.wait(timeout=10)


def _request(port: int, method: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    body = "List-Unsubscribe=One-Click" if method == "POST" else None
    host = {"Host": BASE_URL.split("://", 1)[1]}  # the public host: the app answers no other
    sent = (
        {"Content-Type": "application/x-www-form-urlencoded", **host, **(headers or {})}
        if body
        else {**host, **(headers or {})}
    )
    connection.request(method, path, body=body, headers=sent)
    response = connection.getresponse()
    answer = response.status, response.read().decode("utf-8", "replace")
    connection.close()
    return answer


def test_gunicorn_logs_hold_no_token_in_any_path_form(own_database, admin, gunicorn):
    name, url = own_database
    port, access, errors = gunicorn
    app = create_app(settings_for(url))
    secrets = _secrets(app)
    app.extensions["optout.db"].engine.dispose()
    u, p = secrets["u_token"], secrets["p_token"]
    referer = {"Referer": f"{BASE_URL}/%70/{p}"}
    served = {
        f"/%75/{u}": 200,
        f"/%70/{p}": 200,
        f"/p/{p}": 200,
        f"/u/{u}?lang=en": 200,
        f"/p//{p}": 308,
        f"/u//{u}": 308,
        f"/p%2F{p}": 200,
        f"/p%2f{p}": 200,
        f"/%2Fp%2F{p}": None,  # whatever werkzeug makes of it: the line is what counts
        f"/static/optout.css?from=/p/{p}": 200,
    }
    for path, status in served.items():
        got, _body = _request(port, "GET", path, referer)
        assert status is None or got == status, (path, got)
    assert _request(port, "POST", f"/%75/{u}", {"Referer": f"{BASE_URL}/u//{u}"})[0] == 200
    admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")  # noqa: S608
    for method, path in (("GET", f"/p/{p}"), ("POST", f"/u/{u}"), ("GET", f"/%70/{p}")):
        status, body = _request(port, method, path, referer)
        assert status >= 500 and p not in body and u not in body
    time.sleep(0.5)  # gunicorn writes its access line after the answer
    access_log, error_log = access.read_text(), errors.read_text()
    assert len(access_log.splitlines()) == len(served) + 4
    assert "/%75/…" in access_log and "/p//…" in access_log and "/%70/…" in access_log
    assert "Exception on /p/… [GET]" in error_log
    assert_nothing_secret(access_log + error_log, secrets)
