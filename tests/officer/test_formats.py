"""The console's dates and times: en-GB in English, «kl. 14.14» in bokmål, and due days in words."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import text

from optout.dates import add_months
from optout.formats import long_date
from tests.helpers.officers import console, post


def test_the_console_writes_en_gb_dates_and_times(signed_in):
    post(signed_in, "/requests", {"email": "kari@example.no", "received": "", "reason": ""})
    english = signed_in.get(console("/requests?lang=en")).text
    assert re.search(r"<time datetime=\"[0-9T:.+-]+\">\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d</time>", english)
    assert not re.search(r"\d{1,2}/\d{1,2}/\d{2},", english)  # no US "12/1/26, 2:14 PM"
    norwegian = signed_in.get(console("/requests?lang=nb")).text
    assert re.search(r"\">\d{1,2}\. [a-z]{3}\. \d{4} kl\. \d\d\.\d\d</time>", norwegian)


def test_a_registered_request_names_its_due_day_in_words(signed_in):
    done = post(signed_in, "/requests", {"email": "kari@example.no", "received": "2026-01-10", "reason": ""})
    assert "Forespørselen er registrert. Fristen for svar er 10. februar 2026." in done.text


def test_the_audit_trail_names_an_extended_due_day_in_words(app, signed_in):
    post(signed_in, "/requests", {"email": "kari@example.no", "received": "", "reason": ""})
    with app.extensions["optout.db"].engine.connect() as conn:
        number, due_on = conn.execute(text("SELECT id, due_on FROM access_request")).one()
    assert post(signed_in, f"/requests/{number}/extend", {"months": "1", "reason": "many systems"}).status_code == 200
    extended = add_months(dt.date.fromisoformat(str(due_on)[:10]), 1)
    english = signed_in.get(console("/audit?lang=en")).text
    assert f"Request {number} now due on {long_date(extended, 'en')}" in english
    norwegian = signed_in.get(console("/audit?lang=nb")).text
    assert f"Forespørsel {number} har nå frist {long_date(extended, 'nb')}" in norwegian
