"""``optout officer add|password|remove|list``: a hidden, confirmed password prompt; argon2id hashes only."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from tests.helpers.officers import EMAIL, PASSWORD, log_in

# The outcome of these tests cannot depend on the dialect: they run on SQLite only.
ONE_DIALECT = pytest.mark.dialect_independent("CLI prompts and argument errors")

GOOD = "a long enough password"


def _hashes(app) -> dict[str, str]:
    with app.extensions["optout.db"].engine.connect() as conn:
        return dict(conn.execute(text("SELECT email, password_hash FROM officer")).all())


def test_add_asks_twice_and_stores_only_an_argon2id_hash(app, optout, client, audit_log):
    result = optout("officer", "add", "Personvern@Example.no", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Officer personvern@example.no added" in result.output
    assert PASSWORD not in result.output  # the prompt does not echo
    stored = _hashes(app)[EMAIL]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert audit_log() == [("cli", "officer-added", None, {"officer": EMAIL})]
    assert log_in(client).status_code == 303


@ONE_DIALECT
def test_add_asks_again_for_a_short_or_mismatched_password(app, optout):
    answers = f"too short\n{GOOD}\nsomething else entirely\n{GOOD}\n{GOOD}\n"
    result = optout("officer", "add", EMAIL, input=answers)
    assert result.exit_code == 0, result.output
    assert "at least 12 characters" in result.output
    assert "do not match" in result.output
    assert EMAIL in _hashes(app)


def test_add_refuses_a_second_account_before_asking(optout):
    optout("officer", "add", EMAIL, input=f"{GOOD}\n{GOOD}\n")
    result = optout("officer", "add", EMAIL.upper())
    assert result.exit_code == 1
    assert "exists already" in result.output and "Password" not in result.output


@ONE_DIALECT
def test_add_refuses_what_is_not_an_address(optout):
    result = optout("officer", "add", "not-an-address")
    assert result.exit_code == 2 and "not an email address" in result.output


def test_list_shows_accounts_without_hashes(optout):
    optout("officer", "add", EMAIL, input=f"{GOOD}\n{GOOD}\n")
    lines = [json.loads(line) for line in optout("officer", "list").output.splitlines()]
    assert [line["email"] for line in lines] == [EMAIL]
    assert lines[0]["failed_logins"] == 0 and lines[0]["locked_until"] is None
    assert "argon2" not in json.dumps(lines)


def test_remove_asks_first_and_then_deletes(app, optout, audit_log):
    optout("officer", "add", EMAIL, input=f"{GOOD}\n{GOOD}\n")
    kept = optout("officer", "remove", EMAIL, input="n\n")
    assert kept.exit_code == 1 and EMAIL in _hashes(app)
    result = optout("officer", "remove", EMAIL, "--yes")
    assert result.exit_code == 0 and f"Officer {EMAIL} removed" in result.output
    assert _hashes(app) == {}
    assert audit_log()[-1] == ("cli", "officer-removed", None, {"officer": EMAIL})
    again = optout("officer", "remove", EMAIL, "--yes")
    assert again.exit_code == 1 and "no officer has the address" in again.output


def test_password_sets_a_new_one_lifts_the_lock_and_ends_logins(app, optout, client, audit_log):
    optout("officer", "add", EMAIL, input=f"{PASSWORD}\n{PASSWORD}\n")
    assert log_in(client).status_code == 303
    with app.extensions["optout.db"].engine.begin() as conn:
        conn.execute(text("UPDATE officer SET failed_logins = 5, locked_until = '2099-01-01 00:00:00'"))
    result = optout("officer", "password", EMAIL, input=f"{GOOD}\n{GOOD}\n")
    assert result.exit_code == 0, result.output
    assert GOOD not in result.output
    assert client.get("https://optout.example.no/officer/").status_code == 302  # the old login ended
    assert log_in(client, EMAIL, PASSWORD).status_code == 200  # the old password no longer works
    assert log_in(client, EMAIL, GOOD).status_code == 303  # and the lock is gone
    assert ("cli", "password-set", None, {"officer": EMAIL}) in audit_log()


@ONE_DIALECT
def test_password_refuses_an_unknown_officer_before_asking(optout):
    result = optout("officer", "password", EMAIL)
    assert result.exit_code == 1
    assert "no officer has the address" in result.output and "Password" not in result.output
