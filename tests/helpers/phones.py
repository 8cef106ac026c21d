"""Record a phone number's choice straight through the consent service: no command records an
opt-in for a number (the intake API records opt-outs only), so the tests of call lists use this."""

from __future__ import annotations

from flask import Flask

from optout.consent import service as consent
from optout.models import Action, Source
from optout.phones import phone_id
from optout.pids import pid_hex
from optout.web.extensions import get_settings
from optout.web.session import get_session


def decide_number(app: Flask, number: str, scope: str, action: str = "opt-in") -> None:
    """Record *action* on *scope* for *number* (any spelling), as the CLI records an address's (source ``cli``)."""
    with app.app_context():
        session = get_session()
        settings = get_settings()
        pid = pid_hex(phone_id(settings.id_key, number, settings.default_region))
        consent.decide(session, pid, {scope: Action(action)}, consent.DecisionContext(Source.CLI, "test"))
        session.commit()
