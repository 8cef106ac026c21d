"""Link one person's email id and phone id, and find the ids linked to one.

A link is recorded only when marketing data says the two belong together (``optout recipient
link``, a consent import row with both ``email`` and ``phone``); the opt-out intake API never
links. A link manufactures no consent: it records no choice, it only makes the choices already
recorded for either id count for the person (:mod:`optout.consent.merge`).

The current links are rows of ``identity_link``; every change is also a ledger event (action
``link`` or ``unlink``, the email id as its pid, scope ``link:<phone pid>``), hash-chained with the
rest, exported with it and redacted when either identity is erased.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any, cast

from sqlalchemy import Connection, Row, Table, bindparam, delete, insert, or_, select, union_all
from sqlalchemy.orm import Session

from ..audit import service as audit
from ..db import list_value, listed, utcnow
from ..ledger import chain
from ..models import Action, Choice, IdentityLink, Source
from ..pids import Pid
from . import merge

LINK_SCOPE = "link"
_LINK = cast(Table, IdentityLink.__table__)
_CHOICE = cast(Table, Choice.__table__)

# Built once: on the request path (every page and every decision asks for links) building and
# hashing a statement costs several times what SQLite takes to run it.
_LINKED = select(_LINK.c.email_pid, _LINK.c.phone_pid).where(
    or_(_LINK.c.email_pid == bindparam("pid"), _LINK.c.phone_pid == bindparam("pid"))
)
_CHOICE_ROWS = select(
    _CHOICE.c.pid,
    _CHOICE.c.scope,
    _CHOICE.c.status,
    _CHOICE.c.policy_version,
    _CHOICE.c.ends_on,
    _CHOICE.c.changed_at,
).where(_CHOICE.c.pid.in_(bindparam("pids", expanding=True)))
# The choice rows of every id of the person of ``:pid``, in one statement: its own, then those
# of the ids on the other side of each of its links. Each part probes a primary key or an index,
# on SQLite and PostgreSQL alike, whatever the size of the tables.
PERSON_CHOICE_ROWS = union_all(
    select(*_CHOICE_ROWS.selected_columns).where(_CHOICE.c.pid == bindparam("pid")),
    *(
        select(*_CHOICE_ROWS.selected_columns)
        .join_from(_CHOICE, _LINK, _CHOICE.c.pid == other)
        .where(this == bindparam("pid"))
        for this, other in ((_LINK.c.email_pid, _LINK.c.phone_pid), (_LINK.c.phone_pid, _LINK.c.email_pid))
    ),
)


def scope_of(phone_pid: Pid) -> str:
    """The ledger scope of a link to *phone_pid*."""
    return f"{LINK_SCOPE}:{phone_pid}"


def linked(connection: Connection | Session, pid: Pid) -> list[Pid]:
    """The ids linked to *pid* (either side of a link), sorted."""
    rows = connection.execute(_LINKED, {"pid": pid}).all()
    return sorted({Pid(other) for row in rows for other in row if other != pid})


def with_links(connection: Connection, pids: Sequence[Pid]) -> set[Pid]:
    """Those of *pids* that have a link (one query for a batch; links are rare)."""
    dialect = connection.dialect.name
    given = listed("pids", dialect).scalar_subquery()
    stmt = select(_LINK.c.email_pid, _LINK.c.phone_pid).where(
        or_(_LINK.c.email_pid.in_(given), _LINK.c.phone_pid.in_(given))
    )
    found = connection.execute(stmt, {"pids": list_value(pids)}).all()
    wanted = set(pids)
    return {Pid(one) for row in found for one in row if one in wanted}


def choice_rows(connection: Connection, pids: Sequence[Pid]) -> Sequence[Row[Any, Any, Any, Any, Any, Any]]:
    """The choice rows of *pids*: (pid, scope, status, policy version, ends_on, changed_at)."""
    return connection.execute(_CHOICE_ROWS, {"pids": list(pids)}).all()


def outdated(connection: Connection, pid: Pid) -> dict[str, str]:
    """The scopes where *pid*'s own choice is not the person's, because a linked identity chose
    later: scope to *pid*'s own status. Empty (one index probe) for an identity with no link."""
    others = linked(connection, pid)
    if not others:
        return {}
    rows = choice_rows(connection, [pid, *others])
    own = {row.scope: str(row.status) for row in rows if row.pid == pid}
    person = {scope: str(status) for scope, status, _version, _ends in merge.latest(row[1:] for row in rows)}
    return {scope: status for scope, status in own.items() if person.get(scope) != status}


