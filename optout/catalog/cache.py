"""An in-process cache of the catalog for the request path.

Campaigns never change once created (no command edits them), so a campaign is cached for the
life of the process; topics are kept for a short while. Choices are never cached: an opt-out
recorded a moment ago always counts.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..models import Campaign, Topic
from . import service


@dataclass(frozen=True)
class TopicInfo:
    """A topic, detached from any session."""

    id: int
    key: str
    channel: str
    basis: str
    for_partners: bool
    name_nb: str
    name_en: str
    description_nb: str
    description_en: str

    def name(self, lang: str) -> str:
        """The topic's name in *lang*."""
        return self.name_nb if lang == "nb" else self.name_en

    def description(self, lang: str) -> str:
        """The topic's description in *lang*."""
        return self.description_nb if lang == "nb" else self.description_en

    @classmethod
    def of(cls, topic: Topic) -> TopicInfo:
        """Copy a topic row."""
        return cls(
            topic.id,
            topic.key,
            topic.channel,
            topic.basis,
            topic.for_partners,
            topic.name_nb,
            topic.name_en,
            topic.description_nb,
            topic.description_en,
        )


@dataclass(frozen=True)
class PartnerInfo:
    """A partner, detached from any session."""

    id: int
    slug: str
    name: str


@dataclass(frozen=True)
class CampaignInfo:
    """A campaign with its topic and partner, detached from any session."""

    id: int
    slug: str
    lang: str
    topic: TopicInfo
    partner: PartnerInfo | None

    @classmethod
    def of(cls, campaign: Campaign) -> CampaignInfo:
        """Copy a campaign row with its topic and partner."""
        partner = campaign.partner
        return cls(
            campaign.id,
            campaign.slug,
            campaign.lang,
            TopicInfo.of(campaign.topic),
            PartnerInfo(partner.id, partner.slug, partner.name) if partner else None,
        )


class CatalogCache:
    """Campaigns by id (kept), topics in display order (kept for *topic_ttl* seconds)."""

    def __init__(self, topic_ttl: float = 60.0, max_campaigns: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._campaigns: dict[int, CampaignInfo] = {}
        self._topics: tuple[TopicInfo, ...] = ()
        self._topics_until = 0.0
        self._topic_ttl = topic_ttl
        self._max_campaigns = max_campaigns

    def campaign(self, session: Session, campaign_id: int) -> CampaignInfo | None:
        """The campaign with this id, if it exists (misses are not remembered)."""
        cached = self._campaigns.get(campaign_id)
        if cached is not None:
            return cached
        row = service.campaign_by_id(session, campaign_id)
        if row is None:
            return None
        info = CampaignInfo.of(row)
        with self._lock:
            if len(self._campaigns) >= self._max_campaigns:
                self._campaigns.clear()
            self._campaigns[campaign_id] = info
        return info

    def topics(self, session: Session) -> Sequence[TopicInfo]:
        """Every topic in display order."""
        now = time.monotonic()
        if now >= self._topics_until:
            topics = tuple(TopicInfo.of(t) for t in service.topics(session))
            with self._lock:
                self._topics, self._topics_until = topics, now + self._topic_ttl
        return self._topics
