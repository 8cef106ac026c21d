"""Why an access request was refused or not extended: one text each, for the console and the CLI.

Each function takes the gettext to use: the console passes its request-time ``_`` (the viewer's
language), the CLI :func:`english` (the msgid itself), and the language a day is written in
(``lang``: «1. januar 2027», "1 January 2027"; never ISO inside a sentence). The msgids are
extracted into the catalog from here, so a translation is written once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from .. import formats
from . import access_requests, package


class Translate(Protocol):
    """A gettext: *message* in some language, ``%(name)s`` placeholders filled from *variables*."""

    def __call__(self, message: str, **variables: Any) -> str: ...


def english(message: str, **variables: Any) -> str:
    """*message* as written (the msgids are English), with its placeholders filled."""
    return message % variables if variables else message


def _day(value: dt.date | None, lang: str) -> str:
    """A day in a sentence, written out in *lang* (the console's, or English for the CLI)."""
    return "" if value is None else formats.long_date(value, lang)


def repeat_refused(error: access_requests.RepeatedRequest, _: Translate = english, *, lang: str = "en") -> str:
    """Why a repeated request was not registered (and how to answer it anyway)."""
    return _(
        "This person already asked on %(day)s, less than twelve months ago. Repeated requests may be "
        "declined (privacy policy § 8 and § 10); to answer anyway, give the reason.",
        day=_day(package.received_on(error.previous), lang),
    )


def extension_refused(error: access_requests.ExtensionRefused, _: Translate = english, *, lang: str = "en") -> str:
    """Why a request's deadline was not extended."""
    request, code = error.request, error.code
    if code is access_requests.Refusal.ANSWERED:
        return _("Request %(id)s is already answered; there is nothing to extend.", id=request.id)
    if code is access_requests.Refusal.ALREADY_EXTENDED:
        return _(
            "The deadline of request %(id)s was already extended, to %(day)s. It can be extended only once.",
            id=request.id,
            day=_day(request.extended_to, lang),
        )
    if code is access_requests.Refusal.TOO_LATE:
        return _(
            "Request %(id)s was due on %(day)s. The person must be told of an extension within one month of "
            "receipt, so it is too late to extend it.",
            id=request.id,
            day=_day(request.due_on, lang),
        )
    if code is access_requests.Refusal.BAD_MONTHS:
        return _("Choose one or two months.")
    return _("Give the reason for the extension.")
