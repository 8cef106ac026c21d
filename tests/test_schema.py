"""Migrations: `optout db upgrade` builds the schema, the models match it, and an out-of-date
database is refused with a message naming the command."""

from __future__ import annotations

import json

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from optout import create_app, schema
from optout.cli import cli
from optout.db import Base
from optout.identity import pseudonymous_id
from optout.models import Action, Basis, Channel, Choice, ConsentEvent, Source, Status, Topic
from tests.helpers.db import audit_rows
from tests.helpers.settings import settings_for


def test_models_match_the_migrations(app):
    engine = app.extensions["optout.db"].engine
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_enum_columns_store_their_values_and_read_back_as_members(app, decide):
    """The typed columns store the very strings they stored as text columns."""
    decide("typed@example.no", "channel:phone")
    engine = app.extensions["optout.db"].engine
    with engine.connect() as conn:
        stored = conn.execute(
            text(
                "SELECT c.status, e.action, e.source, e.channel, e.link "
                "FROM choice c JOIN consent_event e ON e.pid = c.pid"
            )
        ).one()
    assert tuple(stored) == ("opt-out", "opt-out", "cli", "phone", None)
    with Session(engine) as session:
        choice = session.scalars(select(Choice)).one()
        event = session.scalars(select(ConsentEvent)).one()
        phone = session.scalars(select(Topic).where(Topic.key == "phone")).one()
        assert choice.status is Status.OPTED_OUT
        assert (event.action, event.source, event.channel, event.link) == (
            Action.OPT_OUT,
            Source.CLI,
            Channel.PHONE,
            None,
        )
        assert type(event.action) is Action and type(event.channel) is Channel
        assert (phone.channel, phone.basis) == (Channel.PHONE, Basis.CONSENT) and type(phone.basis) is Basis
        # A query may compare with a member or with its stored string.
        assert session.scalar(select(Choice.scope).where(Choice.status == Status.OPTED_OUT)) == "channel:phone"
        assert session.scalar(select(Choice.scope).where(Choice.status == "opt-out")) == "channel:phone"


def test_a_string_that_is_no_member_is_refused_before_it_is_stored(app):
    engine = app.extensions["optout.db"].engine
    with Session(engine) as session:
        session.add(Choice(pid="0" * 32, scope="everything", status="maybe"))
        with pytest.raises(StatementError, match="not among the defined enum values"):
            session.flush()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM choice")).scalar() == 0


def test_topics_are_seeded(db_session):
    rows = db_session.execute(text("SELECT key, channel, basis, for_partners FROM topic ORDER BY position")).all()
    assert [tuple(r) for r in rows] == [
        ("periodic", "email", "opt-out", False),
        ("partner-offers", "email", "consent", True),
        ("phone", "phone", "consent", False),
    ]


def test_an_empty_database_is_refused_until_upgraded(tmp_path):
    app = create_app(settings_for(f"sqlite:///{tmp_path}/new.sqlite3"))
    client = app.test_client()
    refused = client.get("https://optout.example.no/")
    assert refused.status_code == 503
    runner = app.test_cli_runner()
    listed = runner.invoke(cli, ["campaign", "list"])
    assert listed.exit_code == 1 and "optout db upgrade" in listed.output
    upgraded = runner.invoke(cli, ["db", "upgrade"])
    head = schema.head_revision(app.extensions["optout.settings"].database_url)
    assert upgraded.exit_code == 0 and head in upgraded.output
    assert f"current: {head}" in runner.invoke(cli, ["db", "current"]).output
    assert client.get("https://optout.example.no/").status_code == 200
    assert client.get("https://optout.example.no/healthz").json == {"status": "ok"}


def test_the_refusal_names_the_command(tmp_path, caplog):
    app = create_app(settings_for(f"sqlite:///{tmp_path}/new.sqlite3"))
    app.test_client().get("https://optout.example.no/")
    assert any("optout db upgrade" in r.getMessage() for r in caplog.records)


def test_flask_commands_work_beside_ours(app):
    result = app.test_cli_runner().invoke(cli, ["routes"])
    assert result.exit_code == 0
    for endpoint in ("unsubscribe.one_click", "unsubscribe.confirm", "preferences.show", "preferences.undo"):
        assert endpoint in result.output


def test_upgrading_to_the_chained_ledger_chains_existing_events_and_round_trips(tmp_path):
    """A database with events from before the chain gets them chained in id order; downgrade works too."""
    app = create_app(settings_for(f"sqlite:///{tmp_path}/old.sqlite3"))
    engine = app.extensions["optout.db"].engine
    schema.upgrade(engine, "0003")
    with engine.begin() as conn:
        for number, (scope, action) in enumerate([("everything", "opt-out"), ("topic:phone", "opt-in")]):
            conn.execute(
                text(
                    "INSERT INTO consent_event (pid, scope, action, source, policy_version, change_id, created_at) "
                    "VALUES (:pid, :scope, :action, 'cli', '2020-02-28', :change, '2025-01-0' || :day || ' 10:00:00')"
                ),
                {
                    "pid": f"{number:032x}",
                    "scope": scope,
                    "action": action,
                    "change": f"{number:032x}",
                    "day": number + 1,
                },
            )
            conn.execute(
                text(
                    "INSERT INTO choice (pid, scope, status, changed_at) VALUES (:pid, :scope, :status, '2025-01-01')"
                ),
                {"pid": f"{number:032x}", "scope": scope, "status": action},
            )
    schema.upgrade(engine)
    runner = app.test_cli_runner()
    verified = runner.invoke(cli, ["ledger", "verify"])
    assert verified.exit_code == 0, verified.output
    assert "intact: 2 events" in verified.output
    with engine.connect() as conn:
        versions = conn.execute(text("SELECT policy_version FROM choice ORDER BY pid")).scalars().all()
    assert versions == ["2020-02-28", "2020-02-28"]
    assert runner.invoke(cli, ["recipient", "opt-out", "new@example.no"]).exit_code == 0
    assert runner.invoke(cli, ["ledger", "verify"]).exit_code == 0
    config = schema.alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0003")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM consent_event")).scalar() == 3
    engine.dispose()


