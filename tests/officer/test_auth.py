"""Login to the console: every page refused without it, CSRF on every form, one answer for every
failure, a lockout that holds in the database, expiry, logout, and the cookie's flags."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from flask import Flask

from optout.accounts import officers as auth
from optout.accounts.officers import LOCK_TIME, MAX_FAILURES
from optout.db import utcnow
from optout.officer import guard
from optout.web.session import get_session
from tests.helpers.officers import EMAIL, LOGIN_URL, PASSWORD, console, log_in, post
from tests.helpers.settings import BASE_URL
from tests.helpers.web import csrf_token

pytestmark = pytest.mark.dialect_independent(
    "login pages, CSRF, redirects, cookies, expiry; tests writing the officer row are dialect_sensitive"
)

FAILED = "Innloggingen mislyktes"  # the one message for every kind of failure


def _endpoint_arguments(arguments: set[str]) -> dict[str, str]:
    samples = {"slug": "spring", "fmt": "csv", "request_id": "1"}
    missing = arguments - samples.keys()
    assert not missing, f"add sample values for {missing} to this test"
    return {name: samples[name] for name in arguments}


@pytest.mark.dialect_sensitive
def test_every_console_endpoint_but_login_refuses_an_anonymous_request(app, client, make_campaign, audit_log):
    make_campaign("spring")
    adapter = app.url_map.bind("optout.example.no", url_scheme="https")
    checked = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/officer") or rule.endpoint == "officer.login":
            continue
        url = adapter.build(rule.endpoint, _endpoint_arguments(set(rule.arguments)), force_external=True)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if method == "GET":
                response = client.get(url)
                assert response.status_code == 302, (url, response.status_code)
            else:
                response = post(client, url.removeprefix(f"{BASE_URL}/officer"), {"email": "kari@example.no"})
                assert response.status_code == 303, (method, url, response.status_code)
            assert response.headers["Location"].startswith("/officer/login"), url
            checked.append((method, rule.endpoint))
    assert len(checked) >= 9 and ("POST", "officer.logout") in checked and ("POST", "officer.lookup") in checked
    assert audit_log() == []


def test_a_get_is_sent_back_to_its_page_after_login(client, officer):
    response = client.get(console("/ledger"))
    assert response.headers["Location"] == "/officer/login?next=/officer/ledger"
    response = log_in(client, query="?next=/officer/ledger")
    assert response.status_code == 303 and response.headers["Location"] == "/officer/ledger"


@pytest.mark.parametrize("target", ["//evil.example/officer/", "https://evil.example/officer/", "/p/token", "/\\evil"])
def test_login_never_sends_the_officer_elsewhere(client, officer, target):
    response = log_in(client, query=f"?next={target}")
    assert response.headers["Location"] == "/officer/"


def test_login_required_guards_console_pages_outside_the_blueprint(app, officer):
    app.add_url_rule("/officer-extra", "extra", guard.login_required(lambda: "secret"))
    client = app.test_client()
    response = client.get(f"{BASE_URL}/officer-extra")
    assert response.status_code == 302 and response.headers["Location"].startswith("/officer/login")
    log_in(client)
    assert client.get(f"{BASE_URL}/officer-extra").text == "secret"


@pytest.mark.parametrize("path", ["/login", "/logout", "/lookup"])
def test_forms_without_the_csrf_token_are_refused(signed_in, path, audit_log):
    before = audit_log()
    response = post(signed_in, path, {"email": EMAIL, "password": PASSWORD}, token=False)
    assert response.status_code == 400
    assert "Skjemaet ble ikke godtatt" in response.text
    assert response.headers["Cache-Control"] == "no-store"
    assert audit_log() == before
    assert signed_in.get(console("/")).status_code == 200  # still logged in: logout did not happen


def test_a_form_from_another_site_is_refused(client, officer):
    page = client.get(LOGIN_URL)
    data = {"csrf_token": csrf_token(page.text), "email": EMAIL, "password": PASSWORD}
    response = client.post(LOGIN_URL, data=data, headers={"Referer": "https://evil.example/"})
    assert response.status_code == 400
    assert client.get(console("/")).status_code == 302


def _without_token(html: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]+"', "", html)


@pytest.mark.dialect_sensitive
def test_wrong_password_and_unknown_address_get_the_same_page(client, officer, audit_log):
    wrong = log_in(client, EMAIL, "not the password at all")
    unknown = log_in(client, "nobody@example.no", PASSWORD)
    assert wrong.status_code == unknown.status_code == 200
    assert FAILED in wrong.text
    assert _without_token(wrong.text) == _without_token(unknown.text).replace("nobody@example.no", EMAIL)
    assert PASSWORD not in unknown.text  # the password is never echoed
    assert client.get(console("/")).status_code == 302
    assert audit_log() == [
        (EMAIL, "login-failed", None, {"outcome": "wrong-password", "client": "127.0.0.1"}),
        ("-", "login-failed", None, {"outcome": "unknown-account", "client": "127.0.0.1"}),  # never the address
    ]


def _officer_row(app: Flask) -> tuple[int, dt.datetime | None]:
    with app.app_context():
        officer = auth.officers(get_session())[0]
        return officer.failed_logins, officer.locked_until


@pytest.mark.dialect_sensitive
def test_five_failures_lock_the_account_for_fifteen_minutes(app, client, officer, audit_log, sql):
    for attempt in range(MAX_FAILURES - 1):
        log_in(client, EMAIL, f"wrong password {attempt}")
    assert _officer_row(app) == (MAX_FAILURES - 1, None)
    log_in(client, EMAIL, "wrong password again")
    failures, locked_until = _officer_row(app)
    assert failures == 0 and locked_until is not None
    assert abs(locked_until - (utcnow() + LOCK_TIME)) < dt.timedelta(seconds=30)
    assert audit_log()[-1] == (EMAIL, "locked-out", None, {"outcome": "locked-now", "client": "127.0.0.1"})

    refused = log_in(client, EMAIL, PASSWORD)  # the right password, while locked
    assert refused.status_code == 200 and FAILED in refused.text
    assert client.get(console("/")).status_code == 302
    assert audit_log()[-1] == (EMAIL, "login-failed", None, {"outcome": "locked", "client": "127.0.0.1"})

    sql("UPDATE officer SET locked_until = :past", past=(utcnow() - dt.timedelta(seconds=1)).replace(tzinfo=None))
    assert log_in(client, EMAIL, PASSWORD).status_code == 303
    assert client.get(console("/")).status_code == 200
    assert _officer_row(app) == (0, None)


@pytest.mark.dialect_sensitive
def test_a_success_resets_the_count_of_failures(app, client, officer):
    log_in(client, EMAIL, "wrong password one")
    log_in(client, EMAIL, "wrong password two")
    assert log_in(client, EMAIL, PASSWORD).status_code == 303
    assert _officer_row(app) == (0, None)


def test_too_many_failures_from_one_client_are_refused_for_every_account(client, officer):
    for n in range(10):
        assert log_in(client, f"guess{n}@example.no", PASSWORD).status_code == 200
    refused = log_in(client, EMAIL, PASSWORD)
    assert refused.status_code == 429
    assert "for mange mislykkede innlogginger fra nettverket ditt" in refused.text
    assert client.get(console("/")).status_code == 302


@pytest.mark.dialect_sensitive
def test_logout_ends_the_login(signed_in, audit_log):
    response = post(signed_in, "/logout")
    assert response.status_code == 303 and response.headers["Location"] == "/officer/login?logged_out=1"
    assert "Du er logget ut" in signed_in.get(LOGIN_URL + "?logged_out=1").text
    assert signed_in.get(console("/")).status_code == 302
    assert [action for _who, action, _pid, _data in audit_log()] == ["login", "logout"]


@pytest.mark.dialect_sensitive
def test_logout_also_ends_every_copy_of_the_cookie(app, signed_in):
    stolen = app.test_client()
    cookie = signed_in.get_cookie("optout_session", domain="optout.example.no") or signed_in.get_cookie(
        "__Host-optout", domain="optout.example.no"
    )
    assert cookie is not None
    stolen.set_cookie(cookie.key, cookie.value, domain="optout.example.no")
    assert stolen.get(console("/")).status_code == 200  # a copy works while the login lasts
    assert post(signed_in, "/logout").status_code == 303
    assert stolen.get(console("/")).status_code == 302
    assert log_in(signed_in).status_code == 303  # a new login works again
    assert signed_in.get(console("/")).status_code == 200


@pytest.mark.dialect_sensitive
def test_removing_the_officer_ends_their_login(app, signed_in):
    with app.app_context():
        session = get_session()
        auth.remove_officer(session, EMAIL)
        session.commit()
    assert signed_in.get(console("/")).status_code == 302
    with app.app_context():  # an account re-created with the same address does not revive it
        session = get_session()
        auth.add_officer(session, EMAIL, PASSWORD)
        session.commit()
    assert signed_in.get(console("/")).status_code == 302


@pytest.mark.parametrize(
    ("key", "age"),
    [("officer_seen", guard.IDLE_SECONDS + 5), ("officer_since", guard.ABSOLUTE_SECONDS + 5)],
)
def test_a_login_expires_when_idle_and_after_eight_hours(signed_in, key, age):
    with signed_in.session_transaction(base_url=BASE_URL) as session:
        session[key] = int(time.time()) - age
    response = signed_in.get(console("/ledger"))
    assert response.status_code == 302
    assert response.headers["Location"] == "/officer/login?expired=1&next=/officer/ledger"
    assert "Du ble logget ut fordi du ikke hadde vært aktiv" in signed_in.get(response.headers["Location"]).text


def test_use_keeps_a_login_alive(signed_in):
    with signed_in.session_transaction(base_url=BASE_URL) as session:
        session["officer_seen"] = int(time.time()) - guard.IDLE_SECONDS + 60
    assert signed_in.get(console("/")).status_code == 200
    with signed_in.session_transaction(base_url=BASE_URL) as session:
        assert int(time.time()) - session["officer_seen"] < 5


def test_logging_in_starts_a_fresh_session(client, officer):
    client.get(LOGIN_URL)
    with client.session_transaction(base_url=BASE_URL) as session:
        session["left-over"] = "from before"
        old_token = session["csrf_token"]
    log_in(client)
    with client.session_transaction(base_url=BASE_URL) as session:
        assert "left-over" not in session
        assert session.get("csrf_token") != old_token
        assert session["officer_id"] > 0


def test_the_cookie_is_secure_httponly_and_strict_under_https(client, officer):
    cookie = log_in(client).headers["Set-Cookie"]
    assert cookie.startswith("__Host-optout=")
    for flag in ("Secure", "HttpOnly", "SameSite=Strict", "Path=/"):
        assert flag in cookie
    assert "Domain" not in cookie


def test_the_cookie_is_httponly_and_strict_under_http(make_app):
    app = make_app(OPTOUT_BASE_URL="http://127.0.0.1:5000")
    cookie = app.test_client().get("http://127.0.0.1:5000/officer/login").headers["Set-Cookie"]
    assert cookie.startswith("optout_session=")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie


@pytest.mark.parametrize("path", ["/login", "/", "/lookup", "/campaigns", "/ledger", "/audit", "/nowhere"])
def test_nothing_in_the_console_is_cached(signed_in, path):
    response = signed_in.get(console(path))
    assert response.headers["Cache-Control"] == "no-store"
    assert "noindex" in response.headers["X-Robots-Tag"]


def test_the_language_chosen_stays_for_the_session(client, officer):
    assert '<html lang="en">' in client.get(LOGIN_URL + "?lang=en").text
    assert '<html lang="en">' in client.get(LOGIN_URL).text
    log_in(client)
    assert '<html lang="en">' in client.get(console("/")).text
    assert "Oversikt" in client.get(console("/?lang=nb")).text
