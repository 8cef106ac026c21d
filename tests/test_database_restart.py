"""A restart of PostgreSQL under a burst of one-clicks: requests during the outage get 503 (a page,
never a trace), the app recovers by itself when the server answers again, and every one-click that
got 200 is in the ledger, which verifies. The outage is a forwarder cut and restored
(tests/helpers/outage.py); ``bench/pg_restart.py`` restarts a real server under gunicorn."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy.engine import make_url

from optout import create_app
from tests.helpers.outage import Outage
from tests.helpers.settings import BASE_URL, settings_for

pytestmark = pytest.mark.postgres_only

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


@pytest.fixture
def outage(database_url):
    url = make_url(database_url)
    forwarder = Outage((url.host or "127.0.0.1", url.port or 5432))
    forwarder.restore()
    yield forwarder
    forwarder.cut()


@pytest.fixture
def through(database_url, outage):
    """An app that reaches the run's database through the forwarder, answering errors as a server does."""
    url = make_url(database_url).set(host="127.0.0.1", port=outage.port).render_as_string(hide_password=False)
    application = create_app({**settings_for(url), "PROPAGATE_EXCEPTIONS": False})
    yield application
    application.extensions["optout.db"].engine.dispose()


def test_an_outage_is_503_and_the_app_recovers_by_itself(through, outage, make_campaign, links, ledger, optout):
    campaign = make_campaign("newsletter", topic="periodic")
    client = through.test_client()
    first = links("for@example.no", campaign).unsubscribe_url
    assert client.post(first, data=ONE_CLICK).status_code == 200
    outage.cut()
    during = client.post(links("under@example.no", campaign).unsubscribe_url, data=ONE_CLICK)
    assert during.status_code == 503 and during.headers["Retry-After"] == "5"
    assert "<html" in during.text and "Traceback" not in during.text and "psycopg" not in during.text
    assert client.get(f"{BASE_URL}/readyz").json == {"status": "unavailable", "reason": "database"}
    assert client.get(f"{BASE_URL}/healthz").status_code == 200  # alive: no restart of the worker
    api = client.post(f"{BASE_URL}/api/v1/opt-outs", headers={"Authorization": "Bearer oo_" + "k" * 43}, json={})
    assert api.status_code == 503 and api.json["error"] == "unavailable"  # the API's own JSON problem
    outage.restore()
    after = client.post(links("etter@example.no", campaign).unsubscribe_url, data=ONE_CLICK)
    assert after.status_code == 200  # the same app and engine: pre-ping replaced the dead connections
    assert client.get(f"{BASE_URL}/readyz").status_code == 200
    assert len(ledger()) == 2  # the 503 recorded nothing
    assert optout("ledger", "verify").exit_code == 0


def test_a_burst_across_an_outage_gets_200_or_503_and_every_200_is_in_the_ledger(
    through, outage, make_campaign, links, pid_of, ledger, choices, optout
):
    campaign = make_campaign("newsletter", topic="periodic")
    answers: dict[str, int] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def burst(worker: int) -> None:
        client = through.test_client()
        for n in range(400):
            if stop.is_set():
                return
            email = f"r{worker}-{n}@example.no"
            status = client.post(links(email, campaign).unsubscribe_url, data=ONE_CLICK).status_code
            with lock:
                answers[email] = status

    threads = [threading.Thread(target=burst, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    outage.cut()  # mid-burst: open transactions die with their connections
    time.sleep(0.5)
    outage.restore()
    time.sleep(0.5)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    statuses = set(answers.values())
    assert statuses <= {200, 503}, statuses
    assert 503 in statuses and 200 in statuses
    recorded = {event["pid"] for event in ledger()}
    missing = [email for email, status in answers.items() if status == 200 and pid_of(email) not in recorded]
    assert missing == []  # an answer of 200 was committed
    later = [email for email, status in answers.items() if status == 200][-1]
    assert (pid_of(later), "topic:periodic") in choices()
    assert optout("ledger", "verify").exit_code == 0