def test_the_head_revision_constant_is_alembics_head(app):
    # The schema check compares against the constant to spare every command importing Alembic.
    assert schema.head_revision(app.extensions["optout.settings"].database_url) == schema.HEAD_REVISION


def test_upgrading_to_extensions_keeps_requests_and_downgrade_drops_the_columns(tmp_path):
    """Requests registered before 0006 keep their due day and are not extended; downgrade keeps them too."""
    app = create_app(settings_for(f"sqlite:///{tmp_path}/old.sqlite3"))
    engine = app.extensions["optout.db"].engine
    schema.upgrade(engine, "0005")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO access_request (pid, received_at, due_on, handled_by) "
                "VALUES (:pid, '2026-01-31 12:00:00', '2026-02-28', 'cli')"
            ),
            {"pid": "ab" * 16},
        )
    schema.upgrade(engine)
    runner = app.test_cli_runner()
    [row] = [json.loads(line) for line in runner.invoke(cli, ["requests", "list", "--json"]).output.splitlines()]
    assert (row["due_on"], row["extended_to"], row["extension_reason"], row["overdue"]) == (
        "2026-02-28",
        None,
        None,
        True,
    )
    with engine.begin() as conn:  # an extension made after the upgrade goes with its columns
        conn.execute(text("UPDATE access_request SET extended_to = '2026-04-28', extension_reason = 'many'"))
    config = schema.alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0005")
    with engine.connect() as conn:
        columns = {column["name"] for column in inspect(conn).get_columns("access_request")}
        kept = conn.execute(text("SELECT due_on FROM access_request")).scalars().all()
    assert kept == ["2026-02-28"]  # SQLite hands back the stored text
    assert not columns & {"extended_to", "extension_reason", "extended_at", "extended_by"}
    assert {"pid", "received_at", "due_on", "answered_at", "repeat_reason", "handled_by"} <= columns
    engine.dispose()


def test_upgrading_to_structured_audit_moves_old_details_and_downgrade_brings_them_back(tmp_path):
    """0009 moves each old detail into data, its pid into subject_pid; erasure then forgets old entries too."""
    app = create_app(settings_for(f"sqlite:///{tmp_path}/old.sqlite3"))
    engine = app.extensions["optout.db"].engine
    schema.upgrade(engine, "0008")
    kari = pseudonymous_id(app.extensions["optout.settings"].id_key, "kari@example.no").hex()
    ola = "cd" * 16
    old = [
        ("personvern@example.no", "lookup", f"pid {kari}"),
        ("cli", "access-request", f"registered request 3, pid {ola}"),
        ("cli", "request-extended", f"extended request 3 to 2026-04-28, pid {kari}"),
        ("cli", "export", "ledger (csv): everything"),
        ("personvern@example.no", "login", ""),
    ]
    with engine.begin() as conn:
        for officer, action, detail in old:
            conn.execute(
                text(
                    "INSERT INTO audit_entry (at, officer, action, detail) "
                    "VALUES ('2026-11-01 10:00:00', :officer, :action, :detail)"
                ),
                {"officer": officer, "action": action, "detail": detail},
            )
    schema.upgrade(engine)
    assert [row[1:] for row in audit_rows(app)] == [
        ("lookup", kari, {}),
        ("access-request", ola, {"text": "registered request 3"}),
        ("request-extended", kari, {"text": "extended request 3 to 2026-04-28"}),
        ("export", None, {"text": "ledger (csv): everything"}),
        ("login", None, {}),
    ]
    runner = app.test_cli_runner()
    assert runner.invoke(cli, ["subject", "erase", "kari@example.no", "--yes"]).exit_code == 0
    assert [row[2] for row in audit_rows(app)] == [None, ola, None, None, None, None]

    config = schema.alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0008")
    with engine.connect() as conn:
        columns = {column["name"] for column in inspect(conn).get_columns("audit_entry")}
        details = conn.execute(text("SELECT action, detail FROM audit_entry ORDER BY id")).all()
    assert columns == {"id", "at", "officer", "action", "detail"}
    [*kept, erasure] = [tuple(row) for row in details]
    assert kept == [
        ("lookup", ""),  # erased: the pid is gone, as erasure before 0009 left it (as [erased])
        ("access-request", f"registered request 3, pid {ola}"),
        ("request-extended", "extended request 3 to 2026-04-28"),
        ("export", "ledger (csv): everything"),
        ("login", ""),
    ]
    assert erasure[0] == "erasure" and json.loads(erasure[1])["tombstone_seq"] >= 1
    engine.dispose()
