"""The language of a response: an explicit ``?lang=``, the token's language (or the officer
console's choice), ``Accept-Language``, then bokmål; and the request-time gettext.

The supported languages, their aliases and the catalogs outside a request are in
:mod:`optout.languages`, which knows nothing of Flask.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from babel import Locale
from babel.support import NullTranslations
from flask import Flask, g, request
from flask_babel import get_locale, get_translations
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup

from .. import formats
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
        cached = g.optout_language = language_of(str(get_locale() or DEFAULT)) or DEFAULT
    return cached


def _(message: str, **variables: Any) -> str:
    """Translate *message* for the current request; ``%(name)s`` placeholders take *variables*."""
    text = str(translations().ugettext(message))
    return text % variables if variables else text


def template_gettext() -> dict[str, Callable[..., str]]:
    """The templates' ``_`` for this request, bound to its catalog (a context processor).

    It does what Jinja's "newstyle" gettext does (the text is safe, its ``%(name)s`` variables are
    escaped, ``%`` is always applied) without looking the catalog up again for every message: a
    page has some 25 and each lookup went through two context calls and Flask's ``g``. Macros
    imported without the context still find the environment's ``_``, which behaves the same.
    """
    cached: Callable[..., str] | None = g.get("optout_template_gettext")
    if cached is None:
        ugettext = translations().ugettext

        @pass_eval_context
        def gettext(eval_ctx: EvalContext, message: str, **variables: Any) -> str:
            text = ugettext(message)
            if not eval_ctx.autoescape:
                return str(text % variables)
            # Our own catalog's text is markup, as Jinja's gettext takes it; the variables are escaped.
            if not variables and "%" not in text:  # what ``% {}`` would give, without its work
                return Markup(text)  # noqa: S704
            return Markup(text) % variables  # noqa: S704

        cached = g.optout_template_gettext = gettext
    return {"_": cached}


def date_filter(value: dt.date | dt.datetime, width: formats.Width = "long") -> str:
    """``{{ day|dateformat('long') }}``: the day in the response's language (:mod:`optout.formats`)."""
    return formats.date_text(value, current_language(), width)


def datetime_filter(value: dt.datetime, width: formats.Width = "medium") -> str:
    """``{{ moment|datetimeformat }}``: day and UTC time in the response's language."""
    return formats.datetime_text(value, current_language(), width)


def time_filter(value: dt.datetime, width: str = "short") -> str:
    """``{{ moment|timeformat }}``: the UTC clock time in the response's language (*width* is ignored)."""
    return formats.time_text(value, current_language())


def init_app(app: Flask) -> None:
    """Give templates the once-per-request catalog and our date formats (after Flask-Babel has
    installed its own: ours replace its ``dateformat``, ``datetimeformat`` and ``timeformat``, so
    every template formats en-GB and «kl. 14.14» without changing a call)."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda message: translations().ugettext(message),
        lambda singular, plural, n: translations().ungettext(singular, plural, n),
        newstyle=True,
    )
    app.jinja_env.filters.update(dateformat=date_filter, datetimeformat=datetime_filter, timeformat=time_filter)
    app.context_processor(template_gettext)


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


@functools.cache
def _locale(identifier: str) -> Locale:
    return Locale.parse(identifier)


def select_locale() -> Locale:
    """The locale selector given to Flask-Babel: English as ``en_GB``, so that anything Flask-Babel
    formats is British, while the catalog found is still ``en`` (gettext falls back from en_GB).

    A ``Locale`` made once per language: Flask-Babel parses a string anew on every request."""
    if not request:
        return _locale(DEFAULT)
    language = (
        explicit_language()
        or g.get("token_lang")
        or g.get("console_lang")  # the officer's choice, kept in the console's session
        or negotiated_language()
        or DEFAULT
    )
    return _locale("en_GB" if language == "en" else language)
