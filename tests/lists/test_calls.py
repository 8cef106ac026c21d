"""``optout filter`` for a phone campaign: a call list of numbers in any spelling, its rows kept only
with a standing opt-in for the number (the seeded ``phone`` topic's basis is consent), an ``email``
column checked too, and each kept row given its number in E.164 instead of links; in one process
and with workers alike (the ``run`` fixture)."""

from __future__ import annotations

import pytest

from tests.helpers.phones import decide_number

SPELLINGS = ["+47 982 60 580", "98260580", "0047 98 26 05 80", "(+47) 98 26 05 80"]


@pytest.fixture
def calls(make_campaign, app):
    campaign = make_campaign("calls", topic="phone")
    decide_number(app, "+4798260580", "topic:phone")
    return campaign


def _nonzero(summary):
    return {reason: count for reason, count in summary["dropped"].items() if count}


def test_every_spelling_of_a_number_is_one_recipient(run, calls):
    text = "phone,first_name,note\n" + "".join(f'{number},Kari,"a, ""quoted"" note"\n' for number in SPELLINGS)
    result, rows, summary = run(text, "calls")
    assert result.exit_code == 0, result.output
    assert rows == [
        {"phone": "+47 982 60 580", "first_name": "Kari", "note": 'a, "quoted" note', "phone_e164": "+4798260580"}
    ]
    assert summary["rows_read"] == 4 and summary["rows_kept"] == 1
    assert _nonzero(summary) == {"duplicate": 3}


def test_a_number_that_cannot_exist_is_invalid_never_a_new_person(run, calls):
    text = 'phone\n12\nnot a number\n""\n+47 982 60 58\n+999 1234 5678\n' + "9" * 60 + "\n98260580\n"
    _result, rows, summary = run(text, "calls")
    assert [row["phone_e164"] for row in rows] == ["+4798260580"]
    assert _nonzero(summary) == {"invalid-number": 6}


def test_a_number_is_called_only_with_a_standing_opt_in(run, calls, app):
    decide_number(app, "+47 412 34 567", "topic:phone")
    decide_number(app, "+47 412 34 567", "topic:phone", "opt-out")  # withdrawn
    decide_number(app, "+47 415 55 555", "channel:phone", "opt-out")
    decide_number(app, "+46 70 123 45 67", "topic:phone")  # a Swedish number, written internationally
    text = "phone\n41234567\n41555555\n22 22 22 22\n+46701234567\n98260580\n"
    _result, rows, summary = run(text, "calls")
    assert [row["phone_e164"] for row in rows] == ["+46701234567", "+4798260580"]
    assert _nonzero(summary) == {"opted-out-topic": 1, "opted-out-channel": 1, "no-consent": 1}


def test_an_email_column_is_checked_too_and_both_must_be_sendable(run, calls, app, decide):
    for number in ("+4741234567", "+4741555555", "+4741666666"):
        decide_number(app, number, "topic:phone")
    decide("kari@example.no", "topic:phone", "opt-in")
    decide("stopped@example.no", "everything")
    decide("stopped@example.no", "topic:phone", "opt-in")
    decide_number(app, "+4741777777", "topic:phone", "opt-out")
    text = (
        "phone,email\n"
        "98260580,kari@example.no\n"  # both opted in: kept
        "41234567,stopped@example.no\n"  # the address stopped everything
        "41555555,never-asked@example.no\n"  # the address never agreed to calls
        "41666666,\n"  # no address on the row: the number decides alone
        "41777777,stopped@example.no\n"  # both blocked: the number's reason
        "41888888,not an address\n"
    )
    _result, rows, summary = run(text, "calls")
    assert [(row["phone_e164"], row["email"]) for row in rows] == [
        ("+4798260580", "kari@example.no"),
        ("+4741666666", ""),
    ]
    assert _nonzero(summary) == {
        "opted-out-everything": 1,
        "no-consent": 1,
        "opted-out-topic": 1,
        "invalid-address": 1,
    }


def test_an_opt_out_of_everything_recorded_for_the_number_drops_it(run, calls, app):
    decide_number(app, "0047 98 26 05 80", "everything", "opt-out")
    _result, rows, summary = run("phone\n(+47) 98 26 05 80\n", "calls")
    assert rows == [] and _nonzero(summary) == {"opted-out-everything": 1}


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        ("email,name", "no phone column"),
        ("phone,phone_e164", "already has a column named phone_e164"),
    ],
)
def test_a_call_list_needs_a_phone_column_and_no_phone_e164(run, calls, header, problem):
    result, rows, _summary = run(f"{header}\n98260580,x\n", "calls")
    assert result.exit_code == 1 and problem in result.output
    assert not rows


def test_a_phone_campaign_has_no_links(optout, calls):
    result = optout("links", "--campaign", "calls", "kari@example.no")
    assert result.exit_code == 2 and "a phone campaign has no links" in result.output
