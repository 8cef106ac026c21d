"""Dates and times as a reader of each language expects them, without Flask.

One place for every page, the console and the documents rendered outside a request, so that the
same day never reads two ways. English is British (en-GB: "28 February 2020", "1 Dec 2026, 14:14");
bokmål follows Språkrådet, with a full stop in clock times and «kl.» before them
(«1. des. 2026 kl. 14.14», «01.12.2026 kl. 14.14»). The catalogs stay ``nb`` and ``en``: only
formatting needs the region, which is what Babel's ``en`` locale gets wrong (US dates).
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Literal

from babel.dates import format_date, format_time

from .languages import DEFAULT

Width = Literal["short", "medium", "long", "numeric"]

# The Babel locale each supported language is formatted with.
LOCALES = {"nb": "nb_NO", "en": "en_GB"}
# The date widths Babel knows; "numeric" is ours: the short all-digit date (01.12.2026, 01/12/2026).
_DATE_WIDTHS = {"short": "medium", "medium": "medium", "long": "long", "numeric": "short"}
_TIME_PATTERNS = {"nb": "HH.mm", "en": "HH:mm"}
_JOINERS = {"nb": "{date} kl. {time}", "en": "{date}, {time}"}


def locale_of(lang: str) -> str:
    """The Babel locale for formatting in *lang* (bokmål for an unknown one)."""
    return LOCALES.get(lang, LOCALES[DEFAULT])


def _day(value: dt.date | dt.datetime, tz: dt.tzinfo) -> dt.date:
    if isinstance(value, dt.datetime):
        return _moment(value, tz).date()
    return value


def _moment(value: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)  # the database keeps UTC
    return aware.astimezone(tz)


def date_text(value: dt.date | dt.datetime, lang: str, width: Width = "long", *, tz: dt.tzinfo = dt.UTC) -> str:
    """*value*'s day: long «28. februar 2020» / "28 February 2020", short or medium «1. des. 2026» /
    "1 Dec 2026" (Babel's all-digit short date is ambiguous across Europe), numeric «01.12.2026»."""
    return _date_words(_day(value, tz), _DATE_WIDTHS.get(width, "long"), locale_of(lang))


@functools.lru_cache(maxsize=1024)  # every page's footer names the policy's day; Babel takes some 8 µs a call
def _date_words(day: dt.date, width: str, locale: str) -> str:
    return format_date(day, width, locale=locale)


def long_date(value: dt.date | dt.datetime, lang: str) -> str:
    """The day in words, as a sentence names it: «28. februar 2020», "28 February 2020"."""
    return date_text(value, lang, "long")


def time_text(value: dt.datetime, lang: str, *, tz: dt.tzinfo = dt.UTC) -> str:
    """The clock time: «14.14» in bokmål (Språkrådet), "14:14" in English; never seconds."""
    pattern = _TIME_PATTERNS.get(lang, _TIME_PATTERNS[DEFAULT])
    return format_time(_moment(value, tz), pattern, locale=locale_of(lang))


def datetime_text(value: dt.datetime, lang: str, width: Width = "medium", *, tz: dt.tzinfo = dt.UTC) -> str:
    """Day and time: «1. des. 2026 kl. 14.14», "1 Dec 2026, 14:14" (*tz* says whose clock; UTC
    unless given, which is what the console's columns say)."""
    joiner = _JOINERS.get(lang, _JOINERS[DEFAULT])
    return joiner.format(date=date_text(value, lang, width, tz=tz), time=time_text(value, lang, tz=tz))
