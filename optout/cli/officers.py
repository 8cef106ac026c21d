"""``optout officer``: the accounts that may log in to the web console at /officer."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..accounts import officers as auth
from ..audit import service as audit
from ..audit.service import AuditAction
from .common import echo_json, fail, mailbox, session


def _strong_enough(password: str) -> str:
    try:
        return auth.check_password(password)
    except auth.OfficerError as exc:
        raise click.BadParameter(str(exc)) from None


@click.group("officer", cls=AppGroup)
def officer_group() -> None:
    """Privacy officers who may use the web console."""


@officer_group.command("add")
@click.argument("email")
def officer_add_cmd(email: str) -> None:
    """Create an account for EMAIL; asks twice for its password (at least 12 characters)."""
    db = session()
    mailbox(email)
    try:
        auth.available_address(db, email)  # before asking for a password that would be wasted
    except auth.OfficerError as exc:
        fail(str(exc))
    password: str = click.prompt("Password", hide_input=True, confirmation_prompt=True, value_proc=_strong_enough)
    try:
        officer = auth.add_officer(db, email, password)
    except auth.OfficerError as exc:  # added by someone else while we were asking
        fail(str(exc))
    audit.log_action(db, audit.CLI, AuditAction.OFFICER_ADDED, data={"officer": officer.email})
    db.commit()
    click.echo(f"Officer {officer.email} added. They can log in at /officer/login.")


@officer_group.command("password")
@click.argument("email")
def officer_password_cmd(email: str) -> None:
    """Set a new password for EMAIL (asked twice); also lifts a lockout and ends their logins."""
    db = session()
    try:
        auth.officer_at(db, email)  # before asking for a password that would be wasted
    except auth.OfficerError as exc:
        fail(str(exc))
    password: str = click.prompt("Password", hide_input=True, confirmation_prompt=True, value_proc=_strong_enough)
    try:
        officer = auth.set_password(db, email, password)
    except auth.OfficerError as exc:  # removed by someone else while we were asking
        fail(str(exc))
    audit.log_action(db, audit.CLI, AuditAction.PASSWORD_SET, data={"officer": officer.email})
    db.commit()
    click.echo(f"New password set for {officer.email}; any lockout is lifted and their logins have ended.")


@officer_group.command("remove")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def officer_remove_cmd(email: str, yes: bool) -> None:
    """Delete EMAIL's account; a console login of theirs stops working at once."""
    db = session()
    if not yes:
        click.confirm(f"Remove officer {email.strip()}? They can no longer log in.", abort=True)
    try:
        auth.remove_officer(db, email)
    except auth.OfficerError as exc:
        fail(str(exc))
    audit.log_action(db, audit.CLI, AuditAction.OFFICER_REMOVED, data={"officer": email.strip().lower()})
    db.commit()
    click.echo(f"Officer {email.strip().lower()} removed.")


@officer_group.command("list")
def officer_list_cmd() -> None:
    """Print every officer as a JSON line: address, creation, failed logins, lock; never the hash."""
    for officer in auth.officers(session()):
        echo_json(
            {
                "email": officer.email,
                "created_at": officer.created_at.isoformat(),
                "failed_logins": officer.failed_logins,
                "locked_until": officer.locked_until.isoformat() if officer.locked_until else None,
            }
        )
