"""Words for the codes Optout records (scopes, actions, sources, reasons, audit actions), in a given
language, without Flask: the console, the access package and the record of processing share them,
so an officer and the person the data is about read the same names for the same thing.

Each table is keyed by its enum, and a test holds that every member has a label in both languages;
a code no table knows (a value from a newer version) is shown as it is rather than hidden. The
values read from the models may be plain strings or enum members: a ``StrEnum`` member equals and
hashes as its string, so either finds its label.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from .. import scopes
from ..audit.service import AuditAction
from ..languages import N_, translate
from ..ledger.verify import Fault
from ..lists.filter import Reason
from ..models import Action, Channel, Link, Source, Status, UnsubscribeReason

ACTIONS: dict[Action, str] = {
    Action.OPT_IN: N_("Opted in"),
    Action.OPT_OUT: N_("Opted out"),
    Action.RESET: N_("Reset to no recorded choice"),
    Action.PAUSE: N_("Paused"),
    Action.LINK: N_("Linked to a phone number"),
    Action.UNLINK: N_("Link to a phone number removed"),
}
STATUSES: dict[Status, str] = {
    Status.OPTED_IN: N_("Opted in"),
    Status.OPTED_OUT: N_("Opted out"),
    Status.PAUSED: N_("Paused"),
}
SOURCES: dict[Source, str] = {
    Source.ONE_CLICK: N_("One-click unsubscribe in the email program"),
    Source.MAILTO: N_("Unsubscribe email sent from the mail program"),
    Source.IVR: N_("Phone call (pressed a key to stop)"),
    Source.SMS: N_("Text message (replied STOP)"),
    Source.ESP: N_("Reported by the email provider"),
    Source.SUPPORT: N_("Asked customer service"),
    Source.CONFIRMATION_PAGE: N_("Unsubscribe page"),
    Source.PREFERENCE_PAGE: N_("The “Your choices” page"),
    Source.UNDO: N_("Undo"),
    Source.CLI: N_("Command line"),
    Source.IMPORT: N_("Import"),
    Source.ERASURE: N_("Erasure"),
}
CHANNELS: dict[Channel, str] = {Channel.EMAIL: N_("Email"), Channel.PHONE: N_("Phone")}
LINKS: dict[Link, str] = {
    Link.UNSUBSCRIBE: N_("The unsubscribe link"),
    Link.PREFERENCES: N_("The “Your choices” link"),
}
REASONS: dict[Reason, str] = {
    Reason.MALFORMED: N_("The row could not be read"),
    Reason.INVALID_ADDRESS: N_("Not an email address"),
    Reason.INVALID_NUMBER: N_("Not a phone number that can exist"),
    Reason.DUPLICATE: N_("Duplicate address"),
    Reason.EVERYTHING: N_("Stopped everything"),
    Reason.CHANNEL: N_("Opted out of the channel"),
    Reason.PARTNER: N_("Opted out of the partner"),
    Reason.TOPIC: N_("Opted out of the category"),
    Reason.NO_CONSENT: N_("No consent given"),
    Reason.STALE_CONSENT: N_("Consent given under an older privacy policy"),
    Reason.PAUSED: N_("Paused all email"),
}
# The reasons the unsubscribe answer page offers, in its order; the console's report shows them too.
UNSUBSCRIBE_REASONS: dict[UnsubscribeReason, str] = {
    UnsubscribeReason.TOO_MANY: N_("I get too many emails"),
    UnsubscribeReason.NOT_RELEVANT: N_("The emails are not relevant to me"),
    UnsubscribeReason.NEVER_SIGNED_UP: N_("I never signed up"),
    UnsubscribeReason.OTHER: N_("Another reason"),
}
OPT_OUT_KIND_LABELS: dict[str, str] = {
    "total": N_("All opt-outs"),
    "this-partner": N_("This partner"),
    "campaign-topic": N_("The campaign's category"),
    "channel": N_("A channel"),
    "everything": N_("Everything"),
}
FAULTS: dict[Fault, str] = {
    Fault.ALTERED: N_("An event was altered"),
    Fault.REMOVED: N_("An event was removed"),
    Fault.INSERTED: N_("An event was inserted"),
    Fault.UNEXPLAINED_REDACTION: N_("An event was redacted without an erasure"),
}
AUDIT_ACTIONS: dict[AuditAction, str] = {
    AuditAction.LOGIN: N_("Logged in"),
    AuditAction.LOGIN_FAILED: N_("Failed login"),
    AuditAction.LOCKED_OUT: N_("Account locked"),
    AuditAction.LOGOUT: N_("Logged out"),
    AuditAction.LOOKUP: N_("Looked up a person"),
    AuditAction.REQUEST_REGISTERED: N_("Access request registered"),
    AuditAction.REQUEST_ANSWERED: N_("Access request answered"),
    AuditAction.REQUEST_EXTENDED: N_("Access request deadline extended"),
    AuditAction.ERASURE: N_("Erasure"),
    AuditAction.LEDGER_EXPORTED: N_("Ledger exported"),
    AuditAction.RECORD_EXPORTED: N_("Record of processing exported"),
    AuditAction.REPORT_EXPORTED: N_("Campaign report exported"),
    AuditAction.OFFICER_ADDED: N_("Officer added"),
    AuditAction.OFFICER_REMOVED: N_("Officer removed"),
    AuditAction.PASSWORD_SET: N_("Password set"),
    AuditAction.API_FILTER: N_("API: sending list filtered"),
    AuditAction.API_LINKS: N_("API: links made"),
    AuditAction.API_OPT_OUTS: N_("API: opt-outs reported"),
    AuditAction.LINKS_MINTED: N_("Links made"),
    AuditAction.TOPIC_EDITED: N_("Category texts changed"),
    AuditAction.IDENTITIES_LINKED: N_("Email address and phone number linked"),
    AuditAction.IDENTITIES_UNLINKED: N_("Email address and phone number unlinked"),
}
# The codes of entries written before 0009 (optout.audit.service.LEGACY_ACTIONS).
LEGACY_AUDIT_ACTIONS: dict[str, str] = {
    "export": N_("Export"),
    "access-request": N_("Access request"),
    "request-extended": N_("Access request deadline extended"),
}

# An opt-in on these scopes is no consent to anything: it only lifts a refusal (finding B15).
UNSUBSCRIBE_ALL_LIFTED = N_("Unsubscribe-all lifted")
NOT_BLOCKED = N_("Not blocked")


def word(table: Mapping[Any, str], code: str | None, lang: str) -> str:
    """*code*'s label from *table* in *lang*; the code itself when the table has none."""
    if code is None:
        return ""
    label = table.get(code)
    return translate(lang, label) if label else str(code)


