"""``optout demo`` (a working center on SQLite in one command) and ``optout keys generate``."""

from __future__ import annotations

import datetime as dt
import secrets

import click
from sqlalchemy import select
from werkzeug.serving import run_simple

from .. import create_app, schema, scopes
from ..accounts import officers as auth
from ..catalog import service as catalog
from ..consent import service as consent
from ..identity import pseudonymous_id
from ..links import links_for
from ..models import Action, Campaign, Source
from ..pids import Pid, pid_hex
from ..policy import service as policy
from ..web.extensions import get_settings, get_tokens
from ..web.session import get_database, get_session

DEMO_ADDRESS = "kari.nordmann@example.no"
DEMO_OFFICER = "personvern@example.no"
# The demo recipient said yes to partner offers when signing up, so that the partner campaign's
# pages show the states a real one does (review B8): an imported consent, with its evidence.
DEMO_CONSENT_AT = dt.datetime(2025, 3, 12, 10, 30, tzinfo=dt.UTC)
DEMO_CONSENT_EVIDENCE = "Demo: ticked «Ja, send meg tilbud fra samarbeidspartnere» when signing up on mesier.com"


def _demo_officer() -> str:
    """A console account for the demo, with a fresh random password on every run; return it."""
    session = get_session()
    password = secrets.token_urlsafe(12)
    if any(officer.email == DEMO_OFFICER for officer in auth.officers(session)):
        auth.remove_officer(session, DEMO_OFFICER)
        session.flush()
    auth.add_officer(session, DEMO_OFFICER, password)
    session.commit()
    return password


def _seed_demo(pid: Pid) -> None:
    """The demo's partner, campaigns and the recipient's partner consent, on the first run only."""
    session = get_session()
    if session.scalar(select(Campaign.id).where(Campaign.slug == "newsletter-demo")) is None:
        catalog.add_partner(session, "fjordreiser", "Fjordreiser AS")
        catalog.add_campaign(session, "newsletter-demo", topic_key="periodic", partner_slug=None, lang="nb")
        catalog.add_campaign(session, "fjordreiser-demo", topic_key=None, partner_slug="fjordreiser", lang="nb")
        version = policy.state(session, get_settings()).current.version
        context = consent.DecisionContext(
            Source.IMPORT, version, occurred_at=DEMO_CONSENT_AT, evidence=DEMO_CONSENT_EVIDENCE
        )
        consent.decide(session, pid, {scopes.topic("partner-offers"): Action.OPT_IN}, context)
        session.commit()


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--serve/--no-serve", default=True, help="Start the development server afterwards.")
def demo_command(host: str, port: int, serve: bool) -> None:
    """Set up a demo center on SQLite (instance folder), print its links and serve it."""
    app = create_app({"DEBUG": True, "OPTOUT_BASE_URL": f"http://{host}:{port}"})
    with app.app_context():
        schema.upgrade(get_database().engine)
        settings, tokens = get_settings(), get_tokens()
        pid = pseudonymous_id(settings.id_key, DEMO_ADDRESS)
        _seed_demo(pid_hex(pid))
        password = _demo_officer()
        click.echo(f"Demo center on {settings.database_url}\nDemo recipient: {DEMO_ADDRESS}\n")
        for slug in ("newsletter-demo", "fjordreiser-demo"):
            campaign = catalog.campaign_by_slug(get_session(), slug)
            links = links_for(tokens, settings.base_url, pid, campaign.id, campaign.lang)
            click.echo(
                f"{slug}:\n  preference page:  {links.preferences_url}\n  unsubscribe page: {links.unsubscribe_url}"
            )
    click.echo(
        f"\nPrivacy console: {settings.base_url}/officer/\n"
        f"  log in as {DEMO_OFFICER} with the password {password} (a new one on every demo run)"
    )
    if serve:
        click.echo("\nServing on the development server; stop it with Ctrl-C.")
        # Werkzeug's server directly: Flask ignores app.run() inside its own CLI.
        run_simple(host, port, app, use_reloader=False, use_debugger=False, threaded=True)


@click.group("keys")
def keys_group() -> None:
    """Signing and ID keys."""


@keys_group.command("generate")
def keys_generate_cmd() -> None:
    """Print fresh OPTOUT_SECRET_KEYS and OPTOUT_ID_KEY lines for an environment file."""
    click.echo(f"OPTOUT_SECRET_KEYS={secrets.token_urlsafe(32)}")
    click.echo(f"OPTOUT_ID_KEY={secrets.token_urlsafe(32)}")
