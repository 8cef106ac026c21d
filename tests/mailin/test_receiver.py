"""The mailto: unsubscribe receiver, through real SMTP and LMTP conversations on loopback."""

from __future__ import annotations

import logging
import smtplib
import socket
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from email.policy import SMTP

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

from optout.identity import pseudonymous_id
from optout.links import links_for
from optout.mailin import receiver
from optout.models import Campaign
from optout.tokens import mailcode
from optout.web.extensions import get_settings, get_tokens

DOMAIN = "unsub.example.no"
ADDRESS = "kari@example.no"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def mail_app(app: Flask, make_app: Callable[..., Flask]) -> Flask:
    """An app with the receiver configured (``app`` empties the database afterwards)."""
    return make_app(OPTOUT_MAILTO_DOMAIN=DOMAIN, OPTOUT_MAIL_LIMIT="5 per minute")


@pytest.fixture
def serve(mail_app: Flask) -> Iterator[Callable[..., int]]:
    """Start a receiver for *app* (SMTP, or LMTP) on a free loopback port; stopped afterwards."""
    running: list[receiver.ReceiverController] = []

    def start(app: Flask = mail_app, *, lmtp: bool = False) -> int:
        port = free_port()
        running.append(receiver.start(app, host="127.0.0.1", port=port, lmtp=lmtp))
        return port

    yield start
    for controller in running:
        controller.stop()


def unsubscribe_address(app: Flask, campaign: Campaign, email: str = ADDRESS) -> str:
    """The address in the mailto: entry of *email*'s List-Unsubscribe header, as minted."""
    with app.app_context():
        settings = get_settings()
        made = links_for(
            get_tokens(),
            settings.base_url,
            pseudonymous_id(settings.id_key, email),
            campaign.id,
            campaign.lang,
            settings.mailto_domain,
        )
    assert made.unsubscribe_mailto is not None
    return made.unsubscribe_mailto.removeprefix("mailto:").split("?")[0]


def message(to: str, subject: str = "unsubscribe", body: str = "") -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "someone@sender.example"
    mail["To"] = to
    mail["Subject"] = subject
    mail.set_content(body or "Please unsubscribe me.")
    return mail


def send(port: int, to: str, mail: EmailMessage | None = None, *, lmtp: bool = False) -> dict[str, tuple[int, bytes]]:
    client: smtplib.SMTP = smtplib.LMTP("127.0.0.1", port) if lmtp else smtplib.SMTP("127.0.0.1", port, timeout=10)
    with client:
        return client.send_message(mail or message(to), "someone@sender.example", [to])


def mailto_events(ledger: Callable[[], list[dict[str, object]]]) -> list[dict[str, object]]:
    return [row for row in ledger() if row["source"] == "mailto"]


def test_a_message_to_the_address_records_the_one_click_opt_out_once(
    mail_app: Flask, make_campaign: Callable[..., Campaign], serve: Callable[..., int], ledger, pid_of
) -> None:
    campaign = make_campaign()
    port, to = serve(), unsubscribe_address(mail_app, campaign)
    assert send(port, to) == {}
    events = mailto_events(ledger)
    assert [(e["pid"], e["scope"], e["action"], e["link"], e["campaign_id"]) for e in events] == [
        (pid_of(ADDRESS), "topic:periodic", "opt-out", "unsubscribe", campaign.id)
    ]
    send(port, to, message(to, subject="", body="again"))  # Apple Mail sends an empty subject
    assert len(mailto_events(ledger)) == 1  # idempotent: the same opt-out is not recorded twice


def test_an_upper_cased_or_lower_cased_local_part_works(
    mail_app: Flask, make_campaign: Callable[..., Campaign], serve: Callable[..., int], ledger
) -> None:
    campaign = make_campaign()
    port, to = serve(), unsubscribe_address(mail_app, campaign)
    local, domain = to.split("@")
    send(port, f"{local.upper()}@{domain.upper()}")
    assert len(mailto_events(ledger)) == 1
    other = unsubscribe_address(mail_app, campaign, "ola@example.no")
    send(port, other.lower())
    assert len(mailto_events(ledger)) == 2


@pytest.mark.parametrize(
    "spoil",
    [
        lambda to: to.replace("@", ".x@"),  # a longer local part
        lambda to: to[:10] + ("a" if to[10] != "a" else "b") + to[11:],  # a changed code: its MAC fails
        lambda to: to.split("@")[0] + "@other.example.no",  # another domain
        lambda to: "postmaster@" + DOMAIN,
        lambda to: "u+" + "a" * 61 + "@" + DOMAIN,  # well-formed, never minted
    ],
)
def test_an_unknown_address_is_refused_at_rcpt_and_nothing_is_recorded(
    spoil: Callable[[str], str], mail_app: Flask, make_campaign: Callable[..., Campaign], serve, ledger
) -> None:
    port, to = serve(), unsubscribe_address(mail_app, make_campaign())
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(port, spoil(to))
    assert [code for code, _ in refused.value.recipients.values()] == [550]
    assert ledger() == []


