"""The console's audit trail: every entry, newest first, a page at a time, in the viewer's language."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue

from ...audit import service as audit
from ...labels import Names
from ...models import AuditEntry
from ...web.session import get_session
from .. import labels
from ..blueprint import bp
from .common import names

MAX_ENTRY_ID = 2**31 - 1  # the id column is an INTEGER: PostgreSQL refuses to compare it with more


def _entry_id(raw: str | None) -> int | None:
    """The entry id a page of the trail starts before: None for none; 404 if it cannot be an id."""
    if raw is None:
        return None
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) <= MAX_ENTRY_ID:
        abort(404)
    return int(raw)


@dataclass(frozen=True)
class AuditRow:
    """One audit entry as the page shows it: its action and detail in the viewer's language."""

    at: dt.datetime
    actor: str
    action: str
    detail: str
    legacy: bool  # written before 0009: the detail is the English text it was recorded with

    @classmethod
    def of(cls, entry: AuditEntry, names: Names) -> AuditRow:
        """Render *entry* for the page, with topic and partner *names* for the codes in it."""
        data = entry.data or {}
        detail = labels.audit_detail(entry.action, data, entry.subject_pid, names)
        legacy = set(data) == {audit.LEGACY_TEXT}
        return cls(entry.at, entry.officer, labels.audit_action(entry.action), detail, legacy)


@bp.get("/audit", endpoint="audit")
def audit_trail() -> ResponseReturnValue:
    """The audit trail, newest first, a page at a time."""
    before = _entry_id(request.args.get("before"))
    entries = audit.entries(get_session(), before=before, limit=audit.PAGE_SIZE + 1)
    older = entries[audit.PAGE_SIZE - 1].id if len(entries) > audit.PAGE_SIZE else None
    known = names()
    rows = [AuditRow.of(entry, known) for entry in entries[: audit.PAGE_SIZE]]
    return render_template("officer/audit.html", entries=rows, older=older, first_page=before is None)
