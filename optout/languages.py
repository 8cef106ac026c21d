"""Languages without Flask: the supported ones, tag aliases, and the catalogs outside a request.

Browsers in Norway send ``no``, ``nb``, ``nn``, ``nb-NO`` or ``no-NO``; all of them mean bokmål
here (we have no nynorsk catalog, and bokmål is the closer fallback than English). Choosing the
language of a response is the web side's job (:mod:`optout.web.i18n`).
"""

from __future__ import annotations

import functools
from typing import Any

from babel.support import NullTranslations, Translations

from .paths import TRANSLATIONS_DIR

DEFAULT = "nb"
SUPPORTED = ("nb", "en")
_ALIASES = {"nb": "nb", "no": "nb", "nn": "nb", "en": "en"}


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


def language_of(tag: str | None) -> str | None:
    """Map a language tag (``nb-NO``, ``en_GB``, ``no``) to a supported language, or None."""
    if not tag:
        return None
    primary = tag.strip().lower().replace("_", "-").split("-", 1)[0]
    return _ALIASES.get(primary)
