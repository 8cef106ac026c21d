"""The SQLite database the center creates, and the files SQLite keeps beside it, are its owner's only."""

from __future__ import annotations

import stat
import subprocess

import pytest

from tests.helpers.processes import command_env, optout_command

pytestmark = pytest.mark.dialect_independent("the files of a SQLite database")


def test_a_new_sqlite_database_and_its_wal_shm_and_writer_files_are_private(tmp_path):
    database = tmp_path / "center.sqlite3"
    env = command_env(f"sqlite:///{database}")
    (tmp_path / "list.csv").write_text("email\nkari@example.no\n")
    for args in (("db", "upgrade"), ("suppress", "import", str(tmp_path / "list.csv"))):
        done = subprocess.run(optout_command(*args), env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
    made = [path for path in tmp_path.iterdir() if path.name.startswith("center.sqlite3")]
    assert {path.name for path in made} >= {"center.sqlite3", "center.sqlite3-writer"}
    for path in made:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
