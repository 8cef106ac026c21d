"""Words for the codes the console shows (scopes, actions, sources, reasons, audit entries), in the page's
language.

Called at request time; an unknown code is shown as it is rather than hidden.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .. import scopes
from ..audit.service import LEGACY_TEXT
from ..catalog.cache import TopicInfo
from ..web.i18n import _


@dataclass(frozen=True)
class Names:
    """Topic and partner names, for scope labels."""

    topics: Mapping[str, TopicInfo]
    partners: Mapping[str, str]
    lang: str

    @classmethod
    def of(cls, topics: Sequence[TopicInfo], partners: Mapping[str, str], lang: str) -> Names:
        """Index *topics* by key."""
        return cls({t.key: t for t in topics}, partners, lang)

    def scope(self, scope: str) -> str:
        """What a scope is about, e.g. "Topic: Offers from our partners"."""
        kind, key = scopes.split(scope)
        if kind == "topic":
            topic = self.topics.get(key)
            return _("Topic: %(name)s", name=topic.name(self.lang) if topic else key)
        if kind == "partner":
            return _("Partner: %(name)s", name=self.partners.get(key, key))
        if kind == "channel":
            return _("Channel: %(name)s", name=channel(key))
        if scope == scopes.PAUSE_EMAIL:
            return _("Pause of all email")
        if scope == scopes.EVERYTHING:
            return _("Everything")
        return scope


def channel(name: str | None) -> str:
    """A channel's name."""
    if name == "email":
        return _("E-mail")
    if name == "phone":
        return _("Phone")
    return _("All channels") if name is None else name


def action(code: str) -> str:
    """A ledger action."""
    words = {
        "opt-out": _("Opted out"),
        "opt-in": _("Opted in"),
        "reset": _("Back to no recorded choice"),
        "pause": _("Paused"),
    }
    return words.get(code, code)


def source(code: str) -> str:
    """Where a ledger event came from."""
    words = {
        "one-click": _("One-click from the mail program"),
        "confirmation-page": _("Unsubscribe page"),
        "preference-page": _("Preference page"),
        "undo": _("Undo"),
        "cli": _("Command line"),
        "import": _("Import"),
        "erasure": _("Erasure"),
    }
    return words.get(code, code)


def reason(code: str) -> str:
    """Why a row of a sending list was not kept, or why a topic may not be sent."""
    words = {
        "malformed-row": _("The row could not be read"),
        "invalid-address": _("Not an e-mail address"),
        "duplicate": _("Duplicate address"),
        "opted-out-everything": _("Stopped everything"),
        "opted-out-channel": _("Opted out of the channel"),
        "opted-out-partner": _("Opted out of the partner"),
        "opted-out-topic": _("Opted out of the topic"),
        "no-consent": _("No consent given"),
        "consent-predates-policy": _("Consent given under an older privacy policy"),
        "paused": _("Paused all email"),
    }
    return words.get(code, code)


def opt_out_kind(code: str) -> str:
    """A kind of opt-out in a campaign report."""
    words = {
        "total": _("All opt-outs"),
        "this-partner": _("This partner"),
        "campaign-topic": _("The campaign's topic"),
        "channel": _("A channel"),
        "everything": _("Everything"),
    }
    return words.get(code, code)


def fault(code: str) -> str:
    """What is wrong with the ledger at its first bad place."""
    words = {
        "altered": _("An event was altered"),
        "removed": _("An event was removed"),
        "inserted": _("An event was inserted"),
        "unexplained-redaction": _("An event was redacted without an erasure"),
    }
    return words.get(code, code)


def audit_action(code: str) -> str:
    """An audit entry's action (the codes of entries from before 0009 too)."""
    words = {
        "login": _("Logged in"),
        "login-failed": _("Failed login"),
        "locked-out": _("Account locked"),
        "logout": _("Logged out"),
        "lookup": _("Looked up a person"),
        "export": _("Export"),
        "export.ledger": _("Ledger exported"),
        "export.record": _("Record of processing exported"),
        "export.campaign-report": _("Campaign report exported"),
        "access-request": _("Access request"),
        "access-request.registered": _("Access request registered"),
        "access-request.answered": _("Access request answered"),
        "access-request.extended": _("Access request deadline extended"),
        "request-extended": _("Access request deadline extended"),
        "erasure": _("Erasure"),
        "officer-added": _("Officer added"),
        "officer-removed": _("Officer removed"),
        "password-set": _("Password set"),
        "api-filter": _("API: sending list filtered"),
        "api-links": _("API: links made"),
        "links-minted": _("Links made"),
    }
    return words.get(code, code)


