"""API keys: ``optout api-key`` shows a key once and keeps only its hash; every way a request can
fail to authenticate gets the same 401; the API needs no CSRF token, sets no cookie, logs no key."""

from __future__ import annotations

import hashlib
import json
import logging

import pytest
from sqlalchemy import text

from optout.accounts import api_keys as keys
from optout.cli.api_keys import api_key_group
from optout.web.session import get_session
from tests.api import bearer, create_key

# The outcome of these tests cannot depend on the dialect: they run on SQLite only.
ONE_DIALECT = pytest.mark.dialect_independent("header parsing, cookies and log lines")

FILTER = "/api/v1/campaigns/newsletter/filter"
LINKS = "/api/v1/campaigns/newsletter/links"
BOTH_SCOPES = ("--scope", "filter", "--scope", "links")


@pytest.fixture
def newsletter(make_campaign):
    return make_campaign("newsletter", topic="periodic")


@pytest.fixture
def api_key(runner):
    def invoke(*args: str, **kwargs: object):
        return runner.invoke(api_key_group, list(args), **kwargs)

    return invoke


def _stored(app) -> list[dict[str, object]]:
    with app.extensions["optout.db"].engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(text("SELECT * FROM api_key ORDER BY id"))]


def test_create_prints_the_key_once_and_stores_only_its_hash(app, api_key):
    result = api_key("create", "mailer", *BOTH_SCOPES)
    assert result.exit_code == 0, result.output
    key = result.stdout.strip()
    assert key.startswith("oo_") and len(key) >= 40 and "\n" not in key
    assert "cannot be shown again" in result.stderr
    (row,) = _stored(app)
    assert row["name"] == "mailer" and row["revoked_at"] is None
    assert row["key_hash"] == hashlib.sha256(key.encode()).hexdigest()
    assert key not in json.dumps(row, default=str)
    assert key not in api_key("list").output


@ONE_DIALECT
def test_two_keys_differ(api_key):
    first = api_key("create", "one", *BOTH_SCOPES).stdout.strip()
    second = api_key("create", "two", *BOTH_SCOPES).stdout.strip()
    assert first != second


@pytest.mark.parametrize(
    ("name", "message"),
    [("mailer", "exists already"), ("has space", "not a valid key name"), ("", "not a valid key name")],
)
def test_create_refuses_taken_and_bad_names(api_key, name, message):
    api_key("create", "mailer", *BOTH_SCOPES)
    result = api_key("create", name, *BOTH_SCOPES)
    assert result.exit_code == 1 and message in result.stderr


def test_list_shows_name_dates_and_state_never_the_key_or_hash(app, api_key):
    key = api_key("create", "mailer", *BOTH_SCOPES).stdout.strip()
    api_key("create", "old", *BOTH_SCOPES)
    api_key("revoke", "old", "--yes")
    result = api_key("list")
    listed = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(k["name"], k["revoked"]) for k in listed] == [("mailer", False), ("old", True)]
    assert set(listed[0]) == {"name", "scopes", "created_at", "revoked", "revoked_at"}
    assert listed[0]["scopes"] == ["filter", "links"]
    assert listed[0]["revoked_at"] is None and listed[1]["revoked_at"] >= listed[1]["created_at"]
    hashes = [str(row["key_hash"]) for row in _stored(app)]
    assert key not in result.output and not any(h in result.output for h in hashes)


def test_revoke_asks_first_and_then_the_key_stops_working(client, api_key, newsletter):
    key = api_key("create", "mailer", *BOTH_SCOPES).stdout.strip()
    body = {"emails": ["kari@example.no"]}
    assert client.post(LINKS, json=body, headers=bearer(key)).status_code == 200
    refused = api_key("revoke", "mailer", input="n\n")
    assert refused.exit_code == 1 and "Aborted" in refused.output
    assert client.post(LINKS, json=body, headers=bearer(key)).status_code == 200
    assert api_key("revoke", "mailer", input="y\n").exit_code == 0
    response = client.post(LINKS, json=body, headers=bearer(key))
    assert response.status_code == 401 and response.json["error"] == "unauthorized"
    again = api_key("revoke", "mailer", "--yes")
    assert again.exit_code == 0 and "revoked already" in again.output
    assert api_key("create", "mailer", *BOTH_SCOPES).exit_code == 1  # a revoked name stays taken


