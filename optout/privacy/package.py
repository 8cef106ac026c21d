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
from ..languages import DEFAULT, N_, SUPPORTED, translate
from ..ledger.chain import timestamp
from ..models import AccessRequest, Campaign, Channel, Choice, ConsentEvent, Partner, Topic
from ..pids import Pid
from . import letter

FORMAT = "optout-access-package/1"
TEMPLATE = "privacy/package.html"

# (key, title, text): Art. 15(1) (a) to (h), with who is responsible first.
STATEMENTS: tuple[tuple[str, str, str], ...] = (
    (
        "controller",
        N_("Who is responsible"),
        N_(
            "%(organisation)s is responsible for the processing. Contact: %(attention)s, %(address)s, "
            "%(email)s, %(phone)s."
        ),
    ),
    (
        "purposes",
        N_("Why we process your data (purposes)"),
        N_(
            "We send you regular emails about our site. Only if you have said yes do we also send you offers "
            "on behalf of our partners and call you with recorded messages. We record every choice you make so "
            "that we can respect it and prove it (GDPR Articles 7(1) and 21)."
        ),
    ),
    (
        "categories",
        N_("What we hold (categories of personal data)"),
        N_(
            "This service does not store your email address. It keeps a pseudonymous ID computed from the "
            "address with a secret key, your choices for each category, partner and channel, and the history of "
            "those choices: when, how, in which language and under which version of our privacy policy."
        ),
    ),
    (
        "recipients",
        N_("Who receives your data (recipients)"),
        N_(
            "Only our processors, the companies that host this service and deliver our email, under data "
            "processing agreements. Marketing partners never receive your email address, your ID or any "
            "other personal data: they only get totals."
        ),
    ),
    (
        "retention",
        N_("How long we keep your data"),
        N_(
            "Your choices and their history are kept as long as we may send you messages and as long as we "
            "need them to prove your choices. If you ask us to erase your data, everything is deleted except "
            "a pseudonymous do-not-contact entry, so that we never contact you again by mistake."
        ),
    ),
    (
        "rights",
        N_("Your rights"),
        N_(
            "You may ask for access, rectification, erasure and restriction of processing, and you may object "
            "to direct marketing at any time (GDPR Art. 15 to 18 and 21). You can change every choice yourself "
            "through the link in each of our emails, without logging in."
        ),
    ),
    (
        "complaint",
        N_("Complaints"),
        N_("You may complain to the Norwegian Data Protection Authority (Datatilsynet), www.datatilsynet.no."),
    ),
    (
        "source",
        N_("Where the data comes from"),
        N_(
            "From you: the choices you made in our emails and on the \u201cYour choices\u201d page. Where the "
            "history shows \u201cImport\u201d, it is a consent or refusal you gave us elsewhere, with its evidence."
        ),
    ),
    (
        "automated",
        N_("Automated decisions"),
        N_("We make no decisions about you based solely on automated processing, and no profiling (GDPR Art. 22)."),
    ),
)


LABELS: dict[str, str] = {
    "title": N_("Your data at %(organisation)s"),
    "intro": N_(
        "This is a copy of everything we hold about the email address below in the service where you choose "
        "what we send you, together with the information you are entitled to under Article 15 of the GDPR."
    ),
    "generated": N_("Created"),
    "email": N_("Email address"),
    "phone": N_("Phone number"),
    "linked": N_("Your other identities"),
    "linked_intro": N_(
        "We were told that these belong to you too. What you have told us through any of them counts for you: "
        "for each choice, the most recent one."
    ),
    "pid": N_("Pseudonymous ID"),
    "received": N_("Request received"),
    "due": N_("Answer due"),
    "answered": N_("Answered"),
    "extension": N_("Why the deadline was extended"),
    "choices": N_("Your current choices"),
    "history": N_("The history of your choices"),
    "campaigns": N_("Emails you made your choices from"),
    "requests": N_("Your access requests"),
    "about": N_("About the processing"),
    "scope": N_("Applies to"),
    "status": N_("Choice"),
    "changed": N_("Changed"),
    "policy": N_("Privacy policy version"),
    "time": N_("When"),
    "action": N_("What happened"),
    "source": N_("How"),
    "campaign": N_("From the email"),
    "language": N_("Language"),
    "evidence": N_("Evidence"),
    "topic": N_("Category"),
    "recorded": N_("What you have told us"),
    "appendix": N_("Appendix"),
    "times": N_("Times are given in Norwegian time, to the minute. We store them in UTC (coordinated universal time)."),
    "partner": N_("Partner"),
    "none": N_("None."),
}


def labels(settings: Settings) -> dict[str, dict[str, str]]:
    """The package's headings and column names in every language."""
    organisation = settings.officer.organisation
    return {
        language: {key: translate(language, text, organisation=organisation) for key, text in LABELS.items()}
        for language in SUPPORTED
    }


def statements(settings: Settings) -> dict[str, list[dict[str, str]]]:
    """Every statement, in every language, with the controller's details filled in."""
    return translated(STATEMENTS, settings)


def translated(texts: Sequence[tuple[str, str, str]], settings: Settings) -> dict[str, list[dict[str, str]]]:
    """(key, title, text) entries in every language, with the controller's details put into them."""
    officer = settings.officer

    def details(language: str) -> dict[str, str]:  # the attention line and country are per language
        country = officer.country_in(language)
        return {
            "organisation": officer.organisation,
            "attention": officer.attention_in(language),
            "address": ", ".join(part for part in (officer.street, officer.postcode_city, country) if part),
            "email": officer.email,
            "phone": officer.phone,
        }

    return {
        language: [
            {"key": key, "title": translate(language, title), "text": translate(language, text, **details(language))}
            for key, title, text in texts
        ]
        for language in SUPPORTED
    }


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