def _person(pid: str | None) -> str:
    return _("person %(pid)s", pid=pid) if pid else _("a person since erased")


def _ledger_filter(bounds: Mapping[str, Any]) -> str:
    words = {
        "since": lambda v: _("since %(value)s", value=v),
        "until": lambda v: _("until %(value)s", value=v),
        "topic": lambda v: _("topic %(value)s", value=v),
        "partner": lambda v: _("partner %(value)s", value=v),
        "campaign": lambda v: _("campaign %(value)s", value=v),
    }
    parts = [words[name](value) if name in words else f"{name} {value}" for name, value in bounds.items()]
    return ", ".join(parts) or _("every event")


def _api_call(data: Mapping[str, Any]) -> str:
    campaign = data.get("campaign") or _("an unknown campaign")
    if "refused" in data:
        outcome = _("refused (%(error)s)", error=data["refused"]) if data["refused"] else _("refused")
    elif "links" in data:
        outcome = _("links minted %(count)s", count=data["links"])
    else:
        outcome = _("rows read %(read)s, kept %(kept)s", read=data.get("rows_read"), kept=data.get("rows_kept"))
    media = f" ({data['media']})" if data.get("media") else ""
    return _(
        "Campaign %(campaign)s%(media)s: %(outcome)s; status %(status)s",
        campaign=campaign,
        media=media,
        outcome=outcome,
        status=data.get("status", "-"),
    )


def _login_failure(data: Mapping[str, Any]) -> str:
    outcomes = {
        "unknown-account": _("no such account"),
        "wrong-password": _("wrong password"),
        "locked": _("the account was locked"),
        "locked-now": _("too many failures: the account is now locked"),
    }
    outcome = str(data.get("outcome", ""))
    return _("%(outcome)s, from %(client)s", outcome=outcomes.get(outcome, outcome), client=data.get("client", "-"))


def audit_detail(action: str, data: Mapping[str, Any], subject_pid: str | None) -> str:
    """An audit entry's detail in the viewer's language, built from its action, data and person."""
    if set(data) == {LEGACY_TEXT}:  # an entry from before 0009: its English text as it was written
        text = str(data[LEGACY_TEXT])
        return f"{text}, {_person(subject_pid)}" if subject_pid else text
    request, fmt = data.get("request"), data.get("format")
    if action == "access-request.registered":
        return _("Request %(id)s, %(person)s", id=request, person=_person(subject_pid))
    if action == "access-request.answered":
        return _(
            "Request %(id)s answered as %(format)s, %(person)s", id=request, format=fmt, person=_person(subject_pid)
        )
    if action == "access-request.extended":
        return _(
            "Request %(id)s now due on %(day)s, %(person)s",
            id=request,
            day=data.get("due"),
            person=_person(subject_pid),
        )
    if action == "lookup":
        return _person(subject_pid)
    if action == "erasure":
        return _("Tombstone: ledger event %(seq)s", seq=data.get("tombstone_seq"))
    if action == "export.ledger":
        return _("%(format)s: %(filter)s", format=fmt, filter=_ledger_filter(data.get("filter") or {}))
    if action == "export.record":
        year = data.get("year")
        return _("%(format)s, with the disclosures of %(year)s", format=fmt, year=year) if year else str(fmt)
    if action == "export.campaign-report":
        return _("Campaign %(campaign)s (%(format)s)", campaign=data.get("campaign"), format=fmt)
    if action in ("login-failed", "locked-out"):
        return _login_failure(data)
    if action in ("officer-added", "officer-removed", "password-set"):
        return str(data.get("officer", ""))
    if action in ("api-filter", "api-links"):
        return _api_call(data)
    if action == "links-minted":
        return _(
            "Campaign %(campaign)s: links minted %(count)s", campaign=data.get("campaign"), count=data.get("links")
        )
    return ", ".join(f"{name} {value}" for name, value in sorted(data.items()))
