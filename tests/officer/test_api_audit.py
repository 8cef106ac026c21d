"""The console's audit trail shows the entries of API calls and of ``optout links``, in its languages."""

from __future__ import annotations

from tests.api import bearer, create_key
from tests.helpers.officers import console

FILTER = "/api/v1/campaigns/newsletter/filter"
LINKS = "/api/v1/campaigns/newsletter/links"


def test_the_console_shows_api_and_link_entries(app, client, make_campaign, signed_in, optout):
    make_campaign("newsletter", topic="periodic")
    key = create_key(app)
    client.post(LINKS, json={"emails": ["kari@example.no"]}, headers=bearer(key))
    client.post(FILTER, json={"recipients": []}, headers=bearer(key))
    optout("links", "--campaign", "newsletter", "kari@example.no")
    english = signed_in.get(console("/audit?lang=en"))
    assert english.status_code == 200
    for words in ("api:mailer", "API: links made", "API: sending list filtered", "Links made", "links minted 1"):
        assert words in english.text
    norwegian = signed_in.get(console("/audit?lang=nb"))
    assert "API: lenker laget" in norwegian.text and "API: utsendelsesliste filtrert" in norwegian.text
    assert "kari@example.no" not in english.text
