"""Counts that reports are made of, never a person: filter runs, and the reasons people gave."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, stored_enum, utcnow
from .enums import Via


class FilterRun(Base):
    """Counts of one filtering of a sending list: what a partner report is built from."""

    __tablename__ = "filter_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    finished_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    via: Mapped[Via] = mapped_column(stored_enum(Via, 8))
    rows_read: Mapped[int]
    rows_kept: Mapped[int]
    dropped: Mapped[str] = mapped_column(Text)  # JSON object: reason -> count


class ReasonCount(Base):
    """How many opt-outs through one campaign's links gave one reason; nothing else."""

    __tablename__ = "reason_count"
    __table_args__ = (CheckConstraint("count >= 0", name="count"),)

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), primary_key=True)
    reason: Mapped[str] = mapped_column(String(32), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
