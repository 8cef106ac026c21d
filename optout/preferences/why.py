"""«Hvorfor fikk jeg dette?»: for each topic the person gets, when and how the yes was given.

Read from the ledger (:mod:`optout.consent.evidence`): the day, where it was given in words and
the policy version. A topic sent until refused (basis opt-out) with no recorded yes says so. The
partner of the campaign is named with the promise that we never gave them the address.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..catalog.cache import CampaignInfo, TopicInfo
from ..consent import evidence
from ..dates import local_date
from ..models import Basis
from ..pids import Pid
from ..web.i18n import _
from .page import Page
from .words import how, long_date


@dataclass(frozen=True)
class Reason:
    """Why one topic reaches the person."""

    topic: str
    text: str


def reasons(session: Session, pid: Pid, page: Page, topics: Sequence[TopicInfo], lang: str) -> list[Reason]:
    """A reason for each ticked topic (what the person gets once no stop or pause holds it back)."""
    ticked = {option.scope.partition(":")[2] for option in page.topics if option.checked}
    chosen = [t for t in topics if t.key in ticked]
    yes = evidence.yes_events(session, pid, [t.key for t in chosen], standing=page.choices)
    found = []
    for topic in chosen:
        event = yes[topic.key]
        if event is None:
            text = (
                _("You have not said no to this. We send it to everyone who has not unsubscribed from it.")
                if topic.basis == Basis.OPT_OUT
                else _("We have no record of a yes to this.")
            )
        else:
            text = _(
                "You said yes on %(day)s %(how)s, under version %(version)s of our privacy policy.",
                day=long_date(local_date(event.occurred_at or event.created_at), lang),
                how=how(event.source),
                version=event.policy_version,
            )
        found.append(Reason(topic.name(lang), text))
    return found


def partner_promise(campaign: CampaignInfo, organisation: str) -> str | None:
    """The sentence that names the campaign's partner and promises it never got the address."""
    if campaign.partner is None:
        return None
    return _(
        "%(organisation)s sent you this offer on behalf of %(partner)s. We have not given your email address "
        "to %(partner)s, and we never will.",
        organisation=organisation,
        partner=campaign.partner.name,
    )
