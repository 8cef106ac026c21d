"""The receiver of ``mailto:`` unsubscribes: an SMTP or LMTP server on aiosmtpd.

A message to ``u+CODE@OPTOUT_MAILTO_DOMAIN`` records the opt-out that the one-click of the same
link records (its campaign's topic, source ``mailto``), idempotently. The code is the only
authority, exactly as the token in the link is: the sender's address, the subject and the body
are never read or kept, and DKIM or DMARC is not checked (forwarders break both, and a provider
that sends the unsubscribe mail from its own servers fails the sender's DMARC).

What a receiver on the open internet must not do, it does not: an unknown or forged address is
refused at ``RCPT`` (so no bounce is ever sent to a forged sender), an accepted message is never
answered or bounced (no backscatter), a message over ``OPTOUT_MAIL_MAX_BYTES`` is refused, and a
client address sending more than ``OPTOUT_MAIL_LIMIT`` messages is told to come back later. The
log says what happened (accepted, refused, recorded), never an address or a code: aiosmtpd's own
log, which prints every command line, is held at warnings.
"""

from __future__ import annotations

import asyncio
import logging

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession
from flask import Flask
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from .. import scopes
from ..consent import service as consent
from ..models import Action, Link, Source
from ..tokens import LinkClaims, Purpose, TokenInvalid, mailcode
from ..web.extensions import get_catalog, get_policy, get_settings, get_tokens
from ..web.session import get_session

log = logging.getLogger(__name__)
logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs each line, addresses too, at INFO

ACCEPTED = "250 2.1.5 OK"
UNKNOWN = "550 5.1.1 No such unsubscribe address"
SLOW_DOWN = "450 4.7.1 Too many messages from your address: try again later"
RECORDED = "250 2.0.0 Unsubscribed"
NOT_RECORDED = "451 4.3.0 The unsubscribe could not be recorded now: try again later"


class Receiver:
    """aiosmtpd handler: accept only working unsubscribe addresses, record them when the message ends."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        with app.app_context():
            settings = get_settings()
        if settings.mailto_domain is None:
            raise ValueError("OPTOUT_MAILTO_DOMAIN is not set")
        self.domain = settings.mailto_domain
        self.limit = parse(settings.mail_limit)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    async def handle_MAIL(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: SmtpSession, envelope: Envelope, address: str, mail_options: list[str]
    ) -> str:
        """Count the message against its client address; the sender's address is not looked at."""
        peer = session.peer[0] if isinstance(session.peer, tuple) else str(session.peer)
        if not self.limiter.hit(self.limit, "optout-mail", peer):
            log.warning("mailto unsubscribe: a client sent too many messages; told to try later")
            return SLOW_DOWN
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_RCPT(  # noqa: N802
        self, server: SMTP, session: SmtpSession, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        """Accept *address* only if it carries a working unsubscribe code for this domain."""
        try:
            claims = await asyncio.get_running_loop().run_in_executor(None, self._claims, address)
        except Exception:  # the database is away: the sender will try again, as mail does
            log.exception("mailto unsubscribe: could not check a recipient; told to try later")
            return NOT_RECORDED
        if claims is None:
            log.info("mailto unsubscribe: refused a recipient that is not a working unsubscribe address")
            return UNKNOWN
        envelope.rcpt_tos.append(address)
        return ACCEPTED

    async def handle_DATA(self, server: SMTP, session: SmtpSession, envelope: Envelope) -> str:  # noqa: N802
        """Record every accepted recipient's opt-out; the message itself is dropped unread."""
        envelope.content = envelope.original_content = None
        loop = asyncio.get_running_loop()
        recorded = await loop.run_in_executor(None, self._record, list(envelope.rcpt_tos))
        status = RECORDED if recorded else NOT_RECORDED
        if isinstance(server, LMTP):  # RFC 2033 § 4.2: one reply per recipient
            return "\r\n".join([status] * len(envelope.rcpt_tos))
        return status

    def _claims(self, address: str) -> LinkClaims | None:
        local, at, domain = address.rpartition("@")
        if not at or domain.rstrip(".").lower() != self.domain:
            return None
        with self.app.app_context():
            try:
                claims = get_tokens().read(Purpose.UNSUBSCRIBE, mailcode.token_of(local))
            except TokenInvalid:
                return None
            found = get_catalog().campaign(get_session(), claims.campaign_id)
        return claims if found is not None else None

    def _record(self, addresses: list[str]) -> bool:
        """Record the opt-outs of *addresses* in one transaction; False (nothing kept) if that failed."""
        with self.app.app_context():
            session = get_session()
            try:
                catalog, policy = get_catalog(), get_policy().state(session, get_settings())
                changed = 0
                for address in addresses:
                    claims = self._claims(address)
                    campaign = None if claims is None else catalog.campaign(session, claims.campaign_id)
                    if claims is None or campaign is None:  # gone since RCPT: nothing to record
                        continue
                    context = consent.DecisionContext(
                        source=Source.MAILTO,
                        policy_version=policy.current.version,
                        campaign_id=campaign.id,
                        lang=claims.lang,
                        link=Link.UNSUBSCRIBE,
                    )
                    scope = scopes.topic(campaign.topic.key)
                    change = consent.decide(
                        session, claims.pid_hex, {scope: Action.OPT_OUT}, context, topics=catalog.topics(session)
                    )
                    changed += bool(change)
                session.commit()
            except Exception:
                session.rollback()
                log.exception("mailto unsubscribe: recording failed; the sender was told to try again")
                return False
        log.info("mailto unsubscribe: %d recipients, %d new opt-outs", len(addresses), changed)
        return True


class ReceiverController(Controller):
    """aiosmtpd's threaded controller, serving SMTP or LMTP with the receiver's limits."""

    def __init__(self, receiver: Receiver, *, host: str, port: int, lmtp: bool, max_bytes: int) -> None:
        super().__init__(receiver, hostname=host, port=port, data_size_limit=max_bytes, ident="optout")
        self.lmtp = lmtp

    def factory(self) -> SMTP:
        """An LMTP or SMTP protocol object per connection."""
        return (LMTP if self.lmtp else SMTP)(self.handler, **self.SMTP_kwargs)


def start(app: Flask, *, host: str, port: int, lmtp: bool = False) -> ReceiverController:
    """Start the receiver in a thread (``stop()`` ends it): what ``optout mail serve`` runs."""
    receiver = Receiver(app)
    with app.app_context():
        max_bytes = get_settings().mail_max_bytes
    controller = ReceiverController(receiver, host=host, port=port, lmtp=lmtp, max_bytes=max_bytes)
    controller.start()
    return controller
