"""Dates and times: en-GB in English ("28 February 2020", "1 Dec 2026, 14:14"), Språkrådet's
bokmål («1. des. 2026 kl. 14.14»), the same helpers on pages, in the console and in messages."""

from __future__ import annotations

import datetime as dt

import pytest

from optout.dates import LOCAL
from optout.formats import date_text, datetime_text, long_date, time_text

pytestmark = pytest.mark.dialect_independent("how days and times read in each language")

DAY = dt.date(2026, 12, 1)
MOMENT = dt.datetime(2026, 12, 1, 14, 14, 37, 930441, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("lang", "long", "medium", "numeric"),
    [
        ("nb", "1. desember 2026", "1. des. 2026", "01.12.2026"),
        ("en", "1 December 2026", "1 Dec 2026", "01/12/2026"),
    ],
)
def test_dates_in_each_language(lang, long, medium, numeric):
    assert long_date(DAY, lang) == date_text(DAY, lang) == long
    assert date_text(DAY, lang, "medium") == date_text(DAY, lang, "short") == medium
    assert date_text(DAY, lang, "numeric") == numeric
    assert long_date(dt.date(2020, 2, 28), lang) == {"nb": "28. februar 2020", "en": "28 February 2020"}[lang]


def test_times_have_a_full_stop_and_kl_in_bokmal_and_a_colon_in_english():
    assert time_text(MOMENT, "nb") == "14.14" and time_text(MOMENT, "en") == "14:14"
    assert datetime_text(MOMENT, "nb") == "1. des. 2026 kl. 14.14"
    assert datetime_text(MOMENT, "nb", "numeric") == "01.12.2026 kl. 14.14"
    assert datetime_text(MOMENT, "en") == "1 Dec 2026, 14:14"
    assert datetime_text(MOMENT, "en", "long") == "1 December 2026, 14:14"


def test_a_moment_is_shown_on_the_clock_it_is_asked_for():
    late = dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC)  # already 1 January in Oslo
    assert datetime_text(late, "en") == "31 Dec 2026, 23:30"
    assert datetime_text(late, "nb", "long", tz=LOCAL) == "1. januar 2027 kl. 00.30"
    assert date_text(late.replace(tzinfo=None), "en") == "31 December 2026"  # naive means UTC, as stored


@pytest.mark.parametrize(
    ("lang", "expected", "absent"),
    [("nb", "28. februar 2020", "February"), ("en", "28 February 2020", "February 28")],
)
def test_the_footer_dates_the_policy_in_the_pages_language(client, lang, expected, absent):
    html = client.get(f"https://optout.example.no/?lang={lang}").text
    assert f'<time datetime="2020-02-28">{expected}</time>' in html
    assert absent not in html


@pytest.mark.parametrize(("query", "expected"), [("?lang=en", "28 February 2020"), ("?lang=nb", "28. februar 2020")])
def test_flask_babel_formats_british_english_while_the_catalog_stays_en(app, query, expected):
    from flask_babel import format_date

    from optout.web.i18n import _, current_language

    with app.test_request_context(f"https://optout.example.no/{query}"):
        assert format_date(dt.date(2020, 2, 28), "long") == expected
        assert current_language() == query[-2:]
        assert _("Skip to main content") == {"en": "Skip to main content", "nb": "Hopp til hovedinnholdet"}[query[-2:]]
