"""Why people unsubscribed, as counts: the fixed reasons a person may give after the act, and
the one table that counts them per campaign.

A reason is optional, asked only after the opt-out, from a short fixed list (free text would be
personal data we do not need). The table holds a campaign, a reason and a count: no pid, no
change id, no time, so no row can be matched to a person or to a ledger event.
"""

from __future__ import annotations

import enum

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .db import Base
from .languages import N_


class UnsubscribeReason(enum.StrEnum):
    """The reasons offered on the unsubscribe answer page, in the order it lists them."""

    TOO_MANY = "too-many"
    NOT_RELEVANT = "not-relevant"
    NEVER_SIGNED_UP = "never-signed-up"
    OTHER = "other"


class ReasonCount(Base):
    """How many opt-outs through one campaign's links gave one reason; nothing else."""

    __tablename__ = "reason_count"
    __table_args__ = (CheckConstraint("count >= 0", name="count"),)

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), primary_key=True)
    reason: Mapped[str] = mapped_column(String(32), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


# What the page offers and the console shows, marked for the catalogs; translated where shown.
LABELS = {
    UnsubscribeReason.TOO_MANY: N_("I get too many emails"),
    UnsubscribeReason.NOT_RELEVANT: N_("The emails are not relevant to me"),
    UnsubscribeReason.NEVER_SIGNED_UP: N_("I never signed up"),
    UnsubscribeReason.OTHER: N_("Another reason"),
}
