"""What every public page shares: the officer's contact details, the policy link, the language
switch, and turning a link token into a campaign (or one generic "bad link" page)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from flask import Flask, current_app, g, request, url_for

from .. import formats
from ..catalog.cache import CampaignInfo
from ..languages import N_
from ..policy.service import PolicyState
from ..tokens import LinkClaims, Purpose, TokenInvalid
from . import i18n
from .errors import BadLink
from .extensions import get_catalog, get_policy, get_settings, read_token
from .i18n import current_language
from .session import get_session

# Each language's own name, for the switch (marked with its lang): the same on every page.
LANGUAGE_NAMES = {"nb": "Norsk (bokmål)", "en": "English"}
# A language's name inside a sentence of the page's language: «… vises på bokmål», "… in Norwegian
# (Bokmål)". Lower case in running bokmål text, unlike the switch's endonym.
SENTENCE_NAMES = {"nb": N_("Norwegian (Bokmål)"), "en": N_("English")}


def language_in_sentence(code: str) -> str:
    """The name of language *code* as a sentence in the response's language writes it."""
    return i18n._(SENTENCE_NAMES.get(code, code))


def read_link(purpose: Purpose, token: str) -> tuple[LinkClaims, CampaignInfo]:
    """Verify *token* and load its campaign; any failure raises :class:`BadLink`."""
    try:
        claims = read_token(purpose, token)
    except TokenInvalid:
        raise BadLink from None
    campaign = get_catalog().campaign(get_session(), claims.campaign_id)
    if campaign is None:
        raise BadLink
    g.token_lang = claims.lang
    return claims, campaign


_SLOT = "_._"  # where the token goes in a built URL: link-alphabet characters that no rule's static part holds


def token_urls(token: str, endpoints: Mapping[str, str], lang: str | None) -> dict[str, str]:
    """The URL of each of *endpoints* (name to endpoint) for link *token*, with ``?lang=`` when given.

    What ``url_for`` gives, built by it once per endpoint (with a slot for the token) and then
    filled in: a page has five buttons and ``url_for`` costs some 8 µs each. A token is made of
    URL-safe characters only, which ``url_for`` would not quote either."""
    built: dict[tuple[str, str], str] = current_app.extensions.setdefault("optout.token_urls", {})
    root = request.script_root
    query = f"?lang={lang}" if lang else ""
    urls = {}
    for name, endpoint in endpoints.items():
        pattern = built.get((endpoint, root))
        if pattern is None:
            pattern = built[endpoint, root] = url_for(endpoint, token=_SLOT)
        urls[name] = pattern.replace(_SLOT, token, 1) + query
    return urls


def static_url(filename: str) -> str:
    """``url_for('static', filename=…)``, built once per file (every page links its stylesheet and icon)."""
    built: dict[tuple[str, str], str] = current_app.extensions.setdefault("optout.static_urls", {})
    key = (filename, request.script_root)
    url = built.get(key)
    if url is None:
        url = built[key] = url_for("static", filename=filename)
    return url


def current_policy() -> PolicyState:
    """The privacy policy in force (cached per process for a minute), remembered for the footer."""
    cached: PolicyState | None = g.get("optout_policy")
    if cached is None:
        cached = g.optout_policy = get_policy().state(get_session(), get_settings())
    return cached


def switch_url(lang: str) -> str:
    """This page's URL in *lang*: a query-only reference, so the page never echoes its own path."""
    args = request.args.to_dict()
    args["lang"] = lang
    return f"?{urlencode(sorted(args.items()))}"


def _page_context() -> dict[str, Any]:
    settings = get_settings()
    # The footer names the registered policy where a view has read it (pages without a database,
    # such as error pages, fall back to the configured one).
    state: PolicyState | None = g.get("optout_policy")
    policy_url = state.current.url if state else settings.policy_url
    policy_date = state.current.effective_on if state else settings.policy_date
    lang = current_language()
    other = "en" if lang == "nb" else "nb"
    return {
        "lang": lang,
        "other_lang": other,
        "other_lang_name": LANGUAGE_NAMES[other],
        "switch_url": switch_url,
        "officer": settings.officer,
        "policy_url": policy_url,
        "policy_changed": formats.long_date(policy_date, lang),
        "policy_changed_iso": policy_date.isoformat(),
        "officer_phone_uri": "tel:" + "".join(ch for ch in settings.officer.phone if ch.isdigit() or ch == "+"),
        "unknown_lang": i18n.unknown_language(),
        "language_names": LANGUAGE_NAMES,
        "language_in_sentence": language_in_sentence,
        "static_url": static_url,
    }


def init_app(app: Flask) -> None:
    """Give every template the shared page context."""
    app.context_processor(_page_context)
