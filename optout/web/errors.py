"""Domain exceptions raised by views, and one kind, translated page for every HTTP error.

Every recipient's error page says what happened in plain words, offers a way on (back to the
link's own page when the address holds a link that works) and reminds that the unsubscribe link
in the email always works: it needs no cookie and no form, so it is the safety net.
"""

from __future__ import annotations

import re
import sys

from flask import Flask, current_app, g, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, NotFound, ServiceUnavailable

from ..links import LINK_ALPHABET, PREFERENCES_PREFIX, UNSUBSCRIBE_PREFIX
from ..tokens import Purpose, TokenInvalid
from .extensions import get_tokens

_LINK_PAGE = re.compile(
    "^(" + re.escape(UNSUBSCRIBE_PREFIX) + "|" + re.escape(PREFERENCES_PREFIX) + ")(" + LINK_ALPHABET + "+)"
)
_PURPOSES = {UNSUBSCRIBE_PREFIX: Purpose.UNSUBSCRIBE, PREFERENCES_PREFIX: Purpose.PREFERENCES}


class BadLink(NotFound):
    """A link token that cannot be used: every cause gets the same page and status."""


_TITLES = {
    400: _l("Something went wrong"),
    404: _l("Page not found"),
    405: _l("This page can't be opened directly"),
    413: _l("The form is too large"),
    429: _l("Too many links that do not work"),
    500: _l("Something went wrong on our side"),
    503: _l("The service is not available right now"),
}
_MESSAGES = {
    400: _l("Please go back and try again."),
    404: _l("Check that the web address is complete, or use the link in one of our emails."),
    405: _l("Go back to the page with your choices and use the buttons there."),
    413: _l("Go back, reload the page and try again."),
    429: _l(
        "We've had a lot of broken links from your network in a short time. Wait a minute, then open the link "
        "from the email again."
    ),
    500: _l("Your choices were not changed. Please try again in a little while."),
    503: _l("Your choices were not changed. Please try again in a little while."),
}


def back_url() -> str | None:
    """The page of the link in this request's address (the action's suffix cut off), if it works.

    Only a token that verifies is given back, so an error page never echoes what a visitor typed;
    and each link leads back to its own page (the unsubscribe link's never to the preferences').
    The page then speaks the link's language, as the link's own pages do.
    """
    match = _LINK_PAGE.match(request.path)
    if match is None:
        return None
    try:
        claims = get_tokens().read(_PURPOSES[match.group(1)], match.group(2))
    except TokenInvalid:
        return None
    g.token_lang = g.get("token_lang") or claims.lang
    return match.group(0)


def _render(error: HTTPException) -> tuple[str, int]:
    code = error.code or 500
    return (
        render_template(
            "errors/http.html",
            code=code,
            title=_TITLES.get(code, _TITLES[400] if code < 500 else _TITLES[500]),
            message=_MESSAGES.get(code, _MESSAGES[400] if code < 500 else _MESSAGES[500]),
            # A server error page never holds the token: it may be logged or shown where the link is not.
            back_url=back_url() if code < 500 else None,
            recipient=not request.path.startswith("/officer/"),
        ),
        code,
    )


def _bad_link(_error: BadLink) -> tuple[str, int]:
    return render_template("errors/bad_link.html"), BadLink.code


def _csrf(_error: CSRFError) -> tuple[str, int]:
    if request.path.startswith("/officer/"):
        return render_template("officer/csrf.html"), 400
    return render_template("errors/csrf.html", back_url=back_url()), 400


def _database_unavailable(error: SQLAlchemyError) -> ResponseReturnValue:
    """The database does not answer (down, restarting, a lock or pool timeout): 503, as each area
    answers it (a page, or the API's JSON), so a sender retries; the trace goes to the log only."""
    current_app.log_exception(sys.exc_info())  # still inside Flask's except: the trace, redacted
    response = current_app.make_response(current_app.handle_user_exception(ServiceUnavailable()))
    response.headers["Retry-After"] = "5"
    return response


def init_app(app: Flask) -> None:
    """Register the handlers."""
    for unavailable in (OperationalError, InterfaceError, PoolTimeout):
        app.register_error_handler(unavailable, _database_unavailable)
    app.register_error_handler(BadLink, _bad_link)
    app.register_error_handler(CSRFError, _csrf)
    # Flask hands unhandled exceptions to the HTTPException handler as a 500.
    app.register_error_handler(HTTPException, _render)
