"""Long commands show a progress bar on a terminal, and nothing but their output elsewhere."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

from tests.helpers.settings import BASE_URL, ID_KEY, NEW_KEY, OLD_KEY


def _run(database_url: str, *args: str, terminal: bool) -> tuple[str, str]:
    """Run ``optout ARGS``; its standard error is a terminal (a pty) when *terminal* is true."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("OPTOUT_")},
        "OPTOUT_DATABASE_URL": database_url,
        "OPTOUT_SECRET_KEYS": f"{OLD_KEY} {NEW_KEY}",
        "OPTOUT_ID_KEY": ID_KEY,
        "OPTOUT_BASE_URL": BASE_URL,
        "COLUMNS": "100",
    }
    command = [str(Path(sys.executable).with_name("optout")), *args]
    if not terminal:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=True)
        return done.stdout, done.stderr
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=follower)
        os.close(follower)
        err = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the command ended and closed its side
                break
            if not chunk:
                break
            err += chunk
        out, _none = process.communicate(timeout=300)
    finally:
        os.close(leader)
    assert process.returncode == 0, err
    return out.decode(), err.decode(errors="replace")


def test_suppress_import_and_ledger_export_show_progress_on_a_terminal_only(app, database_url, tmp_path):
    source = tmp_path / "list.csv"
    source.write_text("email\n" + "".join(f"progress{n}@example.no\n" for n in range(5000)))
    out, err = _run(database_url, "suppress", "import", str(source), terminal=True)
    assert "Importing" in err and "100%" in err
    assert json.loads(out)["recorded"] == 5000  # the summary stays on standard output, whole
    export = tmp_path / "ledger.csv"
    _out, err = _run(database_url, "export", "ledger", "--output", str(export), terminal=True)
    assert "Exporting" in err and "100%" in err and "5000 events exported." in err
    assert len(export.read_text().splitlines()) == 5001
    _out, quiet = _run(database_url, "export", "ledger", "--output", str(tmp_path / "again.csv"), terminal=False)
    assert "Exporting" not in quiet and quiet.strip() == "5000 events exported."
