"""The officer's look-up names a pause in words: the verdict «Har satt all e-post på pause», the
choice and the ledger action «Satt på pause», never the raw codes."""

from __future__ import annotations

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
        pausing.pause(session, pid, 1, consent.DecisionContext(Source.PREFERENCE_PAGE, "test"))
        session.commit()
    html = post(signed_in, "/lookup", {"email": "kari@example.no"}).text
    assert "Nyhetsbrev fra Mesier: <strong>nei</strong> (Har satt all e-post på pause)" in html
    assert "Pause av all e-post" in html and "Satt på pause" in html
    assert "paused" not in html and ">pause<" not in html
