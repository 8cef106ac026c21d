"""``optout policy``: register privacy-policy versions and count the consents a change made stale."""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import AppGroup

from ..catalog import service as catalog
from ..policy import service as policy
from .common import current_policy, echo_json, fail, session


@click.group("policy", cls=AppGroup)
def policy_group() -> None:
    """Versions of the privacy policy (every ledger event records the one in force)."""


@policy_group.command("add")
@click.argument("version")
@click.option("--date", "effective", required=True, help="The day the version comes into force, YYYY-MM-DD.")
@click.option("--url", required=True, help="Where this version can be read.")
@click.option("--material", is_flag=True, help="A material change: consents given before it must be given again.")
def policy_add_cmd(version: str, effective: str, url: str, material: bool) -> None:
    """Register VERSION of the privacy policy."""
    try:
        day = dt.date.fromisoformat(effective)
    except ValueError:
        fail("--date must be YYYY-MM-DD", code=2)
    db = session()
    try:
        added = policy.register(db, version, day, url, material=material)
    except policy.PolicyError as exc:
        fail(str(exc), code=2)
    db.commit()
    kind = "material change: consents given under older versions no longer count" if material else "not material"
    click.echo(f"Policy {added.version} in force from {added.effective_on.isoformat()} ({kind}).")


@policy_group.command("list")
def policy_list_cmd() -> None:
    """Every registered version, oldest first, one JSON object per line."""
    state = current_policy()
    for version in state.registered:
        echo_json(
            {
                "version": version.version,
                "effective_on": version.effective_on.isoformat(),
                "url": version.url,
                "material": version.material,
                "in_force": version == state.current,
            }
        )


@policy_group.command("stale")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as one JSON object.")
def policy_stale_cmd(as_json: bool) -> None:
    """Per consent-based topic, how many opt-ins a material policy change made stale."""
    state = current_policy()
    counts = policy.stale_counts(session(), state, catalog.topics(session()))
    if as_json:
        echo_json({"material_since": state.material_since.isoformat() if state.material_since else None, **counts})
        return
    if state.material_since is None:
        click.echo("No material policy change is in force: every recorded consent counts.")
    for key, count in counts.items():
        click.echo(f"{key}: {count}")
