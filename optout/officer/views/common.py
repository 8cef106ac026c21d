"""What several console pages share: the scope names, a form's errors and the person's id (by address or number)."""

from __future__ import annotations

from dataclasses import dataclass

from wtforms import Form

from ... import phones
from ...catalog import service as catalog
from ...identity import AddressInvalid, normalize, pid_of
from ...labels import Names
from ...models import Channel
from ...pids import Pid
from ...web.extensions import get_catalog, get_settings
from ...web.i18n import _, current_language
from ...web.session import get_session


def names() -> Names:
    """The names of the topics, partners and channels in the page's language."""
    db = get_session()
    partners = {p.slug: p.name for p in catalog.partners(db)}
    return Names.of(get_catalog().topics(db), partners, current_language())


def form_errors(form: Form) -> list[str]:
    """Every error of *form*, in field order."""
    return [str(error) for errors in form.errors.values() for error in errors]


@dataclass(frozen=True)
class Identity:
    """A typed address or phone number (an address has ``@``): its channel, canonical form and id."""

    channel: Channel
    normal: str
    pid: Pid


def identity(text: str) -> Identity | None:
    """The identity *text* names, or None if it is neither an address nor a number that can exist."""
    settings = get_settings()
    try:
        if phones.is_number(text):
            number = phones.normalize(text, settings.default_region)
            return Identity(Channel.PHONE, number, phones.pid_of_number(settings.id_key, number))
        address = normalize(text)
        return Identity(Channel.EMAIL, address, pid_of(settings.id_key, address))
    except (AddressInvalid, phones.NumberInvalid):
        return None


def pid(text: str) -> Pid | None:
    """The pseudonymous id of the address or number *text*, or None if it is neither."""
    found = identity(text)
    return found.pid if found else None


def not_found(text: str | None) -> str:
    """The message for a typed address or number that is not one (which, by its ``@``)."""
    return not_a_number() if text and phones.is_number(text) else not_an_address()


def not_a_number() -> str:
    """The message for a typed text without ``@`` that is no phone number that can exist either."""
    return _("That is not an email address or a phone number that can exist. Check it and try again.")


def not_an_address() -> str:
    """The message for a typed address that is not one."""
    return _("That is not an email address. Check it and try again.")