def _lifted(scope: str, opted_in: bool, lang: str) -> str | None:
    if not opted_in:
        return None
    if scope == scopes.EVERYTHING:
        return translate(lang, UNSUBSCRIBE_ALL_LIFTED)
    if scopes.split(scope)[0] == "channel":
        return translate(lang, NOT_BLOCKED)
    return None


def status(scope: str, code: str, lang: str) -> str:
    """A current choice of *scope*, in words that cannot be misread as consent to everything."""
    return _lifted(scope, code == Status.OPTED_IN, lang) or word(STATUSES, code, lang)


def action(scope: str, code: str, lang: str) -> str:
    """A ledger event's action on *scope*, worded as :func:`status` words a choice."""
    return _lifted(scope, code == Action.OPT_IN, lang) or word(ACTIONS, code, lang)


def channel(name: str | None, lang: str) -> str:
    """A channel's name; None means every channel."""
    return translate(lang, N_("All channels")) if name is None else word(CHANNELS, name, lang)


class Named(Protocol):
    """A topic as the labels need it: a row or a cached copy."""

    @property
    def key(self) -> str: ...
    def name(self, lang: str) -> str: ...


@dataclass(frozen=True)
class Names:
    """Topic and partner names in one language, for scope labels."""

    topics: Mapping[str, Named]
    partners: Mapping[str, str]
    lang: str

    @classmethod
    def of(cls, topics: Sequence[Named], partners: Mapping[str, str], lang: str) -> Names:
        """Index *topics* by key."""
        return cls({t.key: t for t in topics}, partners, lang)

    def in_language(self, lang: str) -> Names:
        """The same names in *lang*."""
        return Names(self.topics, self.partners, lang)

    def topic(self, key: str) -> str:
        """A topic's name (its key, for a topic no longer in the catalog)."""
        topic = self.topics.get(key)
        return topic.name(self.lang) if topic else key

    def partner(self, slug: str) -> str:
        """A partner's name (its slug, for a partner no longer in the catalog)."""
        return self.partners.get(slug, slug)

    def scope(self, scope: str) -> str:
        """What a scope is about, e.g. "Category: Offers from our partners"."""
        kind, key = scopes.split(scope)
        if kind == "topic":
            return translate(self.lang, N_("Category: %(name)s"), name=self.topic(key))
        if kind == "partner":
            return translate(self.lang, N_("Partner: %(name)s"), name=self.partner(key))
        if kind == "channel":
            return translate(self.lang, N_("Channel: %(name)s"), name=channel(key, self.lang))
        if kind == "link":  # a link event's scope names the phone id (optout.consent.identities)
            return translate(self.lang, N_("The phone number with pseudonymous ID %(pid)s"), pid=key)
        if scope == scopes.PAUSE_EMAIL:
            return translate(self.lang, N_("Pause of all email"))
        if scope == scopes.EVERYTHING:
            return translate(self.lang, N_("Everything"))
        return scope


def reason(code: str, lang: str) -> str:
    """Why a row of a sending list was not kept, or why a topic may not be sent (a ``Blocker`` of the
    send rule, whose values are the filter's reasons too)."""
    return word(REASONS, code, lang)
