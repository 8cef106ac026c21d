"""``optout consent import`` in batches: whole batches or nothing, nothing twice (within a batch
or across them), even after a kill; a linked person weighed with their links; never an opt-out
turned into an opt-in."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from sqlalchemy import text

from optout.cli import cli
from optout.ledger.verify import verify
from tests.helpers.processes import command_env, kill_when, optout_command
from tests.helpers.settings import ID_KEY

BATCH = 500  # --batch-size: small batches, so that a few thousand rows make several
HEADER = "email,topic,given_at,evidence\n"


def _write(path: Path, rows: list[str], header: str = HEADER) -> Path:
    path.write_text(header + "".join(f"{row}\n" for row in rows))
    return path


def _events(app) -> list[tuple[str, str, str, str]]:
    with app.extensions["optout.db"].engine.connect() as conn:
        rows = conn.execute(text("SELECT pid, scope, action, policy_version FROM consent_event ORDER BY seq"))
        return [tuple(r) for r in rows]


def _import(runner, source: Path, batch: int = BATCH) -> dict[str, object]:
    result = runner.invoke(cli, ["consent", "import", "--batch-size", str(batch), str(source)])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _verified(app) -> None:
    with app.extensions["optout.db"].engine.connect() as conn:
        assert verify(conn).problem is None


def test_the_same_consent_twice_in_one_batch_is_recorded_once(app, runner, tmp_path, pid_of):
    rows = [f"d{n}@example.no,phone,2024-06-01,form {n}" for n in range(50)]
    rows += ["D3@EXAMPLE.NO,phone,2024-07-01,form again", "d3@example.no,partner-offers,2024-06-01,form"]
    source = _write(tmp_path / "twice.csv", rows + rows)  # every row twice, all in one batch
    summary = _import(runner, source)
    assert summary["rows_read"] == 104
    assert summary["recorded"] == 51 and summary["skipped-already-opted-in"] == 53
    events = _events(app)
    assert len(events) == 51 == len({(pid, scope) for pid, scope, _action, _version in events})
    assert (pid_of("d3@example.no"), "topic:partner-offers") in {(pid, scope) for pid, scope, _a, _v in events}
    again = _import(runner, source)
    assert again.get("recorded", 0) == 0 and again["skipped-already-opted-in"] == 104
    assert len(_events(app)) == 51
    _verified(app)


def test_a_later_row_of_the_batch_sees_the_earlier_ones_result(app, runner, optout, tmp_path, pid_of):
    """A stale consent and its renewal in one file are two changes, as they would be one at a time;
    a consent given before the material change never replaces the renewal that follows it."""
    for version, day, *extra in (("2020-01", "2020-01-01"), ("2025-01", "2025-01-01", "--material")):
        args = ["policy", "add", version, "--date", day, "--url", f"https://example.no/{version}", *extra]
        assert optout(*args).exit_code == 0
    rows = [
        "kari@example.no,phone,2022-05-01,form v1",  # under 2020-01: recorded, but stale
        "ola@example.no,phone,2025-05-01,form v2",
        "kari@example.no,phone,2025-03-01,form v2",  # renews it under 2025-01
        "kari@example.no,phone,2021-03-01,form v1",  # older again: the renewal stands
        "ola@example.no,phone,2025-06-01,form v2",  # already so
    ]
    summary = _import(runner, _write(tmp_path / "renewal.csv", rows))
    assert summary["recorded"] == 3 and summary["skipped-already-opted-in"] == 2
    kari = pid_of("kari@example.no")
    assert [(pid, version) for pid, _scope, _action, version in _events(app)] == [
        (kari, "2020-01"),
        (pid_of("ola@example.no"), "2025-01"),
        (kari, "2025-01"),
    ]
    assert json.loads(optout("policy", "stale", "--json").output)["phone"] == 0
    _verified(app)


def test_batches_never_turn_an_opt_out_into_an_opt_in(app, runner, decide, tmp_path, choices, pid_of):
    decide("topic@example.no", "topic:phone", "opt-out")
    decide("everything@example.no", "everything", "opt-out")
    rows = [f"b{n}@example.no,phone,2024-06-01,form" for n in range(2 * BATCH + 10)]
    rows[5] = "topic@example.no,phone,2024-06-01,form"
    rows[BATCH + 5] = "everything@example.no,phone,2024-06-01,form"
    rows += ["topic@example.no,phone,2026-01-01,form", "b7@example.no,phone,2024-06-01,form"]  # across batches
    summary = _import(runner, _write(tmp_path / "list.csv", rows))
    assert summary["skipped-opt-out-stands"] == 3 and summary["recorded"] == 2 * BATCH + 8
    assert summary["skipped-already-opted-in"] == 1
    assert choices()[(pid_of("topic@example.no"), "topic:phone")] == "opt-out"
    assert (pid_of("everything@example.no"), "topic:phone") not in choices()
    _verified(app)


def test_a_linked_person_in_a_batch_is_weighed_with_their_links(app, runner, optout, tmp_path, pid_of):
    """The address of a number that refused everything, linked before this import or by a later
    row of the same batch, is weighed with the number's refusal from that row on; the other rows of
    the batch go together."""
    from optout.consent import service as consent
    from optout.models import Action, Source
    from optout.phones import phone_id
    from optout.web.session import get_session

    assert optout("recipient", "link", "linked@example.no", "98260580").exit_code == 0
    with app.app_context():
        session = get_session()
        context = consent.DecisionContext(Source.CLI, "test")
        consent.decide(session, phone_id(ID_KEY.encode(), "98260580").hex(), {"everything": Action.OPT_OUT}, context)
        session.commit()
    assert optout("recipient", "link", "other@example.no", "+47 982 60 581").exit_code == 0
    assert optout("subject", "erase", "+47 982 60 581", "--yes").exit_code == 0  # its tombstone: everything out
    header = "email,phone,topic,given_at,evidence\n"
    rows = [
        "linked@example.no,,phone,2024-06-01,call 1",  # linked already: the refusal stands
        "kari@example.no,,phone,2024-06-01,call 2",  # before its link: recorded, as one at a time
        "kari@example.no,982 60 581,partner-offers,2024-06-01,call 3",  # linked now: the number's refusal
        "kari@example.no,,periodic,2024-06-01,call 4",  # after the link: the refusal stands
        *(f"plain{n}@example.no,,phone,2024-06-01,call" for n in range(20)),
    ]
    summary = _import(runner, _write(tmp_path / "linked.csv", rows, header))
    assert summary["linked"] == 1
    assert summary["skipped-opt-out-stands"] == 3 and summary["recorded"] == 21
    kari = json.loads(optout("recipient", "show", "kari@example.no").output)
    assert kari["receives"]["phone"] is False  # the linked number's refusal of everything
    again = _import(runner, _write(tmp_path / "linked.csv", rows, header))
    assert again.get("recorded", 0) == 0 and again.get("linked", 0) == 0
    _verified(app)


def test_a_consent_import_killed_half_way_leaves_whole_batches_and_a_rerun_completes_it(app, database_url, tmp_path):
    count = 80 * BATCH
    source = _write(tmp_path / "big.csv", [f"kill{n}@example.no,phone,2024-06-01,form {n}" for n in range(count)])
    env = command_env(database_url)
    command = optout_command("consent", "import", "--batch-size", str(BATCH), str(source))
    kill_when(command, env, lambda: len(_events(app)), BATCH)
    partial = len(_events(app))
    assert partial % BATCH == 0  # whole batches only: a batch is one transaction
    assert 0 < partial < count, "the import finished before it could be killed: make the list longer"
    _verified(app)
    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert rerun.returncode == 0, rerun.stderr
    summary = json.loads(rerun.stdout)
    assert summary["recorded"] == count - partial and summary["skipped-already-opted-in"] == partial
    events = _events(app)
    assert len(events) == count == len(set(events))
    _verified(app)


def test_a_consent_batch_size_out_of_range_is_refused_before_anything_is_read(app, runner, tmp_path):
    source = _write(tmp_path / "list.csv", ["someone@example.no,phone,2024-06-01,form"])
    result = runner.invoke(cli, ["consent", "import", "--batch-size", "5", str(source)])
    assert result.exit_code == 2 and "--batch-size" in result.output
    assert _events(app) == []