def person(connection: Connection | Session, pid: Pid) -> list[Pid]:
    """*pid* first, then every id linked to it."""
    return [pid, *linked(connection, pid)]


def _record(
    session: Session, email_pid: Pid, phone_pid: Pid, action: Action, *, source: Source, policy_version: str
) -> bool:
    """Make the link exist (``link``) or not (``unlink``); chain an event only when that changed it."""
    connection = session.connection()
    head = chain.lock(connection)  # first: links and choices are written under the ledger's one lock
    where = (_LINK.c.email_pid == email_pid, _LINK.c.phone_pid == phone_pid)
    exists = connection.execute(select(_LINK.c.email_pid).where(*where)).first() is not None
    if exists == (action is Action.LINK):
        return False  # already so: nothing to record
    now = utcnow()
    if action is Action.LINK:
        connection.execute(insert(_LINK).values(email_pid=email_pid, phone_pid=phone_pid, linked_at=now))
    else:
        connection.execute(delete(_LINK).where(*where))
    event = {
        "pid": email_pid,
        "scope": scope_of(phone_pid),
        "channel": None,
        "action": action.value,
        "source": source.value,
        "campaign_id": None,
        "lang": None,
        "policy_version": policy_version,
        "change_id": uuid.uuid4().hex,
        "created_at": now,
        "occurred_at": None,
        "evidence": None,
        "link": None,
        "restores": None,
        "ends_on": None,
    }
    chain.append(connection, [event], head)
    return True


def link(
    session: Session, email_pid: Pid, phone_pid: Pid, *, source: Source, policy_version: str, actor: str | None = None
) -> bool:
    """Link *email_pid* and *phone_pid*; False if they already were. With *actor* (an officer, ``cli``)
    the change is audited in the same transaction; an import's rows are not. The caller commits."""
    changed = _record(session, email_pid, phone_pid, Action.LINK, source=source, policy_version=policy_version)
    if changed and actor is not None:
        audit.log_action(session, actor, audit.AuditAction.IDENTITIES_LINKED, subject_pid=email_pid)
    return changed


def unlink(
    session: Session, email_pid: Pid, phone_pid: Pid, *, source: Source, policy_version: str, actor: str | None = None
) -> bool:
    """Part *email_pid* and *phone_pid*; False if they were not linked. Audited as :func:`link`."""
    changed = _record(session, email_pid, phone_pid, Action.UNLINK, source=source, policy_version=policy_version)
    if changed and actor is not None:
        audit.log_action(session, actor, audit.AuditAction.IDENTITIES_UNLINKED, subject_pid=email_pid)
    return changed


def remove_all(connection: Connection, pids: Iterable[Pid]) -> int:
    """Delete every link of any of *pids* with no event (erasure redacts the events); how many."""
    chosen = list(pids)
    done = connection.execute(delete(_LINK).where(or_(_LINK.c.email_pid.in_(chosen), _LINK.c.phone_pid.in_(chosen))))
    return int(done.rowcount or 0)


def all_links(connection: Connection) -> Sequence[tuple[str, str]]:
    """Every link as (email pid, phone pid): few, read once by the filter."""
    return [(str(a), str(b)) for a, b in connection.execute(select(_LINK.c.email_pid, _LINK.c.phone_pid))]
