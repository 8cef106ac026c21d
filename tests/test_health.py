"""``/healthz``: 200 while the database answers, 503 when it does not; never cached, never a traceback."""

from __future__ import annotations

import socket

from optout import create_app
from tests.helpers.settings import BASE_URL, settings_for


def _closed_port() -> int:
    with socket.socket() as sock:  # a port nothing listens on once the socket is closed
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_health_is_ok_while_the_database_answers(client):
    response = client.get(f"{BASE_URL}/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_health_is_503_when_the_database_refuses_connections(caplog):
    url = f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/optout"
    app = create_app(settings_for(url))
    response = app.test_client().get(f"{BASE_URL}/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable"}
    assert response.headers["Cache-Control"] == "no-store"
    assert not any(record.exc_info for record in caplog.records), "no traceback in the logs"
    assert "Traceback" not in caplog.text and "127.0.0.1" not in response.text
    app.extensions["optout.db"].engine.dispose()


def test_health_is_503_while_the_schema_is_out_of_date(tmp_path):
    app = create_app(settings_for(f"sqlite:///{tmp_path}/new.sqlite3"))
    response = app.test_client().get(f"{BASE_URL}/healthz")
    assert response.status_code == 503
    assert response.headers["Cache-Control"] == "no-store"
    app.extensions["optout.db"].engine.dispose()
