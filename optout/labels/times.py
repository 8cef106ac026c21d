"""Times and days for a reader, in Norway's local time: «1. desember 2026 kl. 15.15 (norsk tid)» and
"1 December 2026, 15:15 (Norwegian time)". Stored times stay in UTC; these are only for reading.
The formats themselves are :mod:`optout.formats`'s (one home for how a day reads); this adds the
local clock, the note that says whose clock it is, and ISO text as the JSON package holds it."""

from __future__ import annotations

import datetime as dt

from .. import formats
from ..dates import LOCAL
from ..languages import N_, translate

NORWEGIAN_TIME = N_("%(when)s (Norwegian time)")


def moment(value: dt.datetime | str | None, lang: str) -> str:
    """*value* (a UTC datetime, or an ISO timestamp as the JSON package has it) in Norway's time."""
    if value is None or value == "":
        return ""
    when = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    text = formats.datetime_text(when, lang, "long", tz=LOCAL)
    return translate(lang, NORWEGIAN_TIME, when=text)


def day(value: dt.date | str | None, lang: str) -> str:
    """*value* (a date, or an ISO date) written out: «28. februar 2027», "28 February 2027"."""
    if value is None or value == "":
        return ""
    return formats.long_date(dt.date.fromisoformat(value) if isinstance(value, str) else value, lang)
