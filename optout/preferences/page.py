"""What the preference page shows and what a submitted form changes; no HTTP in here.

Every tick means exactly "you get this": a topic is ticked when the send rule lets it through
(a channel opt-out recorded elsewhere unticks it, and ticking it lifts that opt-out too), and the
partner box is shown only under a ticked partner-offers topic, so it can never stand for consent
the parent lacks. Two states are shown beside the ticks rather than through them: unsubscribed
from everything (the form gives way to «Meld meg på igjen») and a pause (its last day, «Avslutt
pausen»). The status line above asks the rule about today, pause and all, as the filter does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from .. import dates, scopes
from ..catalog.cache import CampaignInfo, TopicInfo
from ..consent import rules
from ..consent import service as consent
from ..consent.rules import Choices, Freshness
from ..models import Action
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
    lifts: tuple[str, ...] = ()  # refusals a tick lifts as well (a channel opt-out made elsewhere)


@dataclass(frozen=True)
class Page:
    """Everything the preference template shows; hashable, so a rendered page can be kept by it."""

    topics: tuple[Option, ...]
    partner: Option | None  # shown only while its parent topic is ticked
    partner_parent: str | None  # the scope of the partner box's parent topic
    partner_waits: str | None  # said instead of the partner box while the parent is unticked
    everything_stopped: bool
    paused_until: dt.date | None
    receiving: tuple[str, ...] = ()  # the topics the send rule lets through today, by name
    not_receiving: tuple[str, ...] = ()
    # The person's choices the page was drawn from, for the reasons beside it. The template never
    # reads them, so they are no part of what makes two pages the same.
    choices: Choices = field(default_factory=Choices, compare=False)

    @property
    def ticked(self) -> list[str]:
        """The names of the ticked topics: what the person gets once nothing stops or pauses it."""
        return [option.label for option in self.topics if option.checked]


def _beneath(choices: Choices) -> Choices:
    """The choices without the stop of everything and the pause: what the ticks show."""
    kept = {s: r for s, r in choices.recorded.items() if s not in (scopes.EVERYTHING, scopes.PAUSE_EMAIL)}
    return Choices(kept)


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
    beneath, today = _beneath(choices), dates.today()
    options = []
    for t in topics:
        channel = scopes.channel(t.channel)
        options.append(
            Option(
                scopes.topic(t.key),
                t.name(lang),
                t.description(lang),
                rules.blocker(beneath, t, partner_slug=None, fresh=fresh) is None,
                renew=rules.stale(choices, t, fresh),
                lifts=(channel,) if choices.refused(channel) else (),
            )
        )
    partner = parent = waits = None
    if campaign.partner is not None:
        parent = scopes.topic(campaign.topic.key)
        parent_option = next((o for o in options if o.scope == parent), None)
        name, topic_name = campaign.partner.name, campaign.topic.name(lang)
        if parent_option is not None and parent_option.checked:
            scope = scopes.partner(campaign.partner.slug)
            partner = Option(
                scope,
                _("Offers from %(partner)s", partner=name),
                _("Untick this to stop offers from this partner only. Offers from other partners are not affected."),
                not choices.refused(scope),
            )
        else:
            waits = _(
                "You get offers from %(partner)s only while “%(topic)s” is ticked.", partner=name, topic=topic_name
            )
    verdicts = {t.key: rules.blocker(choices, t, partner_slug=None, fresh=fresh, today=today) for t in topics}
    return Page(
        topics=tuple(options),
        partner=partner,
        partner_parent=parent,
        partner_waits=waits,
        everything_stopped=choices.refused(scopes.EVERYTHING),
        paused_until=rules.paused_until(choices, today),
        receiving=tuple(t.name(lang) for t in topics if verdicts[t.key] is None),
        not_receiving=tuple(t.name(lang) for t in topics if verdicts[t.key] is not None),
        choices=choices,
    )


def changes_from_form(page: Page, shown: Collection[str], wanted: Collection[str]) -> list[tuple[str, Action]]:
    """Compare the submitted checkboxes with the page; only options that were shown can change.

    A partner box counts only when its parent topic is wanted in the same form: ticked under an
    unticked parent, it is never saved.
    """
    changes: list[tuple[str, Action]] = []
    for option in page.topics:
        if option.scope not in shown:
            continue
        want = option.scope in wanted
        if want and not option.checked:
            changes.append((option.scope, Action.OPT_IN))
            changes.extend((lifted, Action.OPT_IN) for lifted in option.lifts)
        elif not want and option.checked:
            changes.append((option.scope, Action.OPT_OUT))
    partner = page.partner
    if partner is not None and partner.scope in shown and page.partner_parent in wanted:
        want = partner.scope in wanted
        if want != partner.checked:
            changes.append((partner.scope, Action.OPT_IN if want else Action.OPT_OUT))
    return list(dict.fromkeys(changes))


def everything_action(stop: bool) -> list[tuple[str, Action]]:
    """The change for the «Meld meg av alt» / «Meld meg på igjen» buttons."""
    return [(scopes.EVERYTHING, Action.OPT_OUT if stop else Action.OPT_IN)]
