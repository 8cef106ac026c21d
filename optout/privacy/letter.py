"""The access package as a letter (GDPR Art. 12(1): "clear and plain language"), one per language.

The JSON package (:func:`optout.privacy.package.build`) is for machines and stays as it is; this
turns it into what a person reads: what they get from us now, in sentences computed by the send
rule (the package's ``receives``), labels and names instead of codes, and times in Norway's local
time without seconds. The history follows as an appendix, one row per ledger event.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from babel.lists import format_list

from .. import labels
from ..labels import Names
from ..labels.times import day, moment
from ..languages import N_, SUPPORTED, translate
from ..models import Source

YOU_GET = N_("You get: %(list)s.")
YOU_DO_NOT_GET = N_("You do not get: %(list)s.")
NOTHING = N_("You get nothing from us.")
UNTIL = N_("%(word)s (until and including %(day)s)")
# A person reads "Command line" as jargon: to them it is a choice our staff recorded for them.
SOURCES = {**labels.SOURCES, Source.CLI: N_("Recorded for you by our staff")}
# How the letter names an identity linked to the person's (its address or number is not kept).
LINKED_KINDS = {
    "email": N_("An email address, pseudonymous ID %(pid)s"),
    "phone": N_("A phone number, pseudonymous ID %(pid)s"),
}
LANGUAGE_NAMES = {"nb": N_("Norwegian (Bokmål)"), "en": N_("English")}
_LOCALE = {"nb": "nb", "en": "en_GB"}


def _listed(names: list[str], lang: str) -> str:
    return format_list(names, locale=_LOCALE.get(lang, "en_GB"))


def sentences(receives: Mapping[str, bool], names: Names) -> list[str]:
    """«Du får: …» and «Du får ikke: …», from the send rule's verdict on each topic."""
    lang = names.lang
    got = [names.topic(key) for key, yes in receives.items() if yes]
    not_got = [names.topic(key) for key, yes in receives.items() if not yes]
    said = [translate(lang, YOU_GET, list=_listed(got, lang))] if got else [translate(lang, NOTHING)]
    if not_got:
        said.append(translate(lang, YOU_DO_NOT_GET, list=_listed(not_got, lang)))
    return said


def _version(version: str | None, lang: str) -> str:
    """A privacy policy version: its day written out when it is named by one (``2020-02-28``)."""
    try:
        return day(version, lang) if version else ""
    except ValueError:
        return version or ""


def _language(code: str | None, lang: str) -> str:
    return translate(lang, LANGUAGE_NAMES[code]) if code in LANGUAGE_NAMES else (code or "")


def _choices(choices: Sequence[Mapping[str, Any]], names: Names) -> list[dict[str, str]]:
    lang = names.lang
    return [
        {
            "scope": names.scope(c["scope"]),
            "status": _with_last_day(labels.status(c["scope"], c["status"], lang), c.get("ends_on"), lang),
            "changed": moment(c["changed_at"], lang),
            "policy": _version(c["policy_version"], lang),
        }
        for c in choices
    ]


def _history(history: Sequence[Mapping[str, Any]], names: Names) -> list[dict[str, str]]:
    lang = names.lang
    return [
        {
            "when": moment(e["occurred_at"] or e["at"], lang),
            "scope": names.scope(e["scope"]),
            "action": _with_last_day(labels.action(e["scope"], e["action"], lang), e.get("ends_on"), lang),
            "source": labels.word(SOURCES, e["source"], lang),
            "campaign": e["campaign"] or "",
            "language": _language(e["lang"], lang),
            "policy": _version(e["policy_version"], lang),
            "evidence": e["evidence"] or "",
        }
        for e in history
    ]


def letter(data: Mapping[str, Any], names: Names) -> dict[str, Any]:
    """The package *data* in words, in *names*' language."""
    lang = names.lang
    request = data.get("request")
    return {
        "generated": moment(data["generated_at"], lang),
        "received": moment(request["received_at"], lang) if request else None,
        "due": day(request["due_on"], lang) if request else None,
        "sentences": sentences(data["receives"], names),
        "choices": _choices(data["current_choices"], names),
        "history": _history(data["history"], names),
        "linked": [
            {
                "kind": translate(
                    lang, LINKED_KINDS.get(one["kind"], LINKED_KINDS["phone"]), pid=one["pseudonymous_id"]
                ),
                "choices": _choices(one["current_choices"], names),
                "history": _history(one["history"], names),
            }
            for one in data.get("linked_identities", ())
        ],
        "campaigns": [
            {
                "campaign": c["campaign"],
                "topic": names.topic(c["topic"]),
                "partner": c["partner"] or "",
            }
            for c in data["campaigns"]
        ],
        "requests": [
            {
                "received": moment(r["received_at"], lang),
                "due": day(r["due_on"], lang),
                "extension": r["extension_reason"] or "",
                "answered": moment(r["answered_at"], lang),
            }
            for r in data["access_requests"]
        ],
    }


def letters(data: Mapping[str, Any], names: Names) -> dict[str, dict[str, Any]]:
    """The letter in every language."""
    return {language: letter(data, names.in_language(language)) for language in SUPPORTED}


def _with_last_day(word: str, ends_on: str | None, lang: str) -> str:
    """A pause's word with its last day: «Satt på pause (til og med 1. mars 2027)»."""
    return word if not ends_on else translate(lang, UNTIL, word=word, day=day(ends_on, lang))
