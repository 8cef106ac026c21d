"""Calendar arithmetic for legal deadlines, in Norway's time zone.

A period of months ends on the same day of the later month, or on that month's last day when it
has no such day (Regulation (EEC, Euratom) No 1182/71 Art. 3(2)(c)): received 31 January, due
28 or 29 February; received 15 March, due 15 April.
"""

from __future__ import annotations

import calendar
import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

try:
    LOCAL = ZoneInfo("Europe/Oslo")
except ZoneInfoNotFoundError:  # pragma: no cover - a system without tz data
    LOCAL = ZoneInfo("UTC")


def local_date(moment: dt.datetime) -> dt.date:
    """The calendar day *moment* falls on in Norway."""
    return moment.astimezone(LOCAL).date()


def today() -> dt.date:
    """Today in Norway: the one clock the send rule reads for pauses (tests replace it to move the day)."""
    return local_date(dt.datetime.now(dt.UTC))


def add_months(day: dt.date, months: int) -> dt.date:
    """*day* moved by *months* (negative goes back), clamped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))
