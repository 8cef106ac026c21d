"""Refresh the translation catalogs: ``python -m optout.devtools.catalogs``.

Extracts every message from ``optout/`` and ``templates/``, merges it into the bokmål and English
catalogs, fills English with the message itself where empty (our msgids are English), and
compiles the ``.mo`` files the app loads. New bokmål messages stay empty until translated, and
``tests/test_catalogs.py`` fails until they are.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"
KEYWORDS = ["-k", "_l", "-k", "lazy_gettext"]


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def _fill_english() -> None:
    path = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    for message in catalog:
        if message.id and not message.string:
            message.string = message.id
        message.flags.discard("fuzzy")
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100)


def main() -> int:
    """Extract, update, fill English, compile."""
    _pybabel(
        "extract",
        "-F",
        str(ROOT / "babel.cfg"),
        *KEYWORDS,
        "--no-location",
        "--sort-output",
        "--project",
        "optout",
        "-o",
        str(POT),
        str(ROOT),
    )
    for lang in ("nb", "en"):
        po = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
        if po.exists():
            _pybabel("update", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", lang, "--no-fuzzy-matching", "-w", "100")
        else:
            _pybabel("init", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", lang, "-w", "100")
    _fill_english()
    _pybabel("compile", "-d", str(TRANSLATIONS), "--statistics")
    return 0


if __name__ == "__main__":
    sys.exit(main())
