"""``OPTOUT_LOG_FORMAT=json``: every line the app and gunicorn write is one JSON object with the
time, level, logger, event, request id, method, endpoint class (and for gunicorn's access lines
status, duration and the redacted path), redacted as the text logs are; and request ids."""

from __future__ import annotations

import http.client
import io
import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from optout import create_app, schema
from optout.catalog import service as catalog
from optout.db import make_engine
from optout.identity import pseudonymous_id
from optout.links import links_for
from optout.web.session import get_session
from tests.helpers.processes import command_env, free_port, wait_for_port
from tests.helpers.settings import BASE_URL, ID_KEY, settings_for

EMAIL = "liv.json@example.no"
REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.dialect_independent("the format of log lines and headers; outages on PostgreSQL in test_logs")


def _secrets(app) -> dict[str, str]:
    pid = pseudonymous_id(ID_KEY.encode(), EMAIL)
    links = links_for(app.extensions["optout.tokens"], BASE_URL, pid, 1, "nb")
    u, p = links.unsubscribe_url.removeprefix(BASE_URL), links.preferences_url.removeprefix(BASE_URL)
    return {"u": u, "p": p, "u_token": u.rsplit("/", 1)[1], "p_token": p.rsplit("/", 1)[1], "pid": pid.hex()}


def _nothing_secret(text: str, secrets: dict[str, str]) -> None:
    for secret in (secrets["u_token"], secrets["p_token"], secrets["pid"], secrets["pid"].upper(), EMAIL):
        assert secret not in text, f"{secret} in:\n{text}"


def _json_lines(text: str) -> list[dict[str, object]]:
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines, "nothing was logged"
    return [json.loads(line) for line in lines]  # every line is one object, or this fails


def test_an_outage_is_a_503_page_and_json_lines_with_the_request_id_and_no_secret():
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/optout"  # nothing answers there
    app = create_app({**settings_for(url, OPTOUT_LOG_FORMAT="json"), "PROPAGATE_EXCEPTIONS": False})
    secrets = _secrets(app)
    stream = io.StringIO()
    try:
        answer = app.test_client().get(BASE_URL + secrets["p"] + f"?email={EMAIL}", errors_stream=stream)
    finally:
        app.extensions["optout.db"].engine.dispose()
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
    assert "<html" in answer.text and "Traceback" not in answer.text and secrets["p_token"] not in answer.text
    records = _json_lines(stream.getvalue())
    error = next(record for record in records if record["level"] == "ERROR")
    assert error["event"] == "Exception on /p/… [GET]" and error["logger"] == "optout"
    assert error["request_id"] == answer.headers["X-Request-ID"]
    assert error["method"] == "GET" and error["endpoint"] == "preferences"
    assert "OperationalError" in str(error["exception"]) and {"time", "level"} <= error.keys()
    _nothing_secret(stream.getvalue(), secrets)


def test_text_is_the_default_and_other_formats_are_refused(tmp_path):
    from optout.config import ConfigError

    with pytest.raises(ConfigError, match="OPTOUT_LOG_FORMAT must be text or json"):
        create_app(settings_for(f"sqlite:///{tmp_path}/x.sqlite3", OPTOUT_LOG_FORMAT="xml"))
    app = create_app(settings_for(f"sqlite:///{tmp_path}/x.sqlite3"))
    assert app.extensions["optout.settings"].log_format == "text"
    app.extensions["optout.db"].engine.dispose()


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("proxy-id-1234abcd", True),
        ("short", False),
        ("x" * 65, False),
        ("liv@example.no-abcdef", False),
        ("0123456789abcdef0123456789abcdef", False),  # a pseudonymous id's shape: never echoed
        ("bad id with spaces", False),
        ("AmOyOSDeAnwQFwgK3pn1XeCeAAAAAQA.AM5sQw36F-HC_NFqwvx5mg", False),  # a link token: never logged
    ],
)
def test_a_request_id_is_taken_only_when_short_and_safe(client, given, kept):
    answer = client.get(f"{BASE_URL}/healthz", headers={"X-Request-ID": given})
    assert (answer.headers["X-Request-ID"] == given) is kept
    assert 8 <= len(answer.headers["X-Request-ID"]) <= 64


