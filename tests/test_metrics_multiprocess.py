"""Prometheus' multiprocess mode under gunicorn: with ``PROMETHEUS_MULTIPROC_DIR`` set, ``/metrics``
(behind the key) and ``optout metrics serve`` (a bind of its own) both add up every worker."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from optout import schema
from optout.db import make_engine
from tests.helpers.processes import free_port, wait_for_port
from tests.helpers.settings import BASE_URL, ID_KEY, NEW_KEY, OLD_KEY

KEY = "metrics-bearer-key-0123456789-abcdefghijk"
REPO = Path(__file__).resolve().parent.parent
HOST = BASE_URL.split("://", 1)[1]
pytestmark = pytest.mark.dialect_independent("counting requests in worker processes; no query is counted")


def _get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers={"Host": HOST, **(headers or {})})
    response = connection.getresponse()
    answer = response.status, response.read().decode()
    connection.close()
    return answer


def _healthz_count(exposition: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
        if sample.name == "optout_http_requests_total"
        and sample.labels.get("endpoint") == "ops"
        and sample.labels.get("status") == "200"
    )


def test_every_workers_requests_are_counted_at_metrics_and_at_metrics_serve(tmp_path):
    url = f"sqlite:///{tmp_path}/optout.sqlite3"
    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    folder = tmp_path / "prometheus"
    folder.mkdir()
    env = {
        **os.environ,
        "OPTOUT_DATABASE_URL": url,
        "OPTOUT_SECRET_KEYS": f"{OLD_KEY} {NEW_KEY}",
        "OPTOUT_ID_KEY": ID_KEY,
        "OPTOUT_BASE_URL": BASE_URL,
        "OPTOUT_METRICS_KEY": KEY,
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
    }
    port, side = free_port(), free_port()
    command = [sys.executable, "-m", "gunicorn", "-c", str(REPO / "gunicorn.conf.py"), "-w", "2"]
    server = subprocess.Popen([*command, "-b", f"127.0.0.1:{port}", "optout:create_app()"], env=env, cwd=REPO)
    serve = [sys.executable, "-m", "optout", "metrics", "serve", "--port", str(side)]
    sidecar = subprocess.Popen(serve, env=env, cwd=tmp_path, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        wait_for_port(side)
        for _request in range(20):  # new connections: gunicorn's sync workers share them out
            assert _get(port, "/healthz")[0] == 200
        status, scraped = _get(port, "/metrics", {"Authorization": f"Bearer {KEY}"})
        assert status == 200
        assert _healthz_count(scraped) == 20
        assert len(list(folder.glob("counter_*.db"))) >= 1
        status, separate = _get(side, "/metrics")
        assert status == 200 and _healthz_count(separate) == 21  # and the scrape of /metrics itself
        assert _get(port, "/metrics")[0] == 401  # the public bind still wants the key
    finally:
        for process in (server, sidecar):
            process.terminate()
            process.wait(timeout=10)


def test_metrics_serve_needs_the_multiprocess_folder(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    result = subprocess.run(
        [sys.executable, "-m", "optout", "metrics", "serve"], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 2 and "PROMETHEUS_MULTIPROC_DIR" in result.stderr