def test_an_oversized_message_is_refused_and_records_nothing(
    app: Flask, make_app: Callable[..., Flask], make_campaign: Callable[..., Campaign], serve, ledger
) -> None:
    small = make_app(OPTOUT_MAILTO_DOMAIN=DOMAIN, OPTOUT_MAIL_MAX_BYTES="4096")
    port, to = serve(small), unsubscribe_address(small, make_campaign())
    with pytest.raises((smtplib.SMTPSenderRefused, smtplib.SMTPDataError)) as refused:
        send(port, to, message(to, body=("x" * 70 + "\n") * 150))
    assert refused.value.smtp_code == 552
    with smtplib.SMTP("127.0.0.1", port) as client:  # a client that does not declare the size
        client.ehlo()
        client.esmtp_features.pop("size")
        with pytest.raises(smtplib.SMTPDataError) as too_much:
            client.sendmail(
                "someone@sender.example", [to], message(to, body=("x" * 70 + "\n") * 150).as_bytes(policy=SMTP)
            )
    assert too_much.value.smtp_code == 552
    assert ledger() == []


def test_lmtp_records_the_opt_out_with_one_reply_per_recipient(
    mail_app: Flask, make_campaign: Callable[..., Campaign], serve: Callable[..., int], ledger, pid_of
) -> None:
    campaign = make_campaign()
    port, to = serve(lmtp=True), unsubscribe_address(mail_app, campaign)
    assert send(port, to, lmtp=True) == {}
    assert [e["pid"] for e in mailto_events(ledger)] == [pid_of(ADDRESS)]


def test_nothing_is_sent_back_to_the_sender(
    mail_app: Flask, make_campaign: Callable[..., Campaign], serve: Callable[..., int], ledger
) -> None:
    """A sink listens where the sender's address points; after accepting and refusing, it got nothing."""
    got: list[object] = []

    class Sink:
        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802
            got.append(envelope)
            return "250 OK"

    sink_port = free_port()
    sink = Controller(Sink(), hostname="127.0.0.1", port=sink_port)
    sink.start()
    try:
        port, to = serve(), unsubscribe_address(mail_app, make_campaign())
        with smtplib.SMTP("127.0.0.1", port) as client:
            client.sendmail(f"sender@[127.0.0.1]:{sink_port}", [to], message(to).as_bytes(policy=SMTP))
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                client.sendmail(
                    f"sender@[127.0.0.1]:{sink_port}", ["nobody@" + DOMAIN], message(to).as_bytes(policy=SMTP)
                )
        time.sleep(0.2)
    finally:
        sink.stop()
    assert got == []
    assert len(mailto_events(ledger)) == 1


def test_a_client_that_sends_too_many_messages_is_told_to_come_back_later(
    mail_app: Flask, make_campaign: Callable[..., Campaign], serve: Callable[..., int], ledger
) -> None:
    port, to = serve(), unsubscribe_address(mail_app, make_campaign())
    for attempt in range(5):
        assert send(port, to) == {}, attempt
    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        send(port, to)
    assert refused.value.smtp_code == 450
    assert len(mailto_events(ledger)) == 1


def test_a_database_that_does_not_answer_gets_a_temporary_failure(
    app: Flask, make_app: Callable[..., Flask], make_campaign: Callable[..., Campaign], serve, tmp_path
) -> None:
    """The sender's mail system then tries again later: the opt-out is delayed, never lost."""
    broken = make_app(
        OPTOUT_MAILTO_DOMAIN=DOMAIN, OPTOUT_DATABASE_URL=f"sqlite:///{tmp_path}/missing/folder/optout.sqlite3"
    )
    good = make_app(OPTOUT_MAILTO_DOMAIN=DOMAIN)
    to = unsubscribe_address(good, make_campaign())
    port = serve(broken)
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(port, to)
    assert [code for code, _ in refused.value.recipients.values()] == [451]


def test_the_log_holds_no_address_no_code_and_no_token(
    mail_app: Flask, make_campaign: Callable[..., Campaign], serve: Callable[..., int], caplog
) -> None:
    campaign = make_campaign()
    port, to = serve(), unsubscribe_address(mail_app, campaign)
    token = mailcode.token_of(to.split("@")[0])
    with caplog.at_level(logging.DEBUG):
        send(port, to)
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            send(port, "u+" + "b" * 61 + "@" + DOMAIN)
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "mailto unsubscribe" in text
    for secret in (to.split("@")[0][2:], token, token.split(".")[0], "someone@sender.example", ADDRESS, "b" * 61):
        assert secret.lower() not in text.lower()
