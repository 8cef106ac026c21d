"""``/healthz`` (liveness: the process answers, no database) and ``/readyz`` (readiness: the
database answers and the schema is current); never cached, never a traceback."""

from __future__ import annotations

import socket

import pytest

from optout import create_app
from tests.helpers.settings import BASE_URL, settings_for


def _closed_port() -> int:
    with socket.socket() as sock:  # a port nothing listens on once the socket is closed
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_health_and_readiness_are_ok_while_the_database_answers(client):
    for path in ("/healthz", "/readyz"):
        response = client.get(f"{BASE_URL}{path}")
        assert response.status_code == 200, path
        assert response.json == {"status": "ok"}
        assert response.headers["Cache-Control"] == "no-store"


def test_readiness_is_503_when_the_database_refuses_connections_and_liveness_still_200(caplog):
    url = f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/optout"
    app = create_app(settings_for(url))
    client = app.test_client()
    response = client.get(f"{BASE_URL}/readyz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "reason": "database"}
    assert response.headers["Cache-Control"] == "no-store"
    assert not any(record.exc_info for record in caplog.records), "no traceback in the logs"
    assert "Traceback" not in caplog.text and "127.0.0.1" not in response.text
    live = client.get(f"{BASE_URL}/healthz")
    assert live.status_code == 200 and live.json == {"status": "ok"}
    app.extensions["optout.db"].engine.dispose()


def test_readiness_is_503_while_the_schema_is_out_of_date_and_liveness_still_200(tmp_path):
    app = create_app(settings_for(f"sqlite:///{tmp_path}/new.sqlite3"))
    client = app.test_client()
    response = client.get(f"{BASE_URL}/readyz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "reason": "schema"}
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get(f"{BASE_URL}/healthz").status_code == 200
    assert client.get(f"{BASE_URL}/").status_code == 503  # every page waits for `optout db upgrade`
    app.extensions["optout.db"].engine.dispose()


@pytest.mark.dialect_independent("the host check answers before any query")
def test_health_checks_answer_only_the_public_host(client):
    for path in ("/healthz", "/readyz"):
        assert client.get(path, base_url="https://elsewhere.example").status_code == 400, path
