"""``optout demo``: a demo center in one command, whose printed links work, and that serves."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from optout import create_app
from optout.cli import cli
from optout.cli import demo as demo_module
from tests.helpers.web import csrf_token

KEYS = {"OPTOUT_SECRET_KEYS": "d" * 40, "OPTOUT_ID_KEY": "e" * 40}


def test_demo_prints_links_that_work_and_serves_them(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/demo.sqlite3"
    monkeypatch.setenv("OPTOUT_DATABASE_URL", url)
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    served = []
    monkeypatch.setattr(demo_module, "run_simple", lambda host, port, app, **kw: served.append((host, port, app)))
    result = CliRunner().invoke(cli, ["demo", "--port", "5077"])
    assert result.exit_code == 0, result.output
    links = re.findall(r"http://127\.0\.0\.1:5077(/[pu]/\S+)", result.output)
    assert len(links) == 4
    assert served and served[0][:2] == ("127.0.0.1", 5077)
    app = create_app({"TESTING": True, "OPTOUT_DATABASE_URL": url, "OPTOUT_BASE_URL": "http://127.0.0.1:5077", **KEYS})
    client = app.test_client()
    assert all(client.get(path).status_code == 200 for path in links)
    password = re.search(r"log in as personvern@example\.no with the password (\S+)", result.output).group(1)
    login = "http://127.0.0.1:5077/officer/login"
    token = csrf_token(client.get(login).text)
    data = {"csrf_token": token, "email": "personvern@example.no", "password": password}
    signed_in = client.post(login, data=data, headers={"Referer": login})
    assert signed_in.status_code == 303 and signed_in.headers["Location"] == "/officer/"
    again = CliRunner().invoke(cli, ["demo", "--no-serve"])  # a second run reuses the demo data
    assert again.exit_code == 0 and len(served) == 1
    assert password not in again.output  # and gives the console account a new password
    app.extensions["optout.db"].engine.dispose()


def test_the_demo_recipient_has_said_yes_to_partner_offers_once(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/demo.sqlite3"
    monkeypatch.setenv("OPTOUT_DATABASE_URL", url)
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    for _run in range(2):  # a second run adds no second consent
        assert CliRunner().invoke(cli, ["demo", "--no-serve"]).exit_code == 0
    app = create_app({"TESTING": True, "OPTOUT_DATABASE_URL": url, "OPTOUT_BASE_URL": "http://127.0.0.1:5000", **KEYS})
    result = app.test_cli_runner().invoke(cli, ["recipient", "show", demo_module.DEMO_ADDRESS])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["choices"] == {"topic:partner-offers": "opt-in"}
    assert shown["receives"] == {"periodic": True, "partner-offers": True, "phone": False}
    [event] = shown["history"]
    assert (event["scope"], event["action"], event["source"]) == ("topic:partner-offers", "opt-in", "import")
    app.extensions["optout.db"].engine.dispose()
