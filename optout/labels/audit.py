"""An audit entry in the viewer's language, phrased from its action code and structured data.

Each :class:`~optout.audit.service.AuditAction` has its phrase in :data:`DETAILS` (a test holds that
every member has one, in both languages). Entries from before 0009 carry only their English text,
which is shown as it was written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..audit.service import LEGACY_TEXT, AuditAction
from ..languages import N_, translate
from . import AUDIT_ACTIONS, LEGACY_AUDIT_ACTIONS, Names, word
from .times import day

A = AuditAction
DETAILS: dict[AuditAction, str] = {
    A.LOGIN: N_("Password accepted"),
    A.LOGIN_FAILED: N_("%(outcome)s, from %(client)s"),
    A.LOCKED_OUT: N_("%(outcome)s, from %(client)s"),
    A.LOGOUT: N_("Logged out of the console"),
    A.LOOKUP: N_("The record of %(person)s"),
    A.REQUEST_REGISTERED: N_("Request %(id)s, %(person)s"),
    A.REQUEST_ANSWERED: N_("Request %(id)s answered as %(format)s, %(person)s"),
    A.REQUEST_EXTENDED: N_("Request %(id)s now due on %(day)s, %(person)s"),
    A.ERASURE: N_("Do-not-contact entry kept: ledger event %(seq)s"),
    A.LEDGER_EXPORTED: N_("%(format)s: %(filter)s"),
    A.RECORD_EXPORTED: N_("%(format)s, with the disclosures of %(year)s"),
    A.REPORT_EXPORTED: N_("Campaign %(campaign)s (%(format)s)"),
    A.OFFICER_ADDED: N_("Account %(officer)s"),
    A.OFFICER_REMOVED: N_("Account %(officer)s"),
    A.PASSWORD_SET: N_("Account %(officer)s"),
    A.API_FILTER: N_("Campaign %(campaign)s%(media)s: %(outcome)s; status %(status)s"),
    A.API_LINKS: N_("Campaign %(campaign)s%(media)s: %(outcome)s; status %(status)s"),
    A.API_OPT_OUTS: N_("Recorded %(recorded)s, already recorded %(already)s, unusable %(invalid)s; status %(status)s"),
    A.LINKS_MINTED: N_("Campaign %(campaign)s: links minted %(count)s"),
    A.TOPIC_EDITED: N_("Category %(topic)s: %(fields)s"),
    A.IDENTITIES_LINKED: N_("The email address of %(person)s, with a phone number"),
    A.IDENTITIES_UNLINKED: N_("The email address of %(person)s, from a phone number"),
}
REFUSED_OPT_OUTS = N_("Opt-outs refused (%(error)s); status %(status)s")
RECORD_WITHOUT_YEAR = N_("%(format)s, without a disclosure statement")
_OUTCOMES = {
    "unknown-account": N_("no such account"),
    "wrong-password": N_("wrong password"),
    "locked": N_("the account was locked"),
    "locked-now": N_("too many failures: the account is now locked"),
}
_BOUNDS = {
    "since": N_("from %(value)s"),
    "until": N_("before %(value)s"),
    "topic": N_("category %(value)s"),
    "partner": N_("partner %(value)s"),
    "campaign": N_("campaign %(value)s"),
}


_ACTIONS: dict[str, str] = {str(code): text for code, text in AUDIT_ACTIONS.items()} | LEGACY_AUDIT_ACTIONS


def action(code: str, lang: str) -> str:
    """An entry's action (the codes of entries from before 0009 too)."""
    return word(_ACTIONS, code, lang)


def _person(pid: str | None, lang: str) -> str:
    return translate(lang, N_("person %(pid)s"), pid=pid) if pid else translate(lang, N_("a person since erased"))


def _bound(name: str, value: Any, names: Names) -> str:
    if name in ("since", "until") and isinstance(value, str) and len(value) >= 10:
        value = day(value[:10], names.lang)
    elif name == "topic":
        value = names.topic(str(value))
    elif name == "partner":
        value = names.partner(str(value))
    return translate(names.lang, _BOUNDS[name], value=value) if name in _BOUNDS else f"{name} {value}"


def _api_outcome(data: Mapping[str, Any], lang: str) -> str:
    if "refused" in data:
        error = data["refused"]
        return translate(lang, N_("refused (%(error)s)"), error=error) if error else translate(lang, N_("refused"))
    if "links" in data:
        return translate(lang, N_("links minted %(count)s"), count=data["links"])
    return translate(
        lang, N_("rows read %(read)s, kept %(kept)s"), read=data.get("rows_read"), kept=data.get("rows_kept")
    )


def _values(action: AuditAction, data: Mapping[str, Any], pid: str | None, names: Names) -> dict[str, Any]:
    lang = names.lang
    common = {"id": data.get("request"), "format": data.get("format"), "person": _person(pid, lang)}
    special: dict[AuditAction, Callable[[], dict[str, Any]]] = {
        A.LOGIN_FAILED: lambda: {
            "outcome": word(_OUTCOMES, str(data.get("outcome", "")), lang),
            "client": data.get("client", "-"),
        },
        A.REQUEST_EXTENDED: lambda: {"day": day(data.get("due"), lang)},
        A.ERASURE: lambda: {"seq": data.get("tombstone_seq")},
        A.LEDGER_EXPORTED: lambda: {
            "filter": ", ".join(_bound(n, v, names) for n, v in (data.get("filter") or {}).items())
            or translate(lang, N_("every event"))
        },
        A.RECORD_EXPORTED: lambda: {"year": data.get("year")},
        A.API_FILTER: lambda: {
            "campaign": data.get("campaign") or translate(lang, N_("an unknown campaign")),
            "media": f" ({data['media']})" if data.get("media") else "",
            "outcome": _api_outcome(data, lang),
            "status": data.get("status", "-"),
        },
        A.LINKS_MINTED: lambda: {"count": data.get("links")},
        A.API_OPT_OUTS: lambda: {
            "recorded": data.get("recorded", 0),
            "already": data.get("already", 0),
            "invalid": data.get("invalid", 0),
            "status": data.get("status", "-"),
        },
        A.TOPIC_EDITED: lambda: {
            "topic": names.topic(str(data.get("topic"))),
            "fields": ", ".join(str(field).replace("_", "-") for field in data.get("after") or {}),
        },
    }
    same = {A.LOCKED_OUT: A.LOGIN_FAILED, A.API_LINKS: A.API_FILTER}
    extra = special.get(same.get(action, action))
    return {
        **common,
        "campaign": data.get("campaign"),
        "officer": data.get("officer", ""),
        **(extra() if extra else {}),
    }


def detail(code: str, data: Mapping[str, Any], subject_pid: str | None, names: Names) -> str:
    """An entry's detail in *names*' language, built from its action, data and person."""
    if set(data) == {LEGACY_TEXT}:  # an entry from before 0009: its English text as it was written
        text = str(data[LEGACY_TEXT])
        return f"{text}, {_person(subject_pid, names.lang)}" if subject_pid else text
    if code not in set(AuditAction):
        return ", ".join(f"{name} {value}" for name, value in sorted(data.items()))
    action = AuditAction(code)
    if action is A.API_OPT_OUTS and "refused" in data:
        return translate(names.lang, REFUSED_OPT_OUTS, error=data["refused"] or "-", status=data.get("status", "-"))
    if action is A.RECORD_EXPORTED and not data.get("year"):
        return translate(names.lang, RECORD_WITHOUT_YEAR, format=data.get("format"))
    return translate(names.lang, DETAILS[action], **_values(action, data, subject_pid, names))
