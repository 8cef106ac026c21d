"""``optout mail serve``: receive ``mailto:`` unsubscribes (see :mod:`optout.mailin.receiver`)."""

from __future__ import annotations

import signal
import threading

import click
from flask import current_app
from flask.cli import AppGroup

from ..mailin import receiver
from ..web.extensions import get_settings
from .common import fail, session


@click.group("mail", cls=AppGroup)
def mail_group() -> None:
    """Mail that reaches us: the receiver of List-Unsubscribe mailto: addresses."""


@mail_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8025, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--lmtp", is_flag=True, help="Speak LMTP (behind Postfix or another MTA) instead of SMTP.")
def serve_command(host: str, port: int, lmtp: bool) -> None:
    """Accept mail to u+CODE@OPTOUT_MAILTO_DOMAIN and record each one's opt-out, until stopped.

    Only the address counts: the sender, the subject and the body are never read or kept, and
    nothing is ever sent back. Unknown addresses are refused while the message is offered.
    """
    settings = get_settings()
    if settings.mailto_domain is None:
        fail("OPTOUT_MAILTO_DOMAIN is not set: give the domain of the unsubscribe addresses.", code=2)
    session()  # the schema must be current before the first message is accepted
    try:
        controller = receiver.start(current_app._get_current_object(), host=host, port=port, lmtp=lmtp)  # type: ignore[attr-defined]
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc.strerror}")
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    protocol = "LMTP" if lmtp else "SMTP"
    click.echo(f"Receiving unsubscribe mail for {settings.mailto_domain} over {protocol} on {host}:{port}", err=True)
    stopped.wait()
    controller.stop()
    click.echo("Stopped.", err=True)
