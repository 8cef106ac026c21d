"""Times and days for a reader, in Norway's local time: «1. desember 2026 kl. 15.15 (norsk tid)» and
"1 December 2026, 15:15 (Norwegian time)". Stored times stay in UTC; these are only for reading."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date, format_datetime

from ..dates import LOCAL
from ..languages import N_, translate

# Språkrådet writes clock times with a full stop; en-GB with a colon. No seconds, no microseconds.
_MOMENT = {"nb": "d. MMMM y 'kl.' HH.mm", "en": "d MMMM y, HH:mm"}
_LOCALE = {"nb": "nb", "en": "en_GB"}
NORWEGIAN_TIME = N_("%(when)s (Norwegian time)")


def moment(value: dt.datetime | str | None, lang: str) -> str:
    """*value* (a UTC datetime, or an ISO timestamp as the JSON package has it) in Norway's time."""
    if value is None or value == "":
        return ""
    when = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    text = format_datetime(when, _MOMENT.get(lang, _MOMENT["en"]), tzinfo=LOCAL, locale=_LOCALE.get(lang, "en_GB"))
    return translate(lang, NORWEGIAN_TIME, when=text)


def day(value: dt.date | str | None, lang: str) -> str:
    """*value* (a date, or an ISO date) written out: «28. februar 2027», "28 February 2027"."""
    if value is None or value == "":
        return ""
    date = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return format_date(date, "long", locale=_LOCALE.get(lang, "en_GB"))
