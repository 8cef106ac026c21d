"""Extensions, created unbound and bound in the factory, and accessors for per-app state."""

from __future__ import annotations

from flask import current_app, g
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect

from ..catalog.cache import CatalogCache
from ..config import Settings
from ..policy.service import PolicyCache
from ..tokens import LinkClaims, Purpose, TokenService

csrf = CSRFProtect()
babel = Babel()


def get_settings() -> Settings:
    """The validated settings of the current application."""
    settings: Settings = current_app.extensions["optout.settings"]
    return settings


def get_catalog() -> CatalogCache:
    """The catalog cache of the current application."""
    catalog: CatalogCache = current_app.extensions["optout.catalog"]
    return catalog


def get_tokens() -> TokenService:
    """The token service of the current application."""
    tokens: TokenService = current_app.extensions["optout.tokens"]
    return tokens


def get_policy() -> PolicyCache:
    """The privacy-policy cache of the current application."""
    policy: PolicyCache = current_app.extensions["optout.policy"]
    return policy


def read_token(purpose: Purpose, token: str) -> LinkClaims:
    """The claims of link *token* for *purpose* (raises :class:`~optout.tokens.TokenInvalid`),
    verified once per request: the bad-link throttle and the view both ask for them."""
    done: tuple[Purpose, str, LinkClaims] | None = g.get("optout_token_read")
    if done is not None and done[0] is purpose and done[1] == token:
        return done[2]
    claims = get_tokens().read(purpose, token)
    g.optout_token_read = (purpose, token, claims)
    return claims
