"""Optout: a self-hosted email preference and opt-out center."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when an app is built: the console script turns the collector off first
    from flask import Flask


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application. ``OPTOUT_*`` keys in *config* override the environment; other keys
    are Flask settings (``TESTING``, ``DEBUG``)."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    from .api.views import bp as api_bp
    from .catalog.cache import CatalogCache
    from .config import environment, load_settings
    from .languages import DEFAULT
    from .officer.blueprint import bp as officer_bp
    from .paths import STATIC_DIR, TEMPLATES_DIR, TRANSLATIONS_DIR
    from .policy.service import PolicyCache
    from .preferences.views import bp as preferences_bp
    from .tokens import TokenService
    from .unsubscribe.views import bp as unsubscribe_bp
    from .web import cookies, errors, hosts, i18n, logs, metrics, pages, ratelimit, schemacheck, security, session
    from .web.extensions import babel, csrf
    from .web.i18n import select_locale
    from .web.public import bp as public_bp

    config = dict(config or {})
    app = security.RedactingFlask(  # logs an exception's path without its token
        __name__, instance_relative_config=True, template_folder=str(TEMPLATES_DIR), static_folder=str(STATIC_DIR)
    )
    app.config.update({k: v for k, v in config.items() if not k.startswith("OPTOUT_")})
    settings = load_settings(
        {**environment(), **{k: v for k, v in config.items() if k.startswith("OPTOUT_")}},
        instance_path=Path(app.instance_path),
        development=app.debug or app.testing,
    )
    app.config.from_mapping(  # sessions and CSRF: their own key if given, else the newest link key
        SECRET_KEY=settings.session_key or settings.secret_keys[-1],
        SECRET_KEY_FALLBACKS=[] if settings.session_key else list(settings.secret_keys[:-1]),
        TRUSTED_HOSTS=[settings.public_host],  # any other Host header gets 400
        SESSION_COOKIE_NAME="__Host-optout" if settings.https else "optout_session",
        SESSION_COOKIE_SECURE=settings.https,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",  # see README, "Session cookie": public pages still work
        WTF_CSRF_TIME_LIMIT=None,  # a form left open for hours must still save (WCAG 2.2.1)
        MAX_CONTENT_LENGTH=64 * 1024,
        PREFERRED_URL_SCHEME="https" if settings.https else "http",
    )
    if settings.trusted_proxies:  # scheme and client address as the TLS-terminating proxy saw them
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app,
            x_for=settings.trusted_proxies,
            x_proto=settings.trusted_proxies,
            x_host=settings.trusted_proxies if settings.trust_forwarded_host else 0,
        )
    app.extensions["optout.settings"] = settings
    app.extensions["optout.tokens"] = TokenService(settings.secret_keys)
    app.extensions["optout.catalog"] = CatalogCache()
    # Tests register policy versions and look at the next page at once; servers re-read each minute.
    app.extensions["optout.policy"] = PolicyCache(ttl=0.0 if app.testing else 60.0)
    session.init_app(app, settings.database_url)
    cookies.init_app(app)
    metrics.init_app(app)  # first: its clock starts before every other hook, its count sees the final status
    logs.init_app(app, settings.log_format)  # the request's id, before any hook may log or fail
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_locale=DEFAULT,
        default_translation_directories=str(TRANSLATIONS_DIR),
    )
    i18n.init_app(app)
    schemacheck.init_app(app)
    ratelimit.init_app(app)
    security.init_app(app)
    hosts.init_app(app, settings.public_origin)
    errors.init_app(app)
    pages.init_app(app)
    for blueprint in (public_bp, unsubscribe_bp, preferences_bp, api_bp, officer_bp):
        app.register_blueprint(blueprint)
    return app
