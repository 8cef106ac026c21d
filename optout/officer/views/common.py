"""What several console pages share: the scope names, a form's errors and the person's id."""

from __future__ import annotations

from wtforms import Form

from ...catalog import service as catalog
from ...identity import AddressInvalid, normalize, pid_of
from ...labels import Names
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


def pid(email: str) -> Pid | None:
    """The pseudonymous id of *email*, or None if it is not an address."""
    try:
        return pid_of(get_settings().id_key, normalize(email))
    except AddressInvalid:
        return None


def not_an_address() -> str:
    """The message for a typed address that is not one."""
    return _("That is not an email address. Check it and try again.")
