"""The console's forms; Flask-WTF adds and checks the CSRF token of each."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length

from ..identity import MAX_ADDRESS_LENGTH
from .auth import MAX_PASSWORD_LENGTH

_TOO_LONG = _l("That is too long.")


class LoginForm(FlaskForm):  # type: ignore[misc]
    """An officer's address and password."""

    email = StringField(
        _l("E-mail address"),
        validators=[InputRequired(_l("Enter your e-mail address.")), Length(max=MAX_ADDRESS_LENGTH, message=_TOO_LONG)],
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_l("Enter your password.")), Length(max=MAX_PASSWORD_LENGTH, message=_TOO_LONG)],
    )


class LookupForm(FlaskForm):  # type: ignore[misc]
    """The address of the person to look up (sent by POST, so it never appears in a URL or log)."""

    email = StringField(
        _l("The person's e-mail address"),
        validators=[InputRequired(_l("Enter an e-mail address.")), Length(max=MAX_ADDRESS_LENGTH, message=_TOO_LONG)],
    )
