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
maximum resident set (``os.wait4`` of the child), which must not grow with the file.
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


def import_run(url: str, path: Path, kind: str) -> tuple[float, int, dict[str, object]]:
    """Time the import of *path* into *url*; its process's own peak resident set (``wait4``), in KiB."""
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("OPTOUT_")}, **KEYS, "OPTOUT_DATABASE_URL": url}
    subprocess.run([OPTOUT, "db", "upgrade"], env=env, check=True, capture_output=True)
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        process = subprocess.Popen([OPTOUT, kind, "import", str(path)], env=env, stdout=out, stderr=err, text=True)
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            err.seek(0)
            raise SystemExit(err.read())
        out.seek(0)
        return seconds, usage.ru_maxrss, json.loads(out.read())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--kind", choices=["suppress", "consent", "both"], default="suppress")
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
                        seconds, peak, summary = import_run(url, source, kind)
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
