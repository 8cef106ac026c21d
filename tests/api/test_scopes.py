"""API key scopes and the audit of every API call: a key does only what its scopes name, and each
call by a key leaves an entry of counts (never an address or an id) in the console's audit trail."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import inspect, text

from optout import create_app, schema
from optout.api import Scope
from optout.cli.api_keys import api_key_group
from tests.api import bearer, create_key
from tests.helpers.settings import settings_for

FILTER = "/api/v1/campaigns/newsletter/filter"
LINKS = "/api/v1/campaigns/newsletter/links"


@pytest.fixture
def newsletter(make_campaign):
    return make_campaign("newsletter", topic="periodic")


def test_a_key_is_created_with_at_least_one_scope_and_listed_with_them(runner):
    refused = runner.invoke(api_key_group, ["create", "mailer"])
    assert refused.exit_code == 2 and "--scope" in refused.output
    unknown = runner.invoke(api_key_group, ["create", "mailer", "--scope", "everything"])
    assert unknown.exit_code == 2
    made = runner.invoke(api_key_group, ["create", "mailer", "--scope", "links"])
    assert made.exit_code == 0 and "scopes: links" in made.stderr
    assert runner.invoke(api_key_group, ["create", "both", "--scope", "links", "--scope", "filter"]).exit_code == 0
    listed = [json.loads(line) for line in runner.invoke(api_key_group, ["list"]).stdout.splitlines()]
    assert [(k["name"], k["scopes"]) for k in listed] == [("mailer", ["links"]), ("both", ["filter", "links"])]


def test_a_call_outside_the_keys_scope_is_403_in_the_apis_error_format(app, client, newsletter, audit_log):
    links_only = create_key(app, "links-only", (Scope.LINKS,))
    filter_only = create_key(app, "filter-only", (Scope.FILTER,))
    refused = client.post(FILTER, json={"recipients": [{"email": "kari@example.no"}]}, headers=bearer(links_only))
    assert refused.status_code == 403 and refused.json["error"] == "insufficient-scope"
    assert "filter" in refused.json["message"] and refused.headers["Cache-Control"] == "no-store"
    assert client.post(LINKS, json={"emails": ["kari@example.no"]}, headers=bearer(links_only)).status_code == 200
    refused = client.post(LINKS, json={"emails": ["kari@example.no"]}, headers=bearer(filter_only))
    assert refused.status_code == 403 and refused.json["error"] == "insufficient-scope"
    filtered = client.post(FILTER, json={"recipients": [{"email": "kari@example.no"}]}, headers=bearer(filter_only))
    assert filtered.status_code == 200
    assert [(who, data["status"]) for who, _what, _pid, data in audit_log()] == [
        ("api:links-only", 403),
        ("api:links-only", 200),
        ("api:filter-only", 403),
        ("api:filter-only", 200),
    ]


def test_every_api_call_is_audited_as_counts(app, client, newsletter, decide, audit_log):
    key = create_key(app)
    decide("gone@example.no", "everything")
    people = [{"email": "kari@example.no"}, {"email": "gone@example.no"}]
    assert client.post(FILTER, json={"recipients": people}, headers=bearer(key)).status_code == 200
    csv_body = "email\nkari@example.no\ngone@example.no\nola@example.no\n"
    assert client.post(FILTER, data=csv_body, content_type="text/csv", headers=bearer(key)).status_code == 200
    minted = client.post(LINKS, json={"emails": ["kari@example.no", "ola@example.no"]}, headers=bearer(key))
    assert minted.status_code == 200
    assert client.post(LINKS, json={"emails": ["kari@example.no", "no"]}, headers=bearer(key)).status_code == 422
    ghost = "/api/v1/campaigns/kari@example.no/links"
    assert client.post(ghost, json={"emails": []}, headers=bearer(key)).status_code == 404
    assert client.post(LINKS, json={"emails": []}).status_code == 401  # no key: nobody to name
    json_call = {"campaign": "newsletter", "media": "application/json"}
    assert audit_log() == [
        ("api:mailer", "api-filter", None, {**json_call, "rows_read": 2, "rows_kept": 1, "status": 200}),
        (
            "api:mailer",
            "api-filter",
            None,
            {**json_call, "media": "text/csv", "rows_read": 3, "rows_kept": 2, "status": 200},
        ),
        ("api:mailer", "api-links", None, {**json_call, "links": 2, "status": 200}),
        ("api:mailer", "api-links", None, {**json_call, "refused": "unusable-body", "status": 422}),
        (
            "api:mailer",
            "api-links",
            None,
            {**json_call, "campaign": None, "refused": "unknown-campaign", "status": 404},
        ),
    ]


def test_optout_links_audits_how_many_links_it_minted(app, optout, newsletter, audit_log, pid_of):
    result = optout("links", "--campaign", "newsletter", "kari@example.no", "ola@example.no")
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 2
    assert audit_log() == [("cli", "links-minted", None, {"campaign": "newsletter", "links": 2})]
    assert pid_of("kari@example.no") not in str(audit_log())


def test_keys_made_before_scopes_keep_both_and_keep_working(tmp_path):
    app = create_app(settings_for(f"sqlite:///{tmp_path}/old.sqlite3"))
    engine = app.extensions["optout.db"].engine
    schema.upgrade(engine, "0006")
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO api_key (name, key_hash, created_at) VALUES ('old', :hash, '2026-01-01 10:00:00')"),
            {"hash": "ab" * 32},
        )
    schema.upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT scopes FROM api_key")).scalars().all() == ["filter links"]
    listed = json.loads(app.test_cli_runner().invoke(api_key_group, ["list"]).stdout)
    assert listed["scopes"] == ["filter", "links"]
    config = schema.alembic_config(engine.url.render_as_string(hide_password=False))
    from alembic import command

    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0006")
    with engine.connect() as conn:
        assert "scopes" not in {column["name"] for column in inspect(conn).get_columns("api_key")}
    engine.dispose()
