"""What every command shares: the checked session, JSON output, errors that exit non-zero."""

from __future__ import annotations

import json
from typing import Any, NoReturn

import click
from flask import current_app
from sqlalchemy.orm import Session

from .. import phones, schema
from ..catalog import service as catalog
from ..catalog.cache import CampaignInfo
from ..identity import AddressInvalid, normalize, pid_of
from ..models import Channel
from ..pids import Pid
from ..policy import service as policy
from ..web.extensions import get_settings
from ..web.session import get_database, get_session


def fail(message: str, code: int = 1) -> NoReturn:
    """Print *message* to stderr and exit with *code*."""
    click.echo(f"optout: {message}", err=True)
    raise SystemExit(code)


def mailbox(address: str, *, position: int | None = None, of: int = 1) -> str:
    """The canonical mailbox of *address*, or exit 2 saying why (and, of several, which argument)."""
    try:
        return normalize(address)
    except AddressInvalid as exc:
        where = f"argument {position} of {of} " if position is not None and of > 1 else ""
        fail(f"{where}{address!r} is not an email address: {exc.problem}.", code=2)


def number(text: str, *, what: str = "phone number") -> str:
    """The E.164 form of phone number *text*, or exit 2 saying why (never repeating the number)."""
    try:
        return phones.normalize(text, get_settings().default_region)
    except phones.NumberInvalid as exc:
        fail(f"the {what} is not valid: {exc.problem}.", code=2)


def person(text: str) -> tuple[Channel, str, Pid]:
    """An address or a phone number (an address has ``@``): its channel, canonical form and id."""
    key = get_settings().id_key
    if phones.is_number(text):
        normal = number(text)
        return Channel.PHONE, normal, phones.pid_of_number(key, normal)
    normal = mailbox(text)
    return Channel.EMAIL, normal, pid_of(key, normal)


def session() -> Session:
    """The command's session, after checking that the schema is current."""
    try:
        schema.check(get_database().engine)
    except schema.SchemaOutdated as exc:
        fail(str(exc))
    current_app.extensions["optout.schema_ok"] = True
    return get_session()


def echo_json(data: Any) -> None:
    """Print *data* as one line of JSON (non-ASCII kept readable)."""
    click.echo(json.dumps(data, ensure_ascii=False, default=str))


def check_scope(scope: str) -> str:
    """Return *scope* if it names an existing topic, partner or channel, or everything; else exit 2."""
    if not catalog.scope_exists(session(), scope):
        fail(f"unknown scope {scope!r}: use everything, topic:KEY, partner:SLUG or channel:email|phone.", code=2)
    return scope


def campaign_info(slug: str) -> CampaignInfo:
    """The campaign *slug* with its topic and partner, or exit 1 naming it."""
    try:
        return CampaignInfo.of(catalog.campaign_by_slug(session(), slug))
    except catalog.CatalogError as exc:
        fail(str(exc))


def current_policy() -> policy.PolicyState:
    """The privacy policy in force now, read fresh (a command runs once)."""
    return policy.state(session(), get_settings())
