"""The fixed sets a column may hold: stored as their strings, read back as members (``db.stored_enum``)."""

from __future__ import annotations

import enum


class Channel(enum.StrEnum):
    """How a message reaches the recipient."""

    EMAIL = "email"
    PHONE = "phone"


class Basis(enum.StrEnum):
    """Legal basis of a topic: sendable unless refused, or only with a standing opt-in."""

    OPT_OUT = "opt-out"
    CONSENT = "consent"


class Status(enum.StrEnum):
    """A recipient's recorded choice for one scope."""

    OPTED_IN = "opt-in"
    OPTED_OUT = "opt-out"
    PAUSED = "pause"  # scope pause:email only, until its ends_on: never an opt-out, it expires


class Action(enum.StrEnum):
    """What one ledger event did. ``reset`` returns a scope to no recorded choice (undo, ending a pause);
    ``link`` and ``unlink`` join or part an email id and a phone id (scope ``link:<phone pid>``)."""

    OPT_IN = "opt-in"
    OPT_OUT = "opt-out"
    RESET = "reset"
    PAUSE = "pause"
    LINK = "link"
    UNLINK = "unlink"


class Source(enum.StrEnum):
    """Where a decision came from."""

    ONE_CLICK = "one-click"
    MAILTO = "mailto"  # the List-Unsubscribe mailto: address (optout mail serve)
    CONFIRMATION_PAGE = "confirmation-page"
    PREFERENCE_PAGE = "preference-page"
    UNDO = "undo"
    CLI = "cli"
    IMPORT = "import"
    ERASURE = "erasure"
    # Opt-outs reported through the intake API (POST /api/v1/opt-outs) by the system that took them:
    IVR = "ivr"  # a phone call's "press 9 to stop"
    SMS = "sms"  # a STOP reply to a text message
    ESP = "esp"  # an email provider's own unsubscribe or complaint event
    SUPPORT = "support"  # a person who asked customer service


class Link(enum.StrEnum):
    """Which signed link carried a decision made on our pages (what each may do: README)."""

    UNSUBSCRIBE = "unsubscribe"  # /u/, the List-Unsubscribe link: opt-outs and their undo only
    PREFERENCES = "preferences"  # /p/, in the message body: every choice on the page


class Via(enum.StrEnum):
    """Which edge filtered a sending list."""

    CLI = "cli"
    API = "api"


class UnsubscribeReason(enum.StrEnum):
    """The reasons offered on the unsubscribe answer page, in the order it lists them."""

    TOO_MANY = "too-many"
    NOT_RELEVANT = "not-relevant"
    NEVER_SIGNED_UP = "never-signed-up"
    OTHER = "other"
