"""The access package (GDPR Art. 15): what we hold about one person, and the statements owed.

The package is built from the pseudonymous id, since no address is stored; the address the
person asked about is put back only into their own copy. Every statement of Art. 15(1)(a)-(h)
is given in bokmål and English, from the message catalogs, so one file serves both languages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from jinja2 import Environment
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..config import Settings
from ..consent import identities
from ..consent import service as consent
from ..consent.rules import Freshness
from ..dates import local_date
from ..db import utcnow
from ..labels import Names
from ..languages import DEFAULT
from ..ledger.chain import timestamp
from ..models import AccessRequest, Campaign, Channel, Choice, ConsentEvent, Partner, Topic
from ..pids import Pid
from . import letter
from .statements import labels, statements

FORMAT = "optout-access-package/1"
TEMPLATE = "privacy/package.html"


def _campaigns(session: Session, ids: set[int]) -> Sequence[Campaign]:
    """The campaigns the person's decisions were made through (one query, topic and partner joined)."""
    if not ids:
        return ()
    return session.scalars(select(Campaign).where(Campaign.id.in_(ids)).order_by(Campaign.id)).all()


def _choices(session: Session, pid: Pid) -> list[dict[str, Any]]:
    chosen = session.scalars(select(Choice).where(Choice.pid == pid).order_by(Choice.scope)).all()
    return [
        {
            "scope": c.scope,
            "status": c.status,
            "changed_at": timestamp(c.changed_at),
            "policy_version": c.policy_version,
            **({"ends_on": c.ends_on.isoformat()} if c.ends_on else {}),  # a pause's last day
        }
        for c in chosen
    ]


def _history(history: Sequence[ConsentEvent], slugs: Mapping[int, str]) -> list[dict[str, Any]]:
    return [
        {
            "seq": e.seq,
            "at": timestamp(e.created_at),
            "occurred_at": timestamp(e.occurred_at),
            "scope": e.scope,
            "channel": e.channel,
            "action": e.action,
            "source": e.source,
            "campaign": slugs.get(e.campaign_id) if e.campaign_id else None,
            "lang": e.lang,
            "policy_version": e.policy_version,
            "evidence": e.evidence,
            "link": e.link,
            **({"ends_on": e.ends_on.isoformat()} if e.ends_on else {}),
        }
        for e in history
    ]


def build(
    session: Session,
    pid: Pid,
    *,
    email: str | None = None,
    phone: str | None = None,
    settings: Settings,
    request: AccessRequest | None = None,
    topics: Sequence[Topic] = (),
    fresh: Freshness,
) -> dict[str, Any]:
    """The whole package for the person with pseudonymous id *pid* (who asked about *email* or
    *phone*), with the choices and history of every identity linked to it: they count for the person."""
    linked = identities.linked(session.connection(), pid)
    histories = {one: consent.history(session, one) for one in [pid, *linked]}
    requests = session.scalars(
        select(AccessRequest).where(AccessRequest.pid.in_([pid, *linked])).order_by(AccessRequest.received_at)
    ).all()
    touched = _campaigns(session, {e.campaign_id for h in histories.values() for e in h if e.campaign_id})
    slugs = {c.id: c.slug for c in touched}
    verdicts = consent.sendability(session, pid, topics, fresh=fresh)  # the person's: every identity's choices
    other_kind = Channel.EMAIL if phone is not None else Channel.PHONE  # a link joins an address and a number
    subject = {"phone": phone} if phone is not None else {"email": email}
    return {
        "format": FORMAT,
        "generated_at": timestamp(utcnow()),
        "subject": {**subject, "pseudonymous_id": pid},
        "request": None
        if request is None
        else {"received_at": timestamp(request.received_at), "due_on": request.answer_due.isoformat()},
        "current_choices": _choices(session, pid),
        "receives": {key: blocker is None for key, blocker in verdicts.items()},
        "history": _history(histories[pid], slugs),
        "linked_identities": [
            {
                "kind": other_kind.value,
                "pseudonymous_id": one,
                "current_choices": _choices(session, one),
                "history": _history(histories[one], slugs),
            }
            for one in linked
        ],
        "campaigns": [
            {"campaign": c.slug, "topic": c.topic.key, "partner": c.partner.name if c.partner else None}
            for c in touched
        ],
        "access_requests": [
            {
                "received_at": timestamp(r.received_at),
                "due_on": r.answer_due.isoformat(),  # the extended day, if the deadline was extended
                "extension_reason": r.extension_reason,
                "answered_at": timestamp(r.answered_at),
            }
            for r in requests
        ],
        "statements": statements(settings),
    }


def names(session: Session, topics: Sequence[Topic]) -> Names:
    """The topic and partner names the letter uses (in bokmål; :func:`letter.letters` gives each language)."""
    partners = {p.slug: p.name for p in session.scalars(select(Partner)).all()}
    return Names.of(topics, partners, DEFAULT)


def render_html(templates: Environment, data: dict[str, Any], settings: Settings, known: Names) -> str:
    """The package as one standalone, printable letter in HTML, in bokmål and English (no request
    needed: the CLI renders it too), with topic and partner names from *known*."""
    return templates.get_template(TEMPLATE).render(
        package=data, labels=labels(settings), letters=letter.letters(data, known)
    )


def received_on(request: AccessRequest) -> dt.date:
    """The day a request was received, in Norway."""
    return local_date(request.received_at)