@pytest.fixture
def json_gunicorn(tmp_path):
    """gunicorn with the repository's gunicorn.conf.py and OPTOUT_LOG_FORMAT=json, on a SQLite file."""
    url = f"sqlite:///{tmp_path}/optout.sqlite3"
    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    port, access, errors = free_port(), tmp_path / "access.log", tmp_path / "error.log"
    env = {**command_env(url), "OPTOUT_LOG_FORMAT": "json"}
    command = [sys.executable, "-m", "gunicorn", "-c", str(REPO / "gunicorn.conf.py"), "-w", "1"]
    command += ["-b", f"127.0.0.1:{port}", "--access-logfile", str(access), "--error-logfile", str(errors)]
    server = subprocess.Popen([*command, "optout:create_app()"], env=env, cwd=REPO, stdout=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        yield port, access, errors, tmp_path / "optout.sqlite3"
    finally:
        server.terminate()
        server.wait(timeout=10)


def _request(port: int, method: str, path: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    sent = {"Host": BASE_URL.split("://", 1)[1], **(headers or {})}
    body = None
    if method == "POST":
        body, sent["Content-Type"] = "List-Unsubscribe=One-Click", "application/x-www-form-urlencoded"
    connection.request(method, path, body=body, headers=sent)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def test_gunicorn_writes_json_access_and_error_lines_without_secrets(json_gunicorn):
    port, access, errors, database = json_gunicorn
    app = create_app(settings_for(f"sqlite:///{database}"))
    with app.app_context():
        catalog.add_campaign(get_session(), "spring", topic_key="periodic", partner_slug=None, lang="nb")
        get_session().commit()
    secrets = _secrets(app)
    app.extensions["optout.db"].engine.dispose()
    referer = {"Referer": f"{BASE_URL}/%70/{secrets['p_token']}"}
    answers = [
        _request(port, "GET", f"/%70/{secrets['p_token']}?email={EMAIL}", {**referer, "X-Request-ID": "proxy-id-0001"}),
        _request(port, "GET", f"/u//{secrets['u_token']}"),
        _request(port, "GET", "/healthz"),
        _request(port, "GET", f"/p/bad-{EMAIL}"),
    ]
    with sqlite3.connect(database) as conn:  # the schema falls behind: readiness says so, and logs it
        conn.execute("UPDATE alembic_version SET version_num = '0001'")
    answers.append(_request(port, "GET", "/readyz"))
    assert [answer.status for answer in answers] == [200, 308, 200, 404, 503]
    time.sleep(0.5)  # gunicorn writes its access line after the answer
    access_lines, error_lines = _json_lines(access.read_text()), _json_lines(errors.read_text())
    assert len(access_lines) == len(answers)
    for line, answer in zip(access_lines, answers, strict=True):
        assert line["logger"] == "gunicorn.access" and line["event"] == "request" and line["level"] == "INFO"
        assert line["request_id"] == answer.getheader("X-Request-ID")
        assert line["method"] == "GET" and line["status"] == answer.status
        assert isinstance(line["duration"], float) and "time" in line
    assert access_lines[0]["request_id"] == "proxy-id-0001" and access_lines[0]["path"].startswith("/%70/…")
    assert [line["endpoint"] for line in access_lines] == ["preferences", "other", "ops", "preferences", "ops"]
    assert any(line["logger"] == "gunicorn.error" and "Booting worker" in line["event"] for line in error_lines)
    not_ready = next(line for line in error_lines if line["logger"] == "optout")
    assert "not ready: the schema is not current" in not_ready["event"]
    assert not_ready["request_id"] == answers[-1].getheader("X-Request-ID") and not_ready["endpoint"] == "ops"
    _nothing_secret(access.read_text() + errors.read_text(), secrets)


def test_gunicorns_logger_class_writes_redacted_json_lines(tmp_path, monkeypatch):
    import datetime as dt
    from types import SimpleNamespace

    from gunicorn.config import Config

    from optout.web.gunicornlog import OptoutLogger

    monkeypatch.setenv("OPTOUT_LOG_FORMAT", "json")
    config = Config()
    config.set("accesslog", str(tmp_path / "access.log"))
    config.set("errorlog", str(tmp_path / "error.log"))
    logger = OptoutLogger(config)
    token = "AhXCNJ993SZ7V6dr6W5xaGLJAAAAAQA.28gJUq0eXh_NNKscOgzIhw"
    environ = {"REQUEST_METHOD": "POST", "RAW_URI": f"/u/{token}", "optout.request_id": "proxy-id-0002"}
    logger.access(SimpleNamespace(status="503 SERVICE UNAVAILABLE"), None, environ, dt.timedelta(milliseconds=12))
    logger.error("a worker said %s", EMAIL)
    for log in (logger.access_log, logger.error_log):
        for handler in list(log.handlers):
            handler.close()
            log.removeHandler(handler)
    (access,) = _json_lines((tmp_path / "access.log").read_text())
    assert access["status"] == 503 and access["duration"] == 0.012 and access["endpoint"] == "other"
    assert access["path"] == "/u/…" and access["request_id"] == "proxy-id-0002" and access["method"] == "POST"
    (error,) = _json_lines((tmp_path / "error.log").read_text())
    assert error["logger"] == "gunicorn.error" and error["event"] == "a worker said …"
    assert token not in (tmp_path / "access.log").read_text() and EMAIL not in (tmp_path / "error.log").read_text()
