"""The record of processing for this system (GDPR Art. 30(1)) and the yearly disclosure statement.

Art. 30 asks a controller to keep a record of each processing activity. This is the entry for
the preference center, made from what Optout itself knows (the controller's details, the topics
and their legal basis, the partners, the policy in force, and counts), in bokmål and English, so
that the privacy officer need not gather it by hand. The disclosure statement answers California
Civil Code § 1798.83 ("Shine the Light", named in the privacy policy's § 8) for one calendar
year: partners receive counts only, so nothing personal is ever disclosed for their direct
marketing, and the statement gives the year's partner campaigns and filter runs as evidence.
Neither holds anything about any one person.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from jinja2 import Environment
from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from ..config import Settings
from ..dates import LOCAL
from ..db import utcnow
from ..labels.times import moment
from ..languages import N_, SUPPORTED, translate
from ..ledger.chain import timestamp
from ..models import AccessRequest, Campaign, Choice, ConsentEvent, FilterRun, Partner, Source, Topic
from ..policy import service as policy
from . import statements

FORMAT = "optout-record-of-processing/1"
TEMPLATE = "privacy/record.html"

# (key, title, text): Art. 30(1) (a) to (g).
SECTIONS: tuple[tuple[str, str, str], ...] = (
    (
        "controller",
        N_("(a) Controller"),
        N_("%(organisation)s, %(address)s, %(email)s, %(phone)s. Contact for privacy matters: %(attention)s."),
    ),
    (
        "purposes",
        N_("(b) Purposes of the processing"),
        N_(
            "Sending periodic emails about our own site to existing customers, who may refuse them at any "
            "time (markedsføringsloven § 15(3)); sending campaign offers on behalf of marketing partners and "
            "pre-recorded phone messages, only with consent (markedsføringsloven § 15(1), GDPR Art. 6(1)(a)); "
            "recording every choice so that it is respected and can be proved (GDPR Art. 7(1) and 21)."
        ),
    ),
    (
        "categories",
        N_("(c) Categories of data subjects and of personal data"),
        N_(
            "Recipients of our email and phone messages. Kept: a pseudonymous ID computed from the email "
            "address with a secret key (the address itself is not stored), the choices for each category, partner "
            "and channel, their history (when, how, language, privacy-policy version, evidence of consents given "
            "elsewhere) and access requests. No special categories of data."
        ),
    ),
    (
        "recipients",
        N_("(d) Categories of recipients"),
        N_(
            "Processors only: the hosting of this service and the delivery of our email, under data processing "
            "agreements. Marketing partners receive totals (rows submitted, kept and dropped, opt-outs per day), "
            "never an address, an id or a link."
        ),
    ),
    (
        "transfers",
        N_("(e) Transfers to third countries"),
        N_(
            "None by this service. Where a processor (hosting, email delivery) works outside the EEA, its data "
            "processing agreement must name the transfer and its safeguards."
        ),
    ),
    (
        "retention",
        N_("(f) Time limits for erasure"),
        N_(
            "Choices and their history are kept as long as we may send messages to the person and need to prove "
            "their choices. On erasure everything is deleted except a pseudonymous do-not-contact entry, so that "
            "the person is never contacted again by mistake; the ledger keeps only the hashes of erased entries."
        ),
    ),
    (
        "security",
        N_("(g) Technical and organisational security measures"),
        N_(
            "No address is stored: IDs are keyed hashes (HMAC-SHA256) whose key stays outside the database. "
            "Links are signed (HMAC-SHA256), carry no address and are never tracked. Every choice is an entry in "
            "a hash-chained, tamper-evident ledger. The officer's console needs a password (argon2id) and locks "
            "after repeated failures; its sessions are short, its forms protected against forgery, and every "
            "export, access request and erasure is written to an audit trail. HTTPS with HSTS and a strict "
            "Content Security Policy (CSP); no third-party content."
        ),
    ),
)

LABELS: dict[str, str] = {
    "title": N_("Record of processing: the email preference centre of %(organisation)s"),
    "intro": N_(
        "The entry for this processing activity in the record that GDPR Art. 30(1) requires, made from the "
        "service's own configuration and data. It names no person."
    ),
    "generated": N_("Created"),
    "policy": N_("Privacy policy in force"),
    "topics": N_("Categories and their legal basis"),
    "topic": N_("Category"),
    "basis": N_("Legal basis"),
    "consent": N_("consent: sent only after an opt-in"),
    "opt-out": N_("existing customers: sent until the recipient refuses"),
    "partners": N_("Marketing partners (they receive totals only)"),
    "figures": N_("In numbers"),
    "recipients": N_("Recipients with a recorded choice"),
    "events": N_("Entries in the ledger"),
    "erased": N_("Erasures (do-not-contact entries kept)"),
    "requests": N_("Access requests registered"),
    "none": N_("None."),
    "disclosures": N_("Disclosures for third parties' direct marketing in %(year)s"),
    "disclosures_text": N_(
        "In %(year)s no personal information was disclosed to any third party for its direct marketing "
        "purposes (California Civil Code § 1798.83). Campaigns for partners were sent by us; the partners "
        "received totals only."
    ),
    "partner_campaigns": N_("Partner campaigns filtered that year"),
    "partner_runs": N_("Filter runs for partner campaigns that year"),
}


def build(session: Session, settings: Settings, *, year: int | None = None) -> dict[str, Any]:
    """The record, in every language; with *year*, the disclosure statement for that year too."""
    state = policy.state(session, settings)
    data: dict[str, Any] = {
        "format": FORMAT,
        "generated_at": timestamp(utcnow()),
        "policy_version": state.current.version,
        "topics": [
            {"key": topic.key, "basis": topic.basis, "names": {lang: topic.name(lang) for lang in SUPPORTED}}
            for topic in session.scalars(select(Topic).order_by(Topic.key)).all()
        ],
        "partners": list(session.scalars(select(Partner.name).order_by(Partner.name)).all()),
        "figures": {
            "recipients": session.scalar(select(func.count(distinct(Choice.pid)))) or 0,
            "events": session.scalar(select(func.max(ConsentEvent.seq))) or 0,
            "erased": session.scalar(select(func.count()).where(ConsentEvent.source == Source.ERASURE)) or 0,
            "requests": session.scalar(select(func.count(AccessRequest.id))) or 0,
        },
        "sections": statements.translated(SECTIONS, settings),
        "disclosures": None if year is None else disclosures(session, year),
    }
    return data


def disclosures(session: Session, year: int) -> dict[str, Any]:
    """What partners were given in calendar *year* (Norwegian time): the evidence for the statement."""
    start = dt.datetime(year, 1, 1, tzinfo=LOCAL).astimezone(dt.UTC)
    end = dt.datetime(year + 1, 1, 1, tzinfo=LOCAL).astimezone(dt.UTC)
    runs = (
        select(FilterRun.campaign_id)
        .join(Campaign, Campaign.id == FilterRun.campaign_id)
        .where(Campaign.partner_id.is_not(None), FilterRun.finished_at >= start, FilterRun.finished_at < end)
        .subquery()
    )
    return {
        "year": year,
        "personal_information_disclosed": 0,  # partners' reports hold counts only (a test runs a whole campaign)
        "partner_campaigns": session.scalar(select(func.count(distinct(runs.c.campaign_id)))) or 0,
        "partner_runs": session.scalar(select(func.count()).select_from(runs)) or 0,
    }


def labels(settings: Settings, year: int | None) -> dict[str, dict[str, str]]:
    """The record's headings in every language."""
    values = {"organisation": settings.officer.organisation, "year": year or ""}
    return {
        language: {key: translate(language, text, **values) for key, text in LABELS.items()} for language in SUPPORTED
    }


def render_html(templates: Environment, data: dict[str, Any], settings: Settings) -> str:
    """The record as one standalone, printable HTML document."""
    year = data["disclosures"]["year"] if data["disclosures"] else None
    generated = {language: moment(data["generated_at"], language) for language in SUPPORTED}
    return templates.get_template(TEMPLATE).render(record=data, labels=labels(settings, year), generated=generated)
