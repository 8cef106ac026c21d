"""``optout subject``, ``optout requests`` and ``optout record``: access requests, access packages,
erasure, and the record of processing."""

from __future__ import annotations

import datetime as dt
import json

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from ..audit import service as audit
from ..dates import local_date
from ..db import utcnow
from ..models import Channel
from ..pids import Pid
from ..privacy import access_requests, erasure, messages, package, processing_record, service
from ..web.extensions import get_settings
from .common import current_policy, echo_json, fail, person, session
from .output import atomic_output


def _pid(email_or_phone: str) -> tuple[str, Pid]:
    """The canonical address or E.164 number (an address has ``@``) and its pseudonymous id."""
    _kind, normal, pid = person(email_or_phone)
    return normal, pid


def _received(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        fail("--received must be an ISO 8601 date or date-time, e.g. 2026-11-01", code=2)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _repeat(error: access_requests.RepeatedRequest) -> str:
    return f"{messages.repeat_refused(error)} (--reason)"


reason_option = click.option("--reason", help="Why a repeated request (within twelve months) is answered anyway.")
received_option = click.option("--received", help="When the request came in (default: now), ISO 8601.")


@click.group("requests", cls=AppGroup)
def requests_group() -> None:
    """The register of access requests (received, due one month later or when extended, answered)."""


@requests_group.command("add")
@click.argument("email", metavar="EMAIL|PHONE")
@reason_option
@received_option
def requests_add_cmd(email: str, reason: str | None, received: str | None) -> None:
    """Register an access request from EMAIL or PHONE, to be answered with `optout subject export`."""
    _normal, pid = _pid(email)
    try:
        request = service.register_request(
            session(), pid, actor=audit.CLI, reason=reason, received_at=_received(received)
        )
    except access_requests.RepeatedRequest as exc:
        fail(_repeat(exc))
    session().commit()
    click.echo(f"Access request {request.id} registered; answer due {request.due_on.isoformat()}.")


@requests_group.command("list")
@click.option("--overdue", is_flag=True, help="Only requests past their due day (the extended one, if any).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def requests_list_cmd(overdue: bool, as_json: bool) -> None:
    """Open (unanswered) access requests, the earliest due first."""
    today = local_date(utcnow())
    for request in access_requests.listing(session(), overdue_only=overdue, today=today):
        row = {
            "id": request.id,
            "pseudonymous_id": request.pid,
            "received_at": request.received_at.isoformat(),
            "due_on": request.due_on.isoformat(),
            "extended_to": request.extended_to.isoformat() if request.extended_to else None,
            "extension_reason": request.extension_reason,
            "overdue": access_requests.overdue(request, today),
            "repeat_reason": request.repeat_reason,
        }
        if as_json:
            echo_json(row)
        else:
            extended = f" (extended from {row['due_on']})" if request.extended_to else ""
            flag = "  OVERDUE" if row["overdue"] else ""
            click.echo(
                f"{request.id}\t{request.pid}\treceived {request.received_at:%Y-%m-%d}"
                f"\tdue {request.answer_due.isoformat()}{extended}{flag}"
            )


# The option a refusal is about, when it is about what was typed.
_OPTION_OF = {access_requests.Refusal.BAD_MONTHS: "--months", access_requests.Refusal.NO_REASON: "--reason"}


def _refusal(error: access_requests.ExtensionRefused) -> str:
    option = _OPTION_OF.get(error.code)
    message = messages.extension_refused(error)
    return f"{option}: {message}" if option else message


@requests_group.command("extend")
@click.argument("request_id", metavar="ID", type=int)
@click.option("--months", type=int, required=True, metavar="1|2", help="How many months to add (1 or 2).")
@click.option("--reason", required=True, help="Why the extension is necessary (the person is told it).")
def requests_extend_cmd(request_id: int, months: int, reason: str) -> None:
    """Extend request ID's deadline (GDPR Art. 12(3)), once you have told the person, with the reason.

    Only before its original due day; the answer is then due 1 or 2 months after that day.
    """
    db = session()
    request = access_requests.get(db, request_id, for_update=True)
    if request is None:
        fail(f"there is no access request {request_id}; `optout requests list` shows the open ones.")
    try:
        due = service.extend_request(db, request, months=months, reason=reason, actor=audit.CLI)
    except access_requests.ExtensionRefused as exc:
        fail(_refusal(exc))
    db.commit()
    click.echo(f"Access request {request.id} extended: the answer is now due {due.isoformat()} (was {request.due_on}).")


@click.group("subject", cls=AppGroup)
def subject_group() -> None:
    """One person's rights: access package and erasure (found through the pseudonymous ID)."""


@subject_group.command("export")
@click.argument("email_or_phone", metavar="EMAIL|PHONE")
@click.option("--format", "fmt", type=click.Choice(["json", "html"]), default="json", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), help="File to write (default: stdout).")
@reason_option
@received_option
def subject_export_cmd(
    email_or_phone: str, fmt: str, output: str | None, reason: str | None, received: str | None
) -> None:
    """Answer the access request of EMAIL or PHONE with the package (registering the request if it is
    not yet); the package covers every identity linked to it."""
    db = session()
    kind, normal, pid = person(email_or_phone)
    try:
        answer = service.answer_request(
            db,
            pid,
            email=normal if kind is Channel.EMAIL else None,
            phone=normal if kind is Channel.PHONE else None,
            settings=get_settings(),
            fresh=current_policy().freshness,
            fmt=fmt,
            actor=audit.CLI,
            reason=reason,
            received_at=_received(received),
        )
    except access_requests.RepeatedRequest as exc:
        fail(_repeat(exc))
    request, data = answer.request, answer.package
    with atomic_output(output) as out:  # a failed write leaves the request open: nothing is committed
        if fmt == "json":
            out.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        else:
            out.write(package.render_html(current_app.jinja_env, data, get_settings(), answer.names))
    db.commit()
    click.echo(f"Access request {request.id} answered (due {request.answer_due.isoformat()}).", err=True)


@subject_group.command("erase")
@click.argument("email_or_phone", metavar="EMAIL|PHONE")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def subject_erase_cmd(email_or_phone: str, yes: bool) -> None:
    """Erase everything about EMAIL or PHONE and every identity linked to it, except a suppression
    entry for each that keeps it from every list."""
    db = session()
    _normal, pid = _pid(email_or_phone)
    found = erasure.review(db, pid)
    linked = f" of {found.identities} linked identities" if found.identities > 1 else ""
    click.echo(
        f"This removes {found.events} ledger event(s), {found.choices} choice(s) and {found.requests} access "
        f"request(s){linked}, and keeps only a do-not-contact entry for each (pseudonymous ID, everything, "
        "today, erasure).",
        err=True,
    )
    if not yes and not click.confirm("Erase?", err=True):
        fail("nothing erased.")
    done = service.erase_person(db, pid, policy_version=current_policy().current.version, actor=audit.CLI)
    db.commit()
    also = f" ({done.identities} identities, {done.links_removed} link(s) removed)" if done.identities > 1 else ""
    click.echo(
        f"Erased{also}: {done.events_redacted} event(s) redacted, {done.choices_removed} choice(s) and "
        f"{done.requests_removed} request(s) removed; tombstone is ledger event seq {done.tombstone_seq}."
    )


@click.command("record")
@click.option("--format", "fmt", type=click.Choice(["json", "html"]), default="html", show_default=True)
@click.option(
    "--year", type=click.IntRange(2000, 9999), help="Add the statement of disclosures for this calendar year."
)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), help="File to write (default: stdout).")
@with_appcontext
def record_command(fmt: str, year: int | None, output: str | None) -> None:
    """The record of processing for this service (GDPR Art. 30(1)), in bokmål and English.

    With --year, also the statement that no personal information was disclosed for third
    parties' direct marketing that year (California Civil Code § 1798.83), with its evidence.
    """
    db = session()
    data = service.export_processing_record(db, get_settings(), year=year, fmt=fmt, actor=audit.CLI)
    with atomic_output(output) as out:
        if fmt == "json":
            out.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        else:
            out.write(processing_record.render_html(current_app.jinja_env, data, get_settings()))
    db.commit()
