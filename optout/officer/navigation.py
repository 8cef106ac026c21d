"""The console's main navigation: one entry per page, in order.

A new console page adds its entry here (endpoint and a lazily translated label); the layout
marks the current page with ``aria-current``.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class NavItem:
    """A link in the console's navigation."""

    endpoint: str
    label: object  # a lazy string, translated when rendered


NAV: list[NavItem] = [
    NavItem("officer.overview", _l("Overview")),
    NavItem("officer.lookup", _l("Look up a person")),
    NavItem("officer.access_requests", _l("Access requests")),
    NavItem("officer.exports", _l("Exports")),
    NavItem("officer.erase_start", _l("Erasure")),
    NavItem("officer.campaigns", _l("Campaign reports")),
    NavItem("officer.ledger", _l("Ledger")),
    NavItem("officer.audit", _l("Audit trail")),
]
