"""The language of a response: an explicit ``?lang=``, the token's language (or the officer
console's choice), ``Accept-Language``, then bokmål; and the request-time gettext.

The supported languages, their aliases and the catalogs outside a request are in
:mod:`optout.languages`, which knows nothing of Flask.
"""

from __future__ import annotations

from typing import Any

from babel.support import NullTranslations
from flask import Flask, g, request
from flask_babel import get_locale, get_translations

from ..languages import DEFAULT, language_of


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


def init_app(app: Flask) -> None:
    """Give templates the once-per-request catalog (after Flask-Babel has installed its own)."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda message: translations().ugettext(message),
        lambda singular, plural, n: translations().ungettext(singular, plural, n),
        newstyle=True,
    )


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
