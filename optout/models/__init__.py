"""The tables. Topics, partners and campaigns are data; choices and the ledger hold decisions.

Recipients exist only as pseudonymous ids (:mod:`optout.identity`): no table holds an address.
Columns of a fixed set of values are typed by their enum and store its values (``db.stored_enum``).
One module per kind of table; every name is importable from here, and importing this package
registers every table on ``Base.metadata``.
"""

from __future__ import annotations

from .catalog import Campaign, Partner, Topic
from .counts import FilterRun, ReasonCount
from .enums import Action, Basis, Channel, Link, Source, Status, UnsubscribeReason, Via
from .ledger import Choice, ConsentEvent, IdentityLink, LedgerHead, PolicyVersion, RedactedEvent
from .people import AccessRequest, ApiKey, AuditEntry, Officer

__all__ = [
    "AccessRequest",
    "Action",
    "ApiKey",
    "AuditEntry",
    "Basis",
    "Campaign",
    "Channel",
    "Choice",
    "ConsentEvent",
    "FilterRun",
    "IdentityLink",
    "LedgerHead",
    "Link",
    "Officer",
    "Partner",
    "PolicyVersion",
    "ReasonCount",
    "RedactedEvent",
    "Source",
    "Status",
    "Topic",
    "UnsubscribeReason",
    "Via",
]
