"""What «Dine valg» shows as "you get" agrees with the filter, for generated states.

For random recorded choices (every scope the page and the filter read), a pause of 1, 3 or 6
months and some days passed since, the page's status line, its ticks and its partner box are
compared with what ``optout filter`` keeps for that person, campaign by campaign: nothing is
listed as received that the filter drops, nothing dropped is listed, and a tick differs from the
filter only while a stop of everything or a pause holds the topic back (then the filter drops
it). No model: page and filter are asked directly. Each example is a new address, so examples
share the database but no person.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optout import dates
from tests.helpers.phones import decide_number
from tests.helpers.web import csrf_token

# slug: (topic, partner, the topic's English name)
CAMPAIGNS = {
    "newsletter": ("periodic", None, "Mesier newsletter"),
    "offer": ("partner-offers", "acme", "Offers from our partners"),
    "calls": ("phone", None, "Pre-recorded phone calls"),
}
SCOPES = [
    "everything",
    "channel:email",
    "channel:phone",
    "partner:acme",
    "topic:periodic",
    "topic:partner-offers",
    "topic:phone",
]
CALLEE = "+47 982 60 580"  # a call list's number, with a standing opt-in to calls
START = dt.date(2027, 1, 31)
_people = itertools.count()


@pytest.fixture
def campaigns(make_campaign, app):
    made = {slug: make_campaign(slug, topic=topic, partner=partner) for slug, (topic, partner, _n) in CAMPAIGNS.items()}
    decide_number(app, CALLEE, "topic:phone")
    return made


def _kept(optout, tmp_path, email: str, campaign: str) -> bool:
    path = tmp_path / "list.csv"
    if CAMPAIGNS[campaign][0] == "phone":  # a call list: its number may be called, so the address decides
        path.write_text(f"phone,email\n{CALLEE},{email}\n")
    else:
        path.write_text(f"email\n{email}\n")
    result = optout("filter", "--campaign", campaign, str(path))
    assert result.exit_code == 0, result.output
    return email in result.stdout


def _ticks(html: str) -> set[str]:
    return set(re.findall(r'name="want" value="([^"]+)"[^>]*\bchecked\b', html.replace("\n", " ")))


def _now(html: str) -> tuple[set[str], str]:
    line = re.search(r'<p class="now" id="now">(.*?)</p>', html, re.S).group(1)
    found = re.search(r"You now get: (.*?)\.(?: You do not get|$)", line)
    return (set(found.group(1).split(", ")) if found else set()), line


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    recorded=st.dictionaries(st.sampled_from(SCOPES), st.sampled_from(["opt-in", "opt-out"]), max_size=5),
    months=st.sampled_from([None, 1, 3, 6]),
    later=st.sampled_from([0, 27, 28, 29, 95, 200]),
)
def test_the_page_says_you_get_exactly_what_the_filter_keeps(
    client, links, decide, optout, campaigns, tmp_path, monkeypatch, recorded, months, later
):
    email = f"person{next(_people)}@example.no"
    for scope, action in recorded.items():
        decide(email, scope, action)
    monkeypatch.setattr(dates, "today", lambda: START)
    if months is not None:
        url = links(email, campaigns["newsletter"]).preferences_url
        page = client.get(url)
        data = {"csrf_token": csrf_token(page.text), "months": str(months)}
        assert client.post(url + "/pause", data=data, headers={"Referer": url}).status_code == 303
    today = START + dt.timedelta(days=later)
    monkeypatch.setattr(dates, "today", lambda: today)
    paused = months is not None and today <= dates.add_months(START, months)
    stopped = recorded.get("everything") == "opt-out"
    kept = {slug: _kept(optout, tmp_path, email, slug) for slug in CAMPAIGNS}

    for slug, (topic, partner, name) in CAMPAIGNS.items():
        html = client.get(links(email, campaigns[slug]).preferences_url + "?lang=en").text
        getting, line = _now(html)
        ticks = _ticks(html)
        if partner is None:  # the page's line is per topic: the topic's own campaign is its test
            assert (name in getting) == kept[slug], (slug, line)
        held_back = stopped or (paused and topic != "phone")
        if held_back:  # a stop or a pause holds it back, whatever the tick says comes after it
            assert not kept[slug], (slug, line)
        if stopped:
            assert 'name="want"' not in html
            continue
        tick = f"topic:{topic}" in ticks
        if partner is not None:  # the partner box: shown under a ticked parent, ticked if this partner may send
            tick = tick and f"partner:{partner}" in ticks
        assert tick == kept[slug] or (held_back and not kept[slug]), (slug, ticks, kept)
