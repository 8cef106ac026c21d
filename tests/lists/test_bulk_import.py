"""``optout suppress import`` in batches: whole batches or nothing, nothing twice, even after a kill."""

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


def _write(path: Path, addresses: list[str]) -> Path:
    path.write_text("email\n" + "".join(f"{a}\n" for a in addresses))
    return path


def _events(app) -> list[tuple[str, str]]:
    with app.extensions["optout.db"].engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT pid, scope FROM consent_event ORDER BY seq"))]


def test_batches_record_each_new_opt_out_once_across_repeats_and_spellings(app, runner, tmp_path, decide, pid_of):
    decide("p7@example.no", "everything")  # already opted out: no new event
    count = 2 * BATCH + 500
    addresses = [f"p{n}@example.no" for n in range(count)]
    addresses += ["P1@EXAMPLE.NO", f"p{BATCH + 3}@example.no", "not an address"]  # repeats across batches
    source = _write(tmp_path / "list.csv", addresses)
    result = runner.invoke(cli, ["suppress", "import", "--batch-size", str(BATCH), str(source)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["rows_read"] == count + 3
    assert summary["recorded"] == count - 1
    assert summary["skipped-already-opted-out"] == 3 and summary["invalid-address"] == 1
    events = _events(app)
    assert len(events) == 1 + count - 1 == len(set(events))  # one event per person, none twice
    assert (pid_of("p1@example.no"), "everything") in events
    again = json.loads(runner.invoke(cli, ["suppress", "import", "--batch-size", str(BATCH), str(source)]).output)
    assert again.get("recorded", 0) == 0 and len(_events(app)) == count
    with app.extensions["optout.db"].engine.connect() as conn:
        assert verify(conn).problem is None


def test_an_import_killed_half_way_leaves_whole_batches_and_a_rerun_completes_it(app, database_url, tmp_path):
    count = 80 * BATCH
    source = _write(tmp_path / "big.csv", [f"kill{n}@example.no" for n in range(count)])
    env = command_env(database_url)
    command = optout_command("suppress", "import", "--batch-size", str(BATCH), str(source))
    kill_when(command, env, lambda: len(_events(app)), BATCH)
    partial = len(_events(app))
    assert partial % BATCH == 0  # whole batches only: a batch is one transaction
    assert 0 < partial < count, "the import finished before it could be killed: make the list longer"
    with app.extensions["optout.db"].engine.connect() as conn:
        assert verify(conn).problem is None
    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert rerun.returncode == 0, rerun.stderr
    summary = json.loads(rerun.stdout)
    assert summary["recorded"] == count - partial and summary["skipped-already-opted-out"] == partial
    events = _events(app)
    assert len(events) == count == len(set(events))
    with app.extensions["optout.db"].engine.connect() as conn:
        assert verify(conn).problem is None


def test_a_linked_person_in_a_batch_is_weighed_with_their_links(app, runner, optout, tmp_path, pid_of):
    """An address already opted out, overtaken by a later opt-in of its linked number, is opted out
    again by the import: the batch sends linked identities through the one decision path."""
    from optout.consent import service as consent
    from optout.models import Action, Source
    from optout.phones import phone_id
    from optout.web.session import get_session

    phone_pid = phone_id(ID_KEY.encode(), "98260580").hex()
    assert optout("recipient", "link", "linked@example.no", "98260580").exit_code == 0
    with app.app_context():
        session = get_session()
        context = consent.DecisionContext(Source.CLI, "test")
        consent.decide(session, pid_of("linked@example.no"), {"everything": Action.OPT_OUT}, context)
        session.commit()
        consent.decide(session, phone_pid, {"everything": Action.OPT_IN}, context)
        session.commit()
    source = _write(tmp_path / "list.csv", ["linked@example.no", *(f"other{n}@example.no" for n in range(10))])
    summary = json.loads(runner.invoke(cli, ["suppress", "import", str(source)]).output)
    assert summary["recorded"] == 11
    with app.app_context():
        assert consent.choices_of(get_session(), phone_pid).status("everything") == "opt-out"


def test_a_batch_size_out_of_range_is_refused_before_anything_is_read(app, runner, tmp_path):
    source = _write(tmp_path / "list.csv", ["someone@example.no"])
    result = runner.invoke(cli, ["suppress", "import", "--batch-size", "5", str(source)])
    assert result.exit_code == 2 and "--batch-size" in result.output
    assert _events(app) == []