def test_revoke_unknown_key_fails(api_key):
    result = api_key("revoke", "ghost", "--yes")
    assert result.exit_code == 1 and "no API key is named 'ghost'" in result.stderr


def test_authenticate_accepts_only_live_keys(db_session):
    key = keys.create_key(db_session, "mailer", tuple(keys.Scope))
    assert keys.authenticate(db_session, key).name == "mailer"
    for wrong in ("", key[:-1], key + "x", key.upper(), key[3:], "oo_" + "x" * 200, key + "\u00e6"):
        assert keys.authenticate(db_session, wrong) is None
    keys.revoke_key(db_session, "mailer")
    db_session.commit()
    assert keys.authenticate(db_session, key) is None


@ONE_DIALECT
@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", "Basic bWFpbGVyOnNlY3JldA==", "Token {key}", "Bearer wrong", "Bearer {key}x"],
)
@pytest.mark.parametrize("url", [FILTER, LINKS])
def test_every_authentication_failure_is_the_same_json_401(app, client, newsletter, url, authorization):
    key = create_key(app)
    headers = {} if authorization is None else {"Authorization": authorization.format(key=key)}
    response = client.post(url, json={"emails": ["kari@example.no"], "recipients": []}, headers=headers)
    assert response.status_code == 401
    assert response.mimetype == "application/json"
    assert response.json["error"] == "unauthorized" and response.json["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert key not in response.text


def test_revoked_key_gets_401(app, client, newsletter):
    key = create_key(app)
    with app.app_context():
        keys.revoke_key(get_session(), "mailer")
        get_session().commit()
    response = client.post(LINKS, json={"emails": []}, headers=bearer(key))
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")


@ONE_DIALECT
def test_the_scheme_is_case_insensitive(app, client, newsletter):
    key = create_key(app)
    response = client.post(LINKS, json={"emails": []}, headers={"Authorization": f"bearer {key}"})
    assert response.status_code == 200


@ONE_DIALECT
def test_authentication_comes_before_everything_else(client):
    for url in ("/api/v1/campaigns/ghost/filter", "/api/v1/campaigns/ghost/links"):
        response = client.post(url, data=b"x" * (2 * 1024 * 1024), content_type="text/plain")
        assert response.status_code == 401  # not 404, 413 or 415: nothing is told without a key


@ONE_DIALECT
def test_no_csrf_token_is_needed_and_no_cookie_is_ever_set(app, client, newsletter):
    assert app.config.get("WTF_CSRF_ENABLED", True)  # CSRF is on for the rest of the app
    key = create_key(app)
    responses = [
        client.post(FILTER, data="email\nkari@example.no\n", content_type="text/csv", headers=bearer(key)),
        client.post(FILTER, json={"recipients": [{"email": "kari@example.no"}]}, headers=bearer(key)),
        client.post(LINKS, json={"emails": ["kari@example.no"]}, headers=bearer(key)),
        client.post(LINKS, json={"emails": ["nope"]}, headers=bearer(key)),
        client.post(LINKS, data="x", content_type="text/plain", headers=bearer(key)),
        client.post(LINKS, json={"emails": []}),
        client.post("/api/v1/campaigns/ghost/links", json={"emails": []}, headers=bearer(key)),
        client.get("/api/v1/openapi.json"),
        client.get("/api/v1/nothing-here"),
    ]
    assert [r.status_code for r in responses] == [200, 200, 200, 422, 415, 401, 404, 200, 404]
    for response in responses:
        assert "Set-Cookie" not in response.headers
        response.close()
    assert client.get_cookie("optout_session") is None


@ONE_DIALECT
def test_neither_keys_nor_addresses_are_logged(app, client, newsletter, caplog):
    key = create_key(app)
    caplog.set_level(logging.DEBUG)
    with client.post(FILTER, data="email\nsecret.person@example.no\n", content_type="text/csv", headers=bearer(key)):
        pass
    client.post(LINKS, json={"emails": ["secret.person@example.no", "also not@valid"]}, headers=bearer(key))
    client.post(LINKS, json={"emails": []}, headers=bearer(key + "x"))
    logged = caplog.text + "".join(str(record.args) for record in caplog.records)
    assert key not in logged and "secret.person" not in logged and "also not" not in logged
