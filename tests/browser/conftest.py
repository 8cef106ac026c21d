"""A live server and headless Chromium (Debian's package, driven by Playwright) for the pages.

Without Chromium or Playwright these tests skip, except under CI, where ``.ci/run`` installs
Chromium and a missing browser is an error.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from optout import create_app
from optout.catalog import service as catalog
from optout.identity import pseudonymous_id
from optout.links import Links, links_for
from optout.web.extensions import get_settings, get_tokens
from optout.web.session import get_session
from tests.helpers.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from tests.helpers.db import empty_and_dispose
from tests.helpers.settings import settings_for


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the browser tests: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One headless Chromium for the run."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed")
    if not Path(CHROMIUM).exists():
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def live_app(database_url: str) -> Iterator[tuple[Flask, str]]:
    """The app served on a free loopback port; yields (app, origin)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    origin = f"http://127.0.0.1:{port}"
    app = create_app(settings_for(database_url, OPTOUT_BASE_URL=origin))
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, origin
    server.shutdown()
    thread.join(timeout=10)
    empty_and_dispose(app)


@pytest.fixture
def page(browser, request):
    """A fresh browser context (no cookies) at a phone-sized 320 px width."""
    context = browser.new_context(viewport={"width": 320, "height": 720}, locale="nb-NO")
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def screenshot(page, request):
    """Save a full-page screenshot under test-artifacts/screenshots/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        safe = request.node.name.replace("[", "-").replace("]", "")
        path = ARTIFACTS / f"{safe}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def recipient_links(live_app: tuple[Flask, str]) -> Links:
    """Kari's links for a partner campaign (Fjordreiser AS) on the live app: the richest page."""
    app, _origin = live_app
    with app.app_context():
        session = get_session()
        catalog.add_partner(session, "fjordreiser", "Fjordreiser AS")
        campaign = catalog.add_campaign(session, "fjord-spring", topic_key=None, partner_slug="fjordreiser")
        session.commit()
        settings = get_settings()
        pid = pseudonymous_id(settings.id_key, "kari@example.no")
        return links_for(get_tokens(), settings.base_url, pid, campaign.id, "nb")
