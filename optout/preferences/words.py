"""Dates and ledger codes in the recipient's words, for the summary and «Hvorfor fikk jeg dette?»."""

from __future__ import annotations

import datetime as dt

from .. import formats
from ..models import Source
from ..web.i18n import _


def long_date(day: dt.date, lang: str) -> str:
    """*day* written out in *lang*: «1. mars 2027», "1 March 2027" (:mod:`optout.formats`)."""
    return formats.long_date(day, lang)


def how(source: str) -> str:
    """How a "yes" reached us, as the end of «Du sa ja 1. mars 2027 …»."""
    words: dict[str, str] = {
        Source.PREFERENCE_PAGE: _("on the “Your choices” page"),
        Source.CONFIRMATION_PAGE: _("through the unsubscribe link in one of our emails"),
        Source.ONE_CLICK: _("through the unsubscribe link in one of our emails"),
        Source.CLI: _("to us, and we recorded it"),
        Source.IMPORT: _("elsewhere, and we keep the evidence of it"),
    }
    return words.get(source, _("to us, and we recorded it"))
