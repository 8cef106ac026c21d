"""The write ceiling of one database under the ledger lock: one-click decisions per second with 1,
2, 4 and 8 concurrent writers, outside HTTP, against the same database's own commit floor.

Run from the repository root (never part of the test suite)::

    .venv/bin/python bench/ledger_writes.py                    # PostgreSQL, 4 rounds x 4 s per writer count
    .venv/bin/python bench/ledger_writes.py --quick            # 1 round x 2 s
    .venv/bin/python bench/ledger_writes.py --sqlite           # the embedded default instead
    OPTOUT_TEST_POSTGRES_URL=postgresql+psycopg://u@host/db .venv/bin/python bench/ledger_writes.py

Every decision is what the one-click records: :func:`optout.consent.service.decide` of a fresh
recipient's opt-out of the campaign's topic, its own transaction (lock the ledger head, upsert the
choice, insert the chained event, move the head, commit). Appends serialize on the one head row
by design (that is what makes the chain a chain), so adding writers adds waiting, not throughput,
once the lock is the bottleneck.

The floor, measured in the same round with the same writers, is one transaction per write that
inserts one row into a scratch table and commits: what the database can commit with no lock and
no ledger. The ratio decisions/floor says what the ledger costs. At the end the whole ledger is
verified (``optout ledger verify``'s walk), so a fast run that broke the chain would fail.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

sys.path.insert(1, str(Path(__file__).resolve().parent.parent))

from optout import schema
from optout.catalog import service as catalog
from optout.consent import service as consent
from optout.db import make_engine
from optout.ledger.verify import verify
from optout.models import Action, Link, Source
from optout.pids import Pid

ADMIN_URL = os.environ.get("OPTOUT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
WRITERS = (1, 2, 4, 8)


def _postgres_database() -> tuple[str, Callable[[], None]]:
    name = f"optout_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


def _prepare(engine: Engine) -> int:
    schema.upgrade(engine)
    with Session(engine) as session:
        campaign = catalog.add_campaign(session, "bench", topic_key="periodic", partner_slug=None)
        session.commit()
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE bench_floor (id BIGINT PRIMARY KEY, note VARCHAR(32))"))
        return campaign.id


class Counter:
    """Thread-safe sequence of fresh recipients and scratch-row ids."""

    def __init__(self) -> None:
        self._next = 0
        self._lock = threading.Lock()

    def take(self) -> int:
        with self._lock:
            self._next += 1
            return self._next


def _decision(engine: Engine, campaign_id: int, ids: Counter) -> Callable[[], None]:
    topics = None

    def one() -> None:
        nonlocal topics
        n = ids.take()
        pid = Pid(f"{n:032x}")
        context = consent.DecisionContext(
            Source.ONE_CLICK, "bench", campaign_id=campaign_id, lang="nb", link=Link.UNSUBSCRIBE
        )
        with Session(engine) as session:
            consent.decide(session, pid, {"topic:periodic": Action.OPT_OUT}, context, topics=topics)
            session.commit()

    return one


def _floor(engine: Engine, ids: Counter) -> Callable[[], None]:
    def one() -> None:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO bench_floor (id, note) VALUES (:id, 'x')"), {"id": ids.take()})

    return one


def _run(work: Callable[[], None], writers: int, seconds: float) -> tuple[float, float, float]:
    """Writes per second, and p50 and p99 latency in ms, of *writers* threads doing *work*."""
    stop = time.perf_counter() + seconds
    latencies: list[list[float]] = [[] for _ in range(writers)]

    def loop(mine: list[float]) -> None:
        while (start := time.perf_counter()) < stop:
            work()
            mine.append(time.perf_counter() - start)

    threads = [threading.Thread(target=loop, args=(latencies[i],)) for i in range(writers)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    every = sorted(x for mine in latencies for x in mine)
    p50 = every[len(every) // 2] * 1000 if every else 0.0
    p99 = every[min(len(every) - 1, int(len(every) * 0.99))] * 1000 if every else 0.0
    return len(every) / elapsed, p50, p99


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", action="store_true", help="the embedded SQLite database instead of PostgreSQL")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=4.0, help="per writer count and variant, per round")
    parser.add_argument("--quick", action="store_true", help="1 round x 2 s")
    args = parser.parse_args(argv)
    rounds, seconds = (1, 2.0) if args.quick else (args.rounds, args.seconds)
    with tempfile.TemporaryDirectory(prefix="optout-ledger-bench-") as tmp:
        if args.sqlite:
            url, drop = f"sqlite:///{tmp}/bench.sqlite3", (lambda: None)
        else:
            url, drop = _postgres_database()
        engine = make_engine(url)
        try:
            campaign_id = _prepare(engine)
            ids = Counter()
            decision, floor = _decision(engine, campaign_id, ids), _floor(engine, ids)
            results: dict[int, list[tuple[float, float, float, float]]] = {w: [] for w in WRITERS}
            for round_no in range(rounds):
                order = WRITERS if round_no % 2 == 0 else tuple(reversed(WRITERS))
                for writers in order:
                    floor_rate = _run(floor, writers, seconds)[0]
                    rate, p50, p99 = _run(decision, writers, seconds)
                    results[writers].append((rate, floor_rate, p50, p99))
            with engine.connect() as conn:
                checked = verify(conn)
        finally:
            engine.dispose()
            drop()
    backend = "SQLite (WAL)" if args.sqlite else "PostgreSQL"
    print(f"# bench/ledger_writes.py  {time.strftime('%Y-%m-%d %H:%M:%S %Z')}; {backend}; {os.cpu_count()} CPUs")
    print(f"# {rounds} round(s) x {seconds:g} s per writer count; medians over rounds")
    print(f"{'writers':>7}  {'decisions/s':>11}  {'floor tx/s':>10}  {'ratio':>5}  {'p50 ms':>6}  {'p99 ms':>6}")
    for writers in WRITERS:
        rows = results[writers]
        rate = statistics.median(r[0] for r in rows)
        floor_rate = statistics.median(r[1] for r in rows)
        ratio = statistics.median(r[0] / r[1] for r in rows if r[1])
        p50, p99 = statistics.median(r[2] for r in rows), statistics.median(r[3] for r in rows)
        print(f"{writers:>7}  {rate:>11.0f}  {floor_rate:>10.0f}  {ratio:>5.2f}  {p50:>6.1f}  {p99:>6.1f}")
    ok = checked.problem is None
    print(f"ledger verify: {checked.events} events, {'intact' if ok else checked.problem}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
