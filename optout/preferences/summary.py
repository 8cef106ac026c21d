"""A change shown back to the recipient, with Undo while it is still possible.

A change that a newer decision has since overtaken (an old ``?change=`` address, a bookmark) is
shown as history, in neutral words, never as a fresh "saved" (review finding B9).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from .. import scopes
from ..catalog import service as catalog
from ..catalog.cache import TopicInfo
from ..consent import service as consent
from ..consent import undo
from ..models import Action, ConsentEvent, Link, Source
from ..pids import Pid
from ..web.i18n import _
from .words import long_date


@dataclass(frozen=True)
class Summary:
    """A change shown back to the recipient, with Undo when it is still possible."""

    change_id: str
    lines: tuple[str, ...]
    undoable: bool
    was_undo: bool
    superseded: bool  # a newer decision has touched its choices since: shown as history


def _describe_scope(session: Session, scope: str, topics: Sequence[TopicInfo], lang: str) -> str:
    kind, key = scopes.split(scope)
    if kind == "topic":
        return next((t.name(lang) for t in topics if t.key == key), key)
    if kind == "partner":
        try:
            return _("Offers from %(partner)s", partner=catalog.partner_by_slug(session, key).name)
        except catalog.CatalogError:
            return key
    if kind == "channel":
        return _("All email from us") if key == "email" else _("All phone calls from us")
    return _("Everything")


def _describe(session: Session, event: ConsentEvent, topics: Sequence[TopicInfo], lang: str) -> str:
    if event.scope == scopes.EVERYTHING:
        if event.action == Action.OPT_OUT:
            return _("Unsubscribed from everything: you'll get no emails or calls from us.")
        return _("You're subscribed again and will get what is ticked below.")
    if event.scope == scopes.PAUSE_EMAIL:
        if event.action == Action.PAUSE and event.ends_on is not None:
            return _("All email from us is paused up to and including %(day)s.", day=long_date(event.ends_on, lang))
        return _("The pause has ended: you get your email again.")
    what = _describe_scope(session, event.scope, topics, lang)
    if event.action == Action.OPT_OUT:
        return _("Unsubscribed: %(what)s", what=what)
    if event.action == Action.OPT_IN:
        return _("Subscribed: %(what)s", what=what)
    return _("%(what)s: back to no recorded choice", what=what)


def summary(
    session: Session, pid: Pid, change_id: str | None, topics: Sequence[TopicInfo], lang: str, campaign_id: int
) -> Summary | None:
    """Describe change *change_id* if it belongs to *pid*; None otherwise."""
    if not change_id:
        return None
    events = consent.change_events(session, pid, change_id)
    if not events:
        return None
    superseded = undo.superseded(session, pid, events)
    return Summary(
        change_id=change_id,
        lines=tuple(_describe(session, event, topics, lang) for event in events),
        undoable=not superseded and undo.may_undo(events, Link.PREFERENCES, campaign_id),
        was_undo=events[0].source == Source.UNDO,
        superseded=superseded,
    )
