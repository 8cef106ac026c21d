"""What the preference page shows and what a submitted form changes; no HTTP in here."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from .. import scopes
from ..catalog import service as catalog
from ..catalog.cache import CampaignInfo, TopicInfo
from ..consent import rules, undo
from ..consent import service as consent
from ..consent.rules import Freshness
from ..models import Action, Channel, ConsentEvent, Link, Source
from ..pids import Pid
from ..web.i18n import _


@dataclass(frozen=True)
class Option:
    """One checkbox: checked means "yes, send me this"."""

    scope: str
    label: str
    description: str
    checked: bool
    renew: bool = False  # an opt-in that a material policy change made stale: ask again


@dataclass(frozen=True)
class Page:
    """Everything the preference template shows."""

    topics: Sequence[Option]
    partner: Option | None
    channels: Sequence[Option]
    everything_stopped: bool
    receiving: Sequence[str] = ()  # the topics the send rule lets through now, by name
    not_receiving: Sequence[str] = ()

    @property
    def options(self) -> list[Option]:
        """Every checkbox on the form."""
        return [*self.topics, *([self.partner] if self.partner else []), *self.channels]


@dataclass(frozen=True)
class Summary:
    """A change shown back to the recipient, with Undo when it is still possible."""

    change_id: str
    lines: Sequence[str]
    undoable: bool
    was_undo: bool


def _channel_label(channel: str) -> str:
    return _("All e-mail") if channel == Channel.EMAIL else _("All phone messages")


def _channel_description(channel: str) -> str:
    if channel == Channel.EMAIL:
        return _("Turn this off to get no e-mail from us at all.")
    return _("Turn this off to get no phone messages from us at all.")


def build_page(
    session: Session,
    pid: Pid,
    campaign: CampaignInfo,
    topics: Sequence[TopicInfo],
    lang: str,
    *,
    fresh: Freshness,
) -> Page:
    """The recipient's choices as checkboxes; opt-ins given under a replaced policy show unticked."""
    choices = consent.choices_of(session, pid)
    partner = None
    if campaign.partner is not None:
        scope = scopes.partner(campaign.partner.slug)
        partner = Option(
            scope,
            _("Offers from %(partner)s", partner=campaign.partner.name),
            _("Turn this off to stop offers from this partner only."),
            not choices.refused(scope),
        )
    channels = [
        Option(
            scopes.channel(ch), _channel_label(ch), _channel_description(ch), not choices.refused(scopes.channel(ch))
        )
        for ch in dict.fromkeys(t.channel for t in topics)
    ]
    verdicts = {t.key: rules.blocker(choices, t, partner_slug=None, fresh=fresh) for t in topics}
    return Page(
        topics=[
            Option(
                scopes.topic(t.key),
                t.name(lang),
                t.description(lang),
                rules.wants_topic(choices, t, fresh),
                renew=rules.stale(choices, t, fresh),
            )
            for t in topics
        ],
        partner=partner,
        channels=channels,
        everything_stopped=choices.refused(scopes.EVERYTHING),
        receiving=[t.name(lang) for t in topics if verdicts[t.key] is None],
        not_receiving=[t.name(lang) for t in topics if verdicts[t.key] is not None],
    )


def changes_from_form(page: Page, shown: Collection[str], wanted: Collection[str]) -> list[tuple[str, Action]]:
    """Compare the submitted checkboxes with the page; only options that were shown can change."""
    changes = []
    for option in page.options:
        if option.scope not in shown:
            continue
        want = option.scope in wanted
        if want != option.checked:
            changes.append((option.scope, Action.OPT_IN if want else Action.OPT_OUT))
    return changes


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
        return _channel_label(key)
    return _("Everything")


def _describe(session: Session, event: ConsentEvent, topics: Sequence[TopicInfo], lang: str) -> str:
    what = _describe_scope(session, event.scope, topics, lang)
    if event.scope == scopes.EVERYTHING:
        if event.action == Action.OPT_OUT:
            return _("Everything is stopped: you get no e-mail or phone messages from us.")
        return _("Everything is no longer stopped.")
    if event.action == Action.OPT_OUT:
        return _("%(what)s: off", what=what)
    if event.action == Action.OPT_IN:
        return _("%(what)s: on", what=what)
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
    return Summary(
        change_id=change_id,
        lines=[_describe(session, event, topics, lang) for event in events],
        undoable=undo.undoable(session, pid, events, Link.PREFERENCES, campaign_id),
        was_undo=events[0].source == Source.UNDO,
    )


def everything_action(stop: bool) -> list[tuple[str, Action]]:
    """The change for the "stop everything" / "start again" buttons."""
    return [(scopes.EVERYTHING, Action.OPT_OUT if stop else Action.OPT_IN)]
