"""What the two requests people wait for ask of the database (bench/web.py measures them): a page
view of a recipient who never chose reads once, a one-click runs four statements under the
ledger lock (lock the head, upsert the choice, insert the event, move the head), on both databases."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from sqlalchemy import event

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


@pytest.fixture
def campaign(make_campaign):
    return make_campaign("newsletter", topic="periodic", lang="nb")


@contextlib.contextmanager
def statements(app) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        words = statement.split()
        if "policy_version" not in words[1]:  # a test app reads the policy each time, a server once a minute
            seen.append(words[0].upper())

    engine = app.extensions["optout.db"].engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_a_page_view_of_a_recipient_who_never_chose_reads_the_database_once(app, client, links, campaign):
    client.get(links("kari@example.no", campaign).preferences_url)  # the first one also reads the catalog
    with statements(app) as seen:
        assert client.get(links("ola@example.no", campaign).preferences_url).status_code == 200
    assert seen == ["SELECT"]


def test_a_one_click_runs_four_statements_under_the_ledger_lock(app, client, links, campaign, ledger):
    client.post(links("kari@example.no", campaign).unsubscribe_url, data=ONE_CLICK)
    with statements(app) as seen:
        assert client.post(links("ola@example.no", campaign).unsubscribe_url, data=ONE_CLICK).status_code == 200
    assert seen == ["UPDATE", "INSERT", "INSERT", "UPDATE"]
    assert len(ledger()) == 2
    with statements(app) as again:  # a repeat changes nothing: it also asks whether a linked identity chose since
        client.post(links("ola@example.no", campaign).unsubscribe_url, data=ONE_CLICK)
    assert again == ["UPDATE", "INSERT", "SELECT"] and len(ledger()) == 2
