"""Every message in the code and templates has a bokmål and an English translation, and the
compiled catalogs the app loads say the same as the .po files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None, "N_": None}


def _source_messages() -> set[str]:
    """Extract afresh, as `pybabel extract` would, so a new string is seen before anyone updates
    the catalogs."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    extracted = extract_from_dir(
        ROOT,
        method_map,
        options_map,
        keywords=KEYWORDS,
        directory_filter=lambda path: not Path(path).name.startswith(".") and "node_modules" not in path,
    )
    return {message if isinstance(message, str) else message[0] for _f, _l, message, _c, _x in extracted}


@pytest.fixture(scope="module")
def messages() -> set[str]:
    found = _source_messages()
    assert len(found) > 50, "extraction found too few messages: is babel.cfg still right?"
    return found


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_every_message_is_translated(messages, lang):
    with (ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    translated = {m.id: m.string for m in catalog if m.id and m.string and "fuzzy" not in m.flags}
    missing = sorted(messages - translated.keys())
    assert not missing, f"{lang} lacks translations for: {missing}"


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_compiled_catalog_matches_the_po_file(lang):
    folder = ROOT / "translations" / lang / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as handle:
        po = {m.id: m.string for m in read_po(handle, locale=lang) if m.id and "fuzzy" not in m.flags}
    with (folder / "messages.mo").open("rb") as handle:
        mo = {m.id: m.string for m in read_mo(handle) if m.id}
    assert po == mo, "run `python -m optout.devtools.catalogs` to recompile the catalogs"


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_placeholders_survive_translation(lang):
    with (ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    placeholder = re.compile(r"%\(\w+\)s")
    for message in catalog:
        if message.id:
            assert set(placeholder.findall(message.id)) == set(placeholder.findall(message.string)), message.id
