"""``optout suppress import`` and ``optout consent import`` rows per second and peak memory,
against a ``csv`` copy of the same file measured in the same round.

Run from the repository root (never part of the test suite)::

    .venv/bin/python bench/imports.py                       # 1,000,000 rows, SQLite and PostgreSQL
    .venv/bin/python bench/imports.py --rows 200000 --backend sqlite
    .venv/bin/python bench/imports.py --kind consent        # a consent file (email, topic, given_at, evidence)
    .venv/bin/python bench/imports.py --kind both --quick   # 50,000 rows, 1 round, each kind

Each round imports the whole list into a fresh database (the command as an operator runs it, in
its own process, so start-up, the CSV reading, the pids, the batches and the commits all count),
and times a plain ``csv.reader`` → ``csv.writer`` copy of the same file just before. The ratio
import/copy is the figure; the issue's goal is at most 10x. Peak memory is the import process's
maximum resident set (``os.wait4``'s of that process), which must not grow with the file.
With ``--export``, ``optout export ledger`` of the imported ledger (one event per row) is timed too,
and its output counted.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, text

ADMIN_URL = os.environ.get("OPTOUT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
KEYS = {
    "OPTOUT_SECRET_KEYS": "bench-signing-key-0123456789-abcdefghijklmnop",
    "OPTOUT_ID_KEY": "bench-id-key-0123456789-abcdefghijklmnopqrstu",
    "OPTOUT_BASE_URL": "https://optout.example.no",
}
OPTOUT = str(Path(sys.executable).with_name("optout"))


TOPICS = ("periodic", "partner-offers", "phone")  # the topics every database starts with


def generate(path: Path, rows: int, kind: str) -> None:
    """A suppression list (email, name) or a consent file (email, topic, given_at, evidence) of
    *rows* people, each once: every row is recorded."""
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        if kind == "suppress":
            writer.writerow(["email", "name"])
            for n in range(rows):
                writer.writerow([f"person{n}@example{n % 997}.no", f"Person {n}"])
            return
        writer.writerow(["email", "topic", "given_at", "evidence"])
        for n in range(rows):
            given = f"2024-{n % 12 + 1:02d}-{n % 28 + 1:02d}T{n % 24:02d}:{n % 60:02d}:00+01:00"
            writer.writerow([f"person{n}@example{n % 997}.no", TOPICS[n % 3], given, f"signup form v3, entry {n}"])


def copy_seconds(path: Path, tmp: Path) -> float:
    start = time.perf_counter()
    with path.open(newline="") as source, (tmp / "copy.csv").open("w", newline="") as sink:
        writer = csv.writer(sink)
        for row in csv.reader(source):
            writer.writerow(row)
    return time.perf_counter() - start


def fresh_database(backend: str, tmp: Path) -> tuple[str, Callable[[], None]]:
    if backend == "sqlite":
        db = tmp / f"import-{uuid.uuid4().hex[:6]}.sqlite3"
        return f"sqlite:///{db}", lambda: None  # the folder goes with the run
    name = f"optout_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return admin.url.set(database=name).render_as_string(hide_password=False), drop


def _env(url: str) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if not k.startswith("OPTOUT_")}, **KEYS, "OPTOUT_DATABASE_URL": url}


def _run(command: list[str], env: dict[str, str], tmp: Path) -> tuple[float, int, str]:
    """Run *command* to its end: its seconds, its own peak resident set (KiB) and its output."""
    out_path, err_path = tmp / "out.txt", tmp / "err.txt"
    with out_path.open("w") as out, err_path.open("w") as err:
        start = time.perf_counter()
        child = subprocess.Popen(command, env=env, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(err_path.read_text())
    return seconds, usage.ru_maxrss, out_path.read_text()


def import_run(url: str, path: Path, kind: str, batch: int | None, tmp: Path) -> tuple[float, int, dict[str, object]]:
    """Time the *kind* import of *path* into *url*: seconds, its own peak memory (KiB), its summary."""
    env = _env(url)
    subprocess.run([OPTOUT, "db", "upgrade"], env=env, check=True, capture_output=True)
    command = [OPTOUT, kind, "import", str(path), *(["--batch-size", str(batch)] if batch else [])]
    seconds, peak, out = _run(command, env, tmp)
    return seconds, peak, json.loads(out)


def export_run(url: str, tmp: Path, rows: int) -> tuple[float, int]:
    """``optout export ledger`` of the imported ledger to a file: seconds and peak memory (KiB)."""
    target = tmp / "ledger.csv"
    seconds, peak, _out = _run([OPTOUT, "export", "ledger", "--output", str(target)], _env(url), tmp)
    with target.open(newline="") as exported:
        lines = sum(1 for _ in csv.reader(exported))
    if lines != rows + 1:  # the header, then one event per imported row
        raise SystemExit(f"exported {lines - 1} events of {rows}")
    target.unlink()
    return seconds, peak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--kind", choices=["suppress", "consent", "both"], default="suppress")
    parser.add_argument("--batch-size", type=int, help="the import's --batch-size (default: its own)")
    parser.add_argument("--export", action="store_true", help="also time optout export ledger of each import")
    parser.add_argument("--quick", action="store_true", help="50,000 rows, 1 round")
    args = parser.parse_args(argv)
    rows, rounds = (50_000, 1) if args.quick else (args.rows, args.rounds)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(f"# bench/imports.py  {time.strftime('%Y-%m-%d %H:%M:%S %Z')}; {rows:,} rows; {os.cpu_count()} CPUs")
    kinds = ["suppress", "consent"] if args.kind == "both" else [args.kind]
    with tempfile.TemporaryDirectory(prefix="optout-import-bench-") as tmp_name:
        tmp = Path(tmp_name)
        for kind in kinds:
            source = tmp / f"{kind}.csv"
            generate(source, rows, kind)
            for backend in backends:
                ratios, rates, peaks = [], [], []
                for round_no in range(1, rounds + 1):
                    copy = copy_seconds(source, tmp)
                    url, drop = fresh_database(backend, tmp)
                    try:
                        seconds, peak, summary = import_run(url, source, kind, args.batch_size, tmp)
                        if args.export:
                            exported, export_peak = export_run(url, tmp, rows)
                            print(
                                f"  {kind} {backend} round {round_no}: export ledger {exported:.2f} s, "
                                f"{rows / exported:,.0f} events/s, {exported / copy:.1f}x the copy "
                                f"(peak {export_peak // 1024} MiB)",
                                flush=True,
                            )
                    finally:
                        drop()
                    if summary.get("recorded") != rows:
                        raise SystemExit(f"recorded {summary.get('recorded')} of {rows}")
                    ratios.append(seconds / copy)
                    rates.append(rows / seconds)
                    peaks.append(peak)
                    line = f"import {seconds:.2f} s, copy {copy:.2f} s, {seconds / copy:.1f}x, peak {peak // 1024} MiB"
                    print(f"  {kind} {backend} round {round_no}: {line}", flush=True)
                print(
                    f"{kind} {backend}: {statistics.median(rates):,.0f} rows/s, {statistics.median(ratios):.1f}x "
                    f"the copy (goal <= 10x), peak {max(peaks) // 1024} MiB",
                    flush=True,
                )
            source.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
