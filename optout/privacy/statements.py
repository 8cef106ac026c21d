"""What the access package and the record of processing say, in every language: the statements
GDPR Art. 15(1) owes a person, the package's headings, and the controller's details put into them.
Texts only (``N_``, translated where used); :mod:`.package` builds the data they go with."""

from __future__ import annotations

from collections.abc import Sequence

from ..config import Settings
from ..languages import N_, SUPPORTED, translate

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
