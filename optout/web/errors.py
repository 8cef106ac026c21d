"""Domain exceptions raised by views, and one kind, translated page for every HTTP error."""

from __future__ import annotations

import re

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, NotFound

from ..links import LINK_ALPHABET, PREFERENCES_PREFIX

_PREFERENCE_PATH = re.compile("^" + re.escape(PREFERENCES_PREFIX) + LINK_ALPHABET + "+")


class BadLink(NotFound):
    """A link token that cannot be used: every cause gets the same page and status."""


_TITLES = {
    400: _l("The request could not be understood"),
    404: _l("Page not found"),
    405: _l("This action is not allowed here"),
    413: _l("The request is too large"),
    429: _l("Too many links that do not work"),
    500: _l("Something went wrong on our side"),
    503: _l("The service is not available right now"),
}
_MESSAGES = {
    400: _l("Please go back and try again."),
    404: _l("Check that the address is complete, or use the link in one of our e-mails."),
    405: _l("Use the buttons on the page instead."),
    413: _l("Send less data at a time."),
    429: _l("Too many broken links came from your connection. Wait a minute, then open the link from the e-mail."),
    500: _l("Your choices were not changed. Please try again in a little while."),
    503: _l("Your choices were not changed. Please try again in a little while."),
}


def _render(error: HTTPException) -> tuple[str, int]:
    code = error.code or 500
    return (
        render_template(
            "errors/http.html",
            code=code,
            title=_TITLES.get(code, _TITLES[400] if code < 500 else _TITLES[500]),
            message=_MESSAGES.get(code, _MESSAGES[400] if code < 500 else _MESSAGES[500]),
        ),
        code,
    )


def _bad_link(_error: BadLink) -> tuple[str, int]:
    return render_template("errors/bad_link.html"), BadLink.code


def _csrf(_error: CSRFError) -> tuple[str, int]:
    if request.path.startswith("/officer/"):
        return render_template("officer/csrf.html"), 400
    # Offer the way back to the form: the page path, without the action's suffix.
    match = _PREFERENCE_PATH.match(request.path)
    return render_template("errors/csrf.html", back_url=match.group(0) if match else None), 400


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(BadLink, _bad_link)
    app.register_error_handler(CSRFError, _csrf)
    # Flask hands unhandled exceptions to the HTTPException handler as a 500.
    app.register_error_handler(HTTPException, _render)
