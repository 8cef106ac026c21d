"""The officer's login, kept in the app's session cookie, and the check every console page runs.

The cookie is Flask's signed session (``SameSite=Strict``, ``HttpOnly``, ``Secure`` under https).
It holds the officer's id, a stamp of their password hash and session epoch, the login time and
the time of the last request. Each request reloads the account: a removed officer, a changed
password or a logout (which raises the epoch, so even a copied cookie stops working) ends the
login at once, as do 30 minutes without a request and 8 hours after login. Logging in clears
the session first, so nothing from before (a CSRF token included) carries over.
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar
from urllib.parse import urlsplit

from flask import abort, g, redirect, request, session, url_for
from flask.typing import ResponseReturnValue

from ..accounts import officers as auth
from ..models import Officer
from ..web.session import get_session

IDLE_SECONDS = 30 * 60
ABSOLUTE_SECONDS = 8 * 60 * 60
_KEYS = ("officer_id", "officer_stamp", "officer_since", "officer_seen")
LANG_KEY = "lang"  # the console language chosen with ?lang=, kept across the login

P = ParamSpec("P")
R = TypeVar("R")


def _stamp(officer: Officer) -> str:
    # Changes when the account is re-created, its password changes or it logs out (the session
    # epoch); reveals nothing usable.
    material = f"{officer.id}:{officer.password_hash}:{officer.session_epoch}"
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def sign_in(officer: Officer) -> None:
    """Start a fresh session for *officer* (nothing of the old session survives but the language)."""
    lang = session.get(LANG_KEY)
    session.clear()
    if lang:
        session[LANG_KEY] = lang
    now = int(time.time())
    session.update(officer_id=officer.id, officer_stamp=_stamp(officer), officer_since=now, officer_seen=now)
    g.officer = officer


def sign_out(officer: Officer) -> None:
    """End the login here and every copy of it elsewhere (the caller commits); the language stays."""
    officer.session_epoch += 1
    lang = session.get(LANG_KEY)
    session.clear()
    if lang:
        session[LANG_KEY] = lang
    g.officer = None


def _load() -> Officer | None:
    """The signed-in officer, checking expiry and that the account still exists; None otherwise."""
    officer_id = session.get("officer_id")
    if not isinstance(officer_id, int):
        return None
    now = int(time.time())
    since, seen = session.get("officer_since", 0), session.get("officer_seen", 0)
    if now - since > ABSOLUTE_SECONDS or now - seen > IDLE_SECONDS:
        g.session_expired = True
        return None
    officer = auth.officer_by_id(get_session(), officer_id)
    if officer is None or session.get("officer_stamp") != _stamp(officer):
        return None
    if now != seen:
        session["officer_seen"] = now
    return officer


def current_officer() -> Officer | None:
    """The officer signed in for this request, or None (looked up once per request)."""
    if "officer" not in g:
        officer = _load()
        if officer is None and "officer_id" in session:
            for key in _KEYS:
                session.pop(key, None)
        g.officer = officer
    found: Officer | None = g.officer
    return found


def require_officer() -> Officer:
    """The officer signed in for this request; 403 when none (the blueprint's guard runs first)."""
    officer = current_officer()
    if officer is None:  # the guard refused the request already; this only satisfies the type checker
        abort(403)
    return officer


def safe_next(target: str | None) -> str | None:
    """*target* if it is a console path on this site (never another host), else None."""
    if not target or "\\" in target or target.startswith("//") or not target.isprintable():
        return None  # a control character (CR, LF, TAB, NUL…) could never go in a Location header
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/officer/"):
        return None
    return target


def refuse_anonymous() -> ResponseReturnValue | None:
    """None when an officer is signed in; else the way to the login page.

    A GET is sent to the login page and back afterwards; anything else (a form sent after the
    login ended) goes to the login page with 303, so the browser does not repeat the POST.
    """
    if current_officer() is not None:
        return None
    args: dict[str, Any] = {}
    if g.get("session_expired"):
        args["expired"] = "1"
    if request.method in ("GET", "HEAD"):
        args["next"] = request.full_path.rstrip("?")
        return redirect(url_for("officer.login", **args), code=302)
    return redirect(url_for("officer.login", **args), code=303)


def login_required(view: Callable[P, R]) -> Callable[P, R | ResponseReturnValue]:
    """Refuse *view* to anyone not signed in (for console pages outside the officer blueprint,
    whose own pages are all guarded by :func:`refuse_anonymous` already)."""

    @functools.wraps(view)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R | ResponseReturnValue:
        refusal = refuse_anonymous()
        if refusal is not None:
            return refusal
        return view(*args, **kwargs)

    return guarded
