"""The officer's look-up names a pause in words: the verdict «Har satt all e-post på pause», the
choice and the ledger action «Satt på pause», never the raw codes."""

from __future__ import annotations

import datetime as dt
import json

from optout.consent import pause as pausing
from optout.consent import service as consent
from optout.identity import pseudonymous_id
from optout.models import Source
from optout.web.session import get_session
from tests.helpers.officers import post
from tests.helpers.settings import ID_KEY


def test_lookup_shows_a_pause_in_words(app, signed_in):
    with app.app_context():
        session = get_session()
        pid = pseudonymous_id(ID_KEY.encode(), "kari@example.no").hex()
        change = pausing.pause(
            session, pid, 1, consent.DecisionContext(Source.PREFERENCE_PAGE, "test"), today=dt.date(2026, 12, 1)
        )
        session.commit()
    assert change
    html = post(signed_in, "/lookup", {"email": "kari@example.no"}).text
    assert "Nyhetsbrev fra Mesier: <strong>nei</strong> (Har satt all e-post på pause)" in html
    assert "Pause av all e-post" in html and "Satt på pause" in html
    assert "paused" not in html and ">pause<" not in html
    assert "Satt på pause (til og med 1. januar 2027)" in html  # the pause's last day, in words


def test_the_access_package_gives_a_pause_its_last_day(app, optout, tmp_path):
    with app.app_context():
        session = get_session()
        pid = pseudonymous_id(ID_KEY.encode(), "kari@example.no").hex()
        pausing.pause(
            session, pid, 3, consent.DecisionContext(Source.PREFERENCE_PAGE, "test"), today=dt.date(2026, 12, 1)
        )
        session.commit()
    out = tmp_path / "package.json"
    assert optout("subject", "export", "kari@example.no", "--output", str(out)).exit_code == 0
    data = json.loads(out.read_text())
    assert [c["ends_on"] for c in data["current_choices"] if c["scope"] == "pause:email"] == ["2027-03-01"]
    assert [e["ends_on"] for e in data["history"] if e["action"] == "pause"] == ["2027-03-01"]
    html = tmp_path / "package.html"
    again = (
        "subject",
        "export",
        "kari@example.no",
        "--format",
        "html",
        "--output",
        str(html),
        "--reason",
        "the letter too",
    )
    assert optout(*again).exit_code == 0
    text = html.read_text()
    assert "(til og med 1. mars 2027)" in text and "(until and including 1 March 2027)" in text
