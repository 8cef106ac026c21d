"""``optout topic list`` and ``optout topic edit``: topics are data, named after what the emails
are; an edit is checked, audited with its old and new text, and reaches the recipient's pages."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from optout.cli import cli

FIELDS = ("name_nb", "name_en", "description_nb", "description_en")


@pytest.fixture
def topics_restored(app):
    """The seeded topics' texts are put back afterwards: the test database keeps its topics."""
    engine = app.extensions["optout.db"].engine
    with engine.connect() as conn:
        saved = [
            dict(row._mapping)
            for row in conn.execute(text("SELECT key, name_nb, name_en, description_nb, description_en FROM topic"))
        ]
    yield
    with engine.begin() as conn:
        for row in saved:
            conn.execute(
                text(
                    "UPDATE topic SET name_nb = :name_nb, name_en = :name_en, description_nb = :description_nb,"
                    " description_en = :description_en WHERE key = :key"
                ),
                row,
            )


def _topics(optout) -> dict[str, dict]:
    result = optout("topic", "list")
    assert result.exit_code == 0, result.output
    return {row["key"]: row for row in map(json.loads, result.output.splitlines())}


def test_list_prints_every_topic_with_its_texts_in_both_languages(optout):
    topics = _topics(optout)
    assert list(topics) == ["periodic", "partner-offers", "phone"]
    assert topics["phone"]["channel"] == "phone" and topics["phone"]["basis"] == "consent"
    assert all(topics["periodic"][field] for field in FIELDS)


def test_edit_one_text_leaves_the_others_and_is_audited(optout, audit_log, topics_restored):
    before = _topics(optout)["periodic"]
    result = optout("topic", "edit", "periodic", "--name-nb", "  Nyhetsbrevet fra Mesier ")
    assert result.exit_code == 0, result.output
    assert result.output == "Topic periodic changed: name-nb.\n"
    after = _topics(optout)["periodic"]
    assert after["name_nb"] == "Nyhetsbrevet fra Mesier"
    assert {field: after[field] for field in FIELDS[1:]} == {field: before[field] for field in FIELDS[1:]}
    [entry] = audit_log()
    assert entry == (
        "cli",
        "topic-edited",
        None,
        {
            "topic": "periodic",
            "before": {"name_nb": before["name_nb"]},
            "after": {"name_nb": "Nyhetsbrevet fra Mesier"},
        },
    )


def test_edit_every_text_at_once_reaches_the_recipients_pages(optout, client, links, make_campaign, topics_restored):
    result = optout(
        "topic",
        "edit",
        "phone",
        "--name-nb",
        "Oppringinger fra kundeservice",
        "--name-en",
        "Calls from customer service",
        "--description-nb",
        "Vi ringer deg om bestillingene dine.",
        "--description-en",
        "We call you about your orders.",
    )
    assert result.exit_code == 0, result.output
    assert result.output == "Topic phone changed: name-nb, name-en, description-nb, description-en.\n"
    campaign = make_campaign("news", topic="periodic", lang="en")
    page = client.get(links("kari@example.no", campaign).preferences_url).text
    assert "Calls from customer service" in page and "We call you about your orders." in page


def test_the_same_text_again_changes_nothing_and_records_nothing(optout, audit_log, topics_restored):
    current = _topics(optout)["periodic"]["name_en"]
    result = optout("topic", "edit", "periodic", "--name-en", current)
    assert result.exit_code == 0 and "unchanged" in result.output
    assert audit_log() == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope", "--name-nb", "X"], "unknown topic 'nope' (known: periodic, partner-offers, phone)"),
        (["periodic"], "give at least one of --name-nb, --name-en, --description-nb, --description-en"),
        (["periodic", "--name-en", "   "], "--name-en is empty"),
        (["periodic", "--name-nb", "N" * 201], "--name-nb is 201 characters long; at most 200 fit"),
        (["periodic", "--description-en", "D" * 1001], "--description-en is 1001 characters long; at most 1000"),
        (["periodic", "--description-nb", "two\nlines"], "--description-nb must be one line"),
    ],
)
def test_edit_errors_are_clear_exit_2_and_change_nothing(optout, audit_log, topics_restored, args, message):
    before = _topics(optout)
    result = optout("topic", "edit", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert _topics(optout) == before and audit_log() == []


def test_edit_is_listed_in_the_help(runner):
    result = runner.invoke(cli, ["topic", "--help"])
    assert "edit" in result.output and "list" in result.output


def test_an_edit_reads_plainly_in_the_consoles_audit_trail(optout, app, topics_restored):
    from tests.helpers.officers import console, log_in

    assert optout("topic", "edit", "phone", "--name-en", "Recorded calls").exit_code == 0
    assert optout("officer", "add", "personvern@example.no", input="a long enough pass\n" * 2).exit_code == 0
    client = app.test_client()
    log_in(client, "personvern@example.no", "a long enough pass")
    english = client.get(console("/audit?lang=en")).text
    assert "Category texts changed" in english and "Category Recorded calls: name-en" in english
    norwegian = client.get(console("/audit?lang=nb")).text
    assert (
        "Tekstene til en kategori er endret" in norwegian
        and "Kategori Oppringinger med innspilt melding: name-en" in norwegian
    )
