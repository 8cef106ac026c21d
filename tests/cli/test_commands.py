"""The CLI: catalog commands, links for a mail merge, one recipient's record."""

from __future__ import annotations

import json

import pytest

from tests.helpers.settings import BASE_URL

# The outcome of these tests cannot depend on the dialect: they run on SQLite only.
ONE_DIALECT = pytest.mark.dialect_independent("CLI argument errors")


def _lines(result) -> list[dict]:
    return [json.loads(line) for line in result.output.splitlines() if line.strip()]


def test_partner_and_campaign_add_and_list(optout):
    assert optout("partner", "add", "fjordreiser", "--name", "Fjordreiser AS").exit_code == 0
    result = optout("campaign", "add", "fjord-spring", "--topic", "partner-offers", "--partner", "fjordreiser")
    assert result.exit_code == 0, result.output
    assert optout("campaign", "add", "news", "--topic", "periodic", "--lang", "en").exit_code == 0
    listed = _lines(optout("campaign", "list"))
    assert listed == [
        {"slug": "fjord-spring", "topic": "partner-offers", "lang": "nb", "partner": "fjordreiser"},
        {"slug": "news", "topic": "periodic", "lang": "en", "partner": None},
    ]
    assert _lines(optout("partner", "list")) == [{"slug": "fjordreiser", "name": "Fjordreiser AS"}]
    assert [t["key"] for t in _lines(optout("topic", "list"))] == ["periodic", "partner-offers", "phone"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["campaign", "add", "x", "--topic", "nope"], "unknown topic 'nope'"),
        (["campaign", "add", "x", "--topic", "periodic", "--partner", "ghost"], "unknown partner 'ghost'"),
        (["campaign", "add", "x", "--topic", "periodic", "--partner", "acme"], "must be a partner-offers topic"),
        (["campaign", "add", "x", "--topic", "partner-offers"], "give --partner"),
        (["campaign", "add", "Bad Slug!", "--topic", "periodic"], "not a valid slug"),
        (["campaign", "add", "dup", "--topic", "periodic"], "exists already"),
        (["partner", "add", "acme", "--name", "Again"], "exists already"),
    ],
)
def test_catalog_errors_are_clear_and_exit_non_zero(optout, args, message):
    optout("partner", "add", "acme", "--name", "Acme AS")
    optout("campaign", "add", "dup", "--topic", "periodic")
    result = optout(*args)
    assert result.exit_code != 0
    assert message in result.output


@ONE_DIALECT
def test_campaign_with_unknown_language_is_a_usage_error(optout):
    result = optout("campaign", "add", "x", "--topic", "periodic", "--lang", "de")
    assert result.exit_code == 2


def test_links_prints_a_json_object_per_address_whose_links_work(optout, client, ledger):
    optout("campaign", "add", "news", "--topic", "periodic")
    result = optout("links", "--campaign", "news", "Kari@Example.no", "ola@example.no")
    assert result.exit_code == 0, result.output
    first, second = _lines(result)
    assert first["email"] == "kari@example.no" and second["email"] == "ola@example.no"
    assert first["list_unsubscribe"] == f"<{first['unsubscribe_url']}>"
    assert first["list_unsubscribe_post"] == "List-Unsubscribe=One-Click"
    assert first["unsubscribe_url"].startswith(f"{BASE_URL}/u/")
    assert first["preferences_url"].startswith(f"{BASE_URL}/p/")
    for url in (first["unsubscribe_url"], first["preferences_url"]):
        assert "kari" not in url and "@" not in url and len(url) < 110
    assert client.get(first["preferences_url"]).status_code == 200
    assert client.post(first["unsubscribe_url"], data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert len(ledger()) == 1


def test_links_in_english(optout, client):
    optout("campaign", "add", "news", "--topic", "periodic")
    [line] = _lines(optout("links", "--campaign", "news", "--lang", "en", "kari@example.no"))
    assert '<html lang="en">' in client.get(line["preferences_url"]).text


@ONE_DIALECT
def test_links_refuse_bad_addresses_and_unknown_campaigns(optout):
    optout("campaign", "add", "news", "--topic", "periodic")
    bad = optout("links", "--campaign", "news", "kari@example.no", "not-an-address")
    assert bad.exit_code == 2 and "not-an-address" in bad.output and 'kari@example.no"' not in bad.output
    unknown = optout("links", "--campaign", "ghost", "kari@example.no")
    assert unknown.exit_code == 1 and "unknown campaign 'ghost'" in unknown.output


def test_recipient_show_prints_choices_and_history(optout, client, pid_of):
    optout("campaign", "add", "news", "--topic", "periodic")
    [line] = _lines(optout("links", "--campaign", "news", "kari@example.no"))
    client.post(line["unsubscribe_url"], data={"List-Unsubscribe": "One-Click"})
    result = optout("recipient", "show", " KARI@example.no ")
    assert result.exit_code == 0
    shown = json.loads(result.output)
    assert shown["pseudonymous_id"] == pid_of("kari@example.no")
    assert shown["choices"] == {"topic:periodic": "opt-out"}
    assert shown["receives"] == {"periodic": False, "partner-offers": False, "phone": False}
    [event] = shown["history"]
    assert (event["scope"], event["action"], event["source"], event["campaign"], event["lang"]) == (
        "topic:periodic",
        "opt-out",
        "one-click",
        "news",
        "nb",
    )
    assert event["at"].endswith("+00:00")


def test_recipient_show_for_someone_never_seen(optout):
    shown = json.loads(optout("recipient", "show", "nobody@example.no").output)
    assert shown["choices"] == {} and shown["history"] == []
    assert shown["receives"] == {"periodic": True, "partner-offers": False, "phone": False}


def test_recipient_opt_out_from_the_cli(optout, ledger):
    result = optout("recipient", "opt-out", "kari@example.no", "--scope", "channel:phone")
    assert result.exit_code == 0 and "channel:phone" in result.output
    again = optout("recipient", "opt-out", "kari@example.no", "--scope", "channel:phone")
    assert "nothing" in again.output
    assert [(e["scope"], e["source"]) for e in ledger()] == [("channel:phone", "cli")]
    assert optout("recipient", "opt-out", "kari@example.no", "--scope", "topic:ghost").exit_code == 2


@ONE_DIALECT
def test_keys_generate_prints_usable_keys(optout):
    result = optout("keys", "generate")
    lines = dict(line.split("=", 1) for line in result.output.splitlines())
    assert set(lines) == {"OPTOUT_SECRET_KEYS", "OPTOUT_ID_KEY"} and all(len(v) >= 32 for v in lines.values())
