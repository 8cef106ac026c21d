"""The console's forms; Flask-WTF adds and checks the CSRF token of each."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..accounts.officers import MAX_PASSWORD_LENGTH
from ..identity import MAX_ADDRESS_LENGTH

_TOO_LONG = _l("That is too long.")


class LoginForm(FlaskForm):  # type: ignore[misc]
    """An officer's address and password."""

    email = StringField(
        _l("Email address"),
        validators=[InputRequired(_l("Enter your email address.")), Length(max=MAX_ADDRESS_LENGTH, message=_TOO_LONG)],
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_l("Enter your password.")), Length(max=MAX_PASSWORD_LENGTH, message=_TOO_LONG)],
    )


class LookupForm(FlaskForm):  # type: ignore[misc]
    """The address or number of the person to look up (sent by POST, so it never appears in a URL or log)."""

    email = StringField(
        _l("The person's email address or phone number"),
        validators=[
            InputRequired(_l("Enter an email address or a phone number.")),
            Length(max=MAX_ADDRESS_LENGTH, message=_TOO_LONG),
        ],
    )


def _address(label: object) -> StringField:
    return StringField(
        label,
        validators=[
            InputRequired(_l("Enter an email address or a phone number.")),
            Length(max=MAX_ADDRESS_LENGTH, message=_TOO_LONG),
        ],
    )


_REASON_HELP = _l("Only for a second request within twelve months: why it is answered anyway.")


class RequestForm(FlaskForm):  # type: ignore[misc]
    """Register an access request received by letter, email or phone."""

    email = _address(_l("The person's email address or phone number"))
    received = DateField(_l("Received on (leave empty for today)"), validators=[Optional()])
    reason = StringField(_l("Reason to answer a repeated request"), validators=[Optional(), Length(max=500)])


class PackageForm(FlaskForm):  # type: ignore[misc]
    """Answer a person's access request with their package."""

    email = _address(_l("The person's email address or phone number"))
    format = SelectField(
        _l("Format"),
        choices=[SelectChoice("html", _l("Web page (HTML), to read and print")), SelectChoice("json", "JSON")],
    )
    reason = StringField(_l("Reason to answer a repeated request"), validators=[Optional(), Length(max=500)])


class ExtendForm(FlaskForm):  # type: ignore[misc]
    """Extend an open request's deadline (GDPR Art. 12(3)), with the reason the person is told."""

    months = SelectField(
        _l("Extend by"),
        choices=[SelectChoice("1", _l("One month")), SelectChoice("2", _l("Two months"))],
    )
    reason = StringField(
        _l("Reason, as told to the person"),
        validators=[InputRequired(_l("Give the reason for the extension.")), Length(max=500, message=_TOO_LONG)],
    )


class LedgerExportForm(FlaskForm):  # type: ignore[misc]
    """Which ledger events to download; the choices are filled from the catalog by the view."""

    since = DateField(_l("From (inclusive)"), validators=[Optional()])
    until = DateField(_l("Until (inclusive)"), validators=[Optional()])
    topic = SelectField(_l("Category"), choices=[], validate_choice=True)
    partner = SelectField(_l("Partner"), choices=[], validate_choice=True)
    campaign = SelectField(_l("Campaign"), choices=[], validate_choice=True)
    format = SelectField(_l("Format"), choices=[SelectChoice("csv", "CSV"), SelectChoice("jsonl", "JSON Lines")])


class RecordForm(FlaskForm):  # type: ignore[misc]
    """The record of processing, with the disclosure statement for a year if one is given."""

    year = IntegerField(
        _l("Statement of disclosures for the year (optional)"),
        validators=[Optional(), NumberRange(2000, 9999, _l("Give a year such as 2026."))],
    )
    format = SelectField(_l("Format"), choices=[SelectChoice("html", "HTML"), SelectChoice("json", "JSON")])


class EraseForm(FlaskForm):  # type: ignore[misc]
    """The person to erase; the review step shows what would go before anything happens."""

    email = _address(_l("The person's email address or phone number"))


class EraseConfirmForm(EraseForm):
    """The second step: the officer confirms, having seen what will be removed."""

    confirm = BooleanField(
        _l("I have checked the address and want to erase this person's data"),
        validators=[InputRequired(_l("Tick the box to confirm."))],
    )
