"""Words for the codes the console shows (scopes, actions, sources, reasons, refusals), in the page's
language.

Called at request time; an unknown code is shown as it is rather than hidden.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..catalog.cache import TopicInfo
from ..consent import scopes
from ..i18n import _
from ..privacy import requests


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
    words = {"opt-out": _("Opted out"), "opt-in": _("Opted in"), "reset": _("Back to no recorded choice")}
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
    """An audit entry's action."""
    words = {
        "login": _("Logged in"),
        "login-failed": _("Failed login"),
        "locked-out": _("Account locked"),
        "logout": _("Logged out"),
        "lookup": _("Looked up a person"),
        "export": _("Export"),
        "access-request": _("Access request"),
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


def extension_refused(error: requests.ExtensionRefused) -> str:
    """Why a request's deadline was not extended."""
    request, code = error.request, error.code
    if code is requests.Refusal.ANSWERED:
        return _("Request %(id)s is already answered; there is nothing to extend.", id=request.id)
    if code is requests.Refusal.ALREADY_EXTENDED:
        day = request.extended_to.isoformat() if request.extended_to else ""
        return _(
            "The deadline of request %(id)s was already extended, to %(day)s. It can be extended only once.",
            id=request.id,
            day=day,
        )
    if code is requests.Refusal.TOO_LATE:
        return _(
            "Request %(id)s was due on %(day)s. The person must be told of an extension within one month of "
            "receipt, so it is too late to extend it.",
            id=request.id,
            day=request.due_on.isoformat(),
        )
    if code is requests.Refusal.BAD_MONTHS:
        return _("Choose one or two months.")
    return _("Give the reason for the extension.")
