"""One person, several identities: ``optout recipient link`` / ``unlink``, choices that count across
a link in both directions, and a link that is a chained, exported ledger event yet no consent."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from optout.phones import phone_id
from tests.helpers.settings import ID_KEY
from tests.helpers.web import csrf_token

EMAIL, PHONE = "kari@example.no", "+47 982 60 580"


@pytest.fixture
def phone_pid():
    return phone_id(ID_KEY.encode(), "98260580").hex()


def _checked(html: str) -> set[str]:
    return set(re.findall(r'name="want" value="([^"]+)"[^>]*\bchecked\b', html.replace("\n", " ")))


def _show(optout, who: str) -> dict:
    result = optout("recipient", "show", who)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_link_and_unlink_are_chained_audited_and_said_once(optout, ledger, audit_log, pid_of, phone_pid):
    linked = optout("recipient", "link", " KARI@example.no", "98 26 05 80")
    assert linked.exit_code == 0 and linked.output.startswith("Linked")
    assert optout("recipient", "link", EMAIL, "0047 98260580").output.startswith("Already linked")
    assert optout("recipient", "unlink", EMAIL, PHONE).output.startswith("Unlinked")
    assert optout("recipient", "unlink", EMAIL, PHONE).output.startswith("Not linked")
    assert [(e["pid"], e["scope"], e["action"], e["source"]) for e in ledger()] == [
        (pid_of(EMAIL), f"link:{phone_pid}", "link", "cli"),
        (pid_of(EMAIL), f"link:{phone_pid}", "unlink", "cli"),
    ]
    assert [(actor, action, subject) for actor, action, subject, _data in audit_log()] == [
        ("cli", "identities-linked", pid_of(EMAIL)),
        ("cli", "identities-unlinked", pid_of(EMAIL)),
    ]
    verified = optout("ledger", "verify")
    assert verified.exit_code == 0 and "2 events" in verified.output
    exported = optout("export", "ledger", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert [(r["action"], r["scope"]) for r in rows] == [("link", f"link:{phone_pid}"), ("unlink", f"link:{phone_pid}")]


@pytest.mark.dialect_independent("CLI argument errors")
def test_link_refuses_a_bad_address_or_number_without_repeating_the_number(optout, ledger):
    bad_number = optout("recipient", "link", EMAIL, "12345")
    assert bad_number.exit_code == 2 and "12345" not in bad_number.output
    assert optout("recipient", "link", "not an address", PHONE).exit_code == 2
    assert ledger() == []


def test_a_link_records_no_choice_and_manufactures_no_consent(optout, choices, pid_of, phone_pid):
    optout("recipient", "link", EMAIL, PHONE)
    assert choices() == {}
    shown = _show(optout, PHONE)
    assert shown["phone"] == "+4798260580" and shown["pseudonymous_id"] == phone_pid
    assert shown["choices"] == {} and shown["receives"]["phone"] is False  # calls need an opt-in: none was given
    [other] = shown["linked"]
    assert (other["pseudonymous_id"], other["kind"], other["choices"]) == (pid_of(EMAIL), "email", {})
    assert [e["action"] for e in other["history"]] == ["link"]
    assert PHONE not in json.dumps(shown["linked"]) and EMAIL not in json.dumps(shown)


def test_a_calls_opt_out_on_the_email_page_stops_calls_to_the_linked_number(
    optout, client, links, make_campaign, phone_pid
):
    """Both directions: the number's opt-in to calls counts for the person (the email page shows it
    ticked), and unticking it there stops calls to the number; unlinking parts them again."""
    campaign = make_campaign("news", topic="periodic")
    optout("recipient", "link", EMAIL, PHONE)
    with client.application.app_context():
        from optout.consent import service as consent
        from optout.models import Action, Source
        from optout.web.session import get_session

        session = get_session()
        context = consent.DecisionContext(Source.IMPORT, "test")
        consent.decide(session, phone_pid, {"topic:phone": Action.OPT_IN}, context)
        session.commit()
    assert _show(optout, EMAIL)["receives"]["phone"] is True  # the number's opt-in counts for the person
    url = links(EMAIL, campaign).preferences_url
    page = client.get(url)
    assert (
        'value="topic:phone" checked' in page.text.replace("\n", " ").replace("  ", " ") or "topic:phone" in page.text
    )
    shown = [s for s in ("topic:periodic", "topic:partner-offers", "topic:phone") if f'value="{s}"' in page.text]
    data = {"csrf_token": csrf_token(page.text), "shown": shown, "want": ["topic:periodic"]}
    assert client.post(url, data=data, headers={"Referer": url}).status_code == 303
    by_number = _show(optout, PHONE)
    assert by_number["receives"]["phone"] is False and by_number["blocked_by"]["phone"] == "opted-out-topic"
    assert by_number["choices"]["topic:phone"] == "opt-out"
    optout("recipient", "unlink", EMAIL, PHONE)
    apart = _show(optout, PHONE)
    assert apart["choices"] == {"topic:phone": "opt-in"} and apart["receives"]["phone"] is True
    assert _show(optout, EMAIL)["choices"] == {"topic:phone": "opt-out"}


def test_deciding_again_on_one_identity_wins_over_a_later_choice_of_the_other(optout, pid_of, phone_pid, app):
    """An opt-out already stored for the address, overtaken by a later opt-in of the number, is made
    the person's latest again when it is given again: never lost as a no-op."""
    from optout.consent import service as consent
    from optout.models import Action, Source
    from optout.web.session import get_session

    optout("recipient", "link", EMAIL, PHONE)
    with app.app_context():
        session = get_session()
        context = consent.DecisionContext(Source.CLI, "test")
        consent.decide(session, pid_of(EMAIL), {"topic:phone": Action.OPT_OUT}, context)
        session.commit()
        consent.decide(session, phone_pid, {"topic:phone": Action.OPT_IN}, context)
        session.commit()
        assert consent.choices_of(session, pid_of(EMAIL)).status("topic:phone") == "opt-in"
        again = consent.decide(session, pid_of(EMAIL), {"topic:phone": Action.OPT_OUT}, context)
        session.commit()
        assert again.actions == (("topic:phone", Action.OPT_OUT),)
        assert consent.choices_of(session, phone_pid).status("topic:phone") == "opt-out"
        repeat = consent.decide(session, pid_of(EMAIL), {"topic:phone": Action.OPT_OUT}, context)
        assert not repeat  # now the person's latest: a repeat records nothing
