"""What is sent: topics, partners and campaigns. Data, not code: the operator names them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, stored_enum, utcnow
from .enums import Basis, Channel


class Topic(Base):
    """A kind of message a recipient can choose to receive or refuse."""

    __tablename__ = "topic"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[Channel] = mapped_column(stored_enum(Channel, 16))
    basis: Mapped[Basis] = mapped_column(stored_enum(Basis, 16))
    for_partners: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    name_nb: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    description_nb: Mapped[str] = mapped_column(String(1000))
    description_en: Mapped[str] = mapped_column(String(1000))

    def name(self, lang: str) -> str:
        """The topic's name in *lang*."""
        return self.name_nb if lang == "nb" else self.name_en

    def description(self, lang: str) -> str:
        """The topic's description in *lang*."""
        return self.description_nb if lang == "nb" else self.description_en


class Partner(Base):
    """A marketing partner on whose behalf we send offers; it never sees a recipient."""

    __tablename__ = "partner"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Campaign(Base):
    """One sending: its topic, its partner (for partner offers) and the default link language."""

    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id"))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id"))
    lang: Mapped[str] = mapped_column(String(2), default="nb")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    topic: Mapped[Topic] = relationship(lazy="joined")
    partner: Mapped[Partner | None] = relationship(lazy="joined")
