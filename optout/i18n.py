"""Language choice: an explicit ``?lang=``, the token's language (or the officer console's choice),
``Accept-Language``, then bokmål.

Browsers in Norway send ``no``, ``nb``, ``nn``, ``nb-NO`` or ``no-NO``; all of them mean bokmål
here (we have no nynorsk catalog, and bokmål is the closer fallback than English).
"""

from __future__ import annotations

import functools
from typing import Any

from babel.support import NullTranslations, Translations
from flask import Flask, g, request
from flask_babel import get_locale, get_translations

from .paths import TRANSLATIONS_DIR

DEFAULT = "nb"
SUPPORTED = ("nb", "en")
_ALIASES = {"nb": "nb", "no": "nb", "nn": "nb", "en": "en"}


def translations() -> NullTranslations:
    """The request's catalog, looked up once per request.

    Flask-Babel looks the locale and the catalog up again on every message; a page has dozens.
    """
    cached: NullTranslations | None = g.get("optout_translations")
    if cached is None:
        cached = g.optout_translations = get_translations()
    return cached


def current_language() -> str:
    """The language this response is rendered in."""
    cached: str | None = g.get("optout_language")
    if cached is None:
        cached = g.optout_language = str(get_locale() or DEFAULT)
    return cached


def _(message: str, **variables: Any) -> str:
    """Translate *message* for the current request; ``%(name)s`` placeholders take *variables*."""
    text = str(translations().ugettext(message))
    return text % variables if variables else text


def N_(message: str) -> str:  # noqa: N802 - the name Babel's extractor looks for
    """Mark *message* for translation where it is defined; translate it where it is used."""
    return message


@functools.cache
def catalog(language: str) -> NullTranslations:
    """The catalog of *language*, outside any request (a document holding both languages)."""
    return Translations.load(str(TRANSLATIONS_DIR), [language])


def translate(language: str, message: str, **variables: Any) -> str:
    """*message* in *language*, with ``%(name)s`` placeholders filled from *variables*."""
    text = str(catalog(language).ugettext(message))
    return text % variables if variables else text


def init_app(app: Flask) -> None:
    """Give templates the once-per-request catalog (after Flask-Babel has installed its own)."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda message: translations().ugettext(message),
        lambda singular, plural, n: translations().ungettext(singular, plural, n),
        newstyle=True,
    )


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
    return (
        explicit_language()
        or g.get("token_lang")
        or g.get("console_lang")  # the officer's choice, kept in the console's session
        or negotiated_language()
        or DEFAULT
    )
