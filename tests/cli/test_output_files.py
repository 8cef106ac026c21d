"""Every file a command writes is private (0600), never written through a path someone could
plant a symlink at, and appears whole or not at all."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.dialect_independent("file modes and whole-or-nothing writes")


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The umask most accounts have (022): files made with the default mode come out 0644."""
    before = os.umask(0o022)
    yield
    os.umask(before)


@pytest.fixture
def data(make_campaign, decide, tmp_path):
    make_campaign("newsletter", topic="periodic")
    decide("kari@example.no", "topic:periodic")
    source = tmp_path / "list.csv"
    source.write_text("email\nkari@example.no\nola@example.no\n")
    return source


COMMANDS = {
    "filter": lambda source, out: ["filter", "--campaign", "newsletter", "--output", out, str(source)],
    "filter report": lambda source, out: ["filter", "--campaign", "newsletter", "--report", out, str(source)],
    "subject export": lambda _source, out: ["subject", "export", "kari@example.no", "--output", out],
    "export ledger": lambda _source, out: ["export", "ledger", "--output", out],
    "record": lambda _source, out: ["record", "--output", out],
}


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_output_file_is_readable_by_its_owner_only(optout, data, tmp_path, command):
    target = tmp_path / "shared" / "out.file"
    target.parent.mkdir()
    result = optout(*COMMANDS[command](data, str(target)))
    assert result.exit_code == 0, result.output
    assert target.is_file() and not target.is_symlink()
    assert _mode(target) == 0o600
    assert sorted(p.name for p in target.parent.iterdir()) == ["out.file"]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_symlink_planted_at_the_old_temporary_path_is_not_followed(optout, data, tmp_path, command):
    shared = tmp_path / "shared"
    shared.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    planted = shared / ".out.file.partial"
    planted.symlink_to(victim)
    result = optout(*COMMANDS[command](data, str(shared / "out.file")))
    assert result.exit_code == 0, result.output
    assert victim.read_text() == "precious\n"
    assert planted.is_symlink() and planted.readlink() == victim
    target = shared / "out.file"
    assert target.is_file() and not target.is_symlink() and _mode(target) == 0o600


def test_an_existing_output_file_is_replaced_and_made_private(optout, data, tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    target.chmod(0o644)
    assert optout("export", "ledger", "--output", str(target)).exit_code == 0
    assert target.read_text().startswith("seq,") and _mode(target) == 0o600


@pytest.mark.parametrize(
    "args",
    [
        ["export", "ledger", "--topic", "ghost"],  # fails while the file is being written
        ["filter", "--campaign", "newsletter"],  # the input is not a sending list
    ],
)
def test_a_failed_run_leaves_no_file_behind(optout, data, tmp_path, args):
    shared = tmp_path / "shared"
    shared.mkdir()
    bad_list = tmp_path / "bad.csv"
    bad_list.write_text("name\nKari\n")
    extra = [str(bad_list)] if args[0] == "filter" else []
    result = optout(*args, "--output", str(shared / "out.csv"), *extra)
    assert result.exit_code == 1, result.output
    assert list(shared.iterdir()) == []
