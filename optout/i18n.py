"""Language choice: an explicit ``?lang=``, the token's language, ``Accept-Language``, then bokmål.

Browsers in Norway send ``no``, ``nb``, ``nn``, ``nb-NO`` or ``no-NO``; all of them mean bokmål
here (we have no nynorsk catalog, and bokmål is the closer fallback than English).
"""

from __future__ import annotations

from typing import Any

from flask import g, request
from flask_babel import gettext

DEFAULT = "nb"
SUPPORTED = ("nb", "en")
_ALIASES = {"nb": "nb", "no": "nb", "nn": "nb", "en": "en"}


def _(message: str, **variables: Any) -> str:
    """Translate *message* for the current request (Flask-Babel's gettext, typed)."""
    return str(gettext(message, **variables))


def language_of(tag: str | None) -> str | None:
    """Map a language tag (``nb-NO``, ``en_GB``, ``no``) to a supported language, or None."""
    if not tag:
        return None
    primary = tag.strip().lower().replace("_", "-").split("-", 1)[0]
    return _ALIASES.get(primary)


def explicit_language() -> str | None:
    """The language asked for with ``?lang=``, when it is one we have."""
    return language_of(request.args.get("lang"))


def unknown_language() -> str | None:
    """The ``?lang=`` value when it names a language we do not have (shown as a notice)."""
    asked = request.args.get("lang")
    if asked and language_of(asked) is None:
        return asked[:20]
    return None


def negotiated_language() -> str | None:
    """The best supported language of ``Accept-Language``, honouring quality values."""
    for tag, _quality in request.accept_languages:
        language = language_of(tag)
        if language is not None:
            return language
    return None


def select_locale() -> str:
    """The locale selector given to Flask-Babel."""
    if not request:
        return DEFAULT
    return explicit_language() or g.get("token_lang") or negotiated_language() or DEFAULT
