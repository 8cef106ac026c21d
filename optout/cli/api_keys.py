"""``optout api-key``: create, revoke and list the bearer keys of the HTTP API."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..accounts import api_keys as keys
from .common import echo_json, fail, session


@click.group("api-key", cls=AppGroup)
def api_key_group() -> None:
    """Bearer keys for the HTTP API (/api/v1)."""


@api_key_group.command("create")
@click.argument("name")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    type=click.Choice([scope.value for scope in keys.Scope]),
    help="What the key may do (repeat for more): filter lists, or mint links for any address.",
)
def api_key_create_cmd(name: str, scopes: tuple[str, ...]) -> None:
    """Create key NAME holding each --scope, and print it: the only time it is shown."""
    db = session()
    try:
        key = keys.create_key(db, name, {keys.Scope(scope) for scope in scopes})
    except keys.ApiKeyError as exc:
        fail(str(exc))
    db.commit()
    click.echo(key)  # alone on standard output, so a script can capture it
    click.echo(
        f"API key {name} created, scopes: {', '.join(sorted(set(scopes)))}.\n"
        "Store it now: it cannot be shown again (only its hash is kept).\n"
        "Send it as: Authorization: Bearer <key>",
        err=True,
    )


@api_key_group.command("revoke")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def api_key_revoke_cmd(name: str, yes: bool) -> None:
    """Revoke key NAME: every request with it fails from now on. A revoked name stays taken."""
    db = session()
    if not yes:
        click.confirm(f"Revoke API key {name}? Clients using it stop working at once.", abort=True)
    try:
        revoked = keys.revoke_key(db, name)
    except keys.ApiKeyError as exc:
        fail(str(exc))
    db.commit()
    click.echo(f"API key {name} revoked." if revoked else f"API key {name} was revoked already.")


@api_key_group.command("list")
def api_key_list_cmd() -> None:
    """Print every key as a JSON line: name, scopes, dates, state; never the key or its hash."""
    for key in keys.list_keys(session()):
        echo_json(
            {
                "name": key.name,
                "scopes": sorted(keys.scopes_of(key)),
                "created_at": key.created_at.isoformat(),
                "revoked": key.revoked_at is not None,
                "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
            }
        )
