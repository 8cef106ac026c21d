"""SQLite writers queue for the one write lock on a file lock (optout.db.QueuedWriter): a writer
waits while another's write transaction is open and goes on as soon as it commits or rolls
back, instead of sleeping in SQLite's own retries; readers never queue."""

from __future__ import annotations

import fcntl
import os
import threading
import time

import pytest
from sqlalchemy import Engine, text

from optout.db import make_engine

pytestmark = pytest.mark.dialect_independent("a SQLite file's writers; PostgreSQL queues on its own row locks")


@pytest.fixture
def engines(tmp_path):
    path = tmp_path / "queue.sqlite3"
    made = [make_engine(f"sqlite:///{path}") for _ in range(2)]  # two workers' engines on one file
    with made[0].begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
    yield made, path
    for engine in made:
        engine.dispose()


def _queue_is_taken(path) -> bool:
    fd = os.open(f"{path}-writer", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops a lock taken here
    return False


def _write_in_thread(engine: Engine, n: int, done: dict[int, float]) -> threading.Thread:
    def write() -> None:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
        done[n] = time.monotonic()

    thread = threading.Thread(target=write)
    thread.start()
    return thread


@pytest.mark.parametrize("end", ["commit", "rollback"])
def test_a_writer_waits_for_the_open_write_and_goes_on_when_it_ends(engines, end):
    (first, second), path = engines
    done: dict[int, float] = {}
    with first.connect() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
        assert _queue_is_taken(path)
        waiting = _write_in_thread(second, 2, done)
        time.sleep(0.2)
        assert done == {}  # still queued behind the open transaction
        with second.connect() as reader:  # readers never queue
            assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 0
        ended = time.monotonic()
        getattr(connection, end)()
    waiting.join(timeout=10)
    assert done[2] - ended < 1.0  # woken at once: not after SQLite's retries, let alone its timeout
    assert not _queue_is_taken(path)  # both left the queue when their transactions ended
    with first.connect() as connection:
        rows = sorted(n for (n,) in connection.execute(text("SELECT n FROM t")))
    assert rows == ([1, 2] if end == "commit" else [2])


def test_many_writers_of_two_engines_all_write_once(engines):
    (first, second), _path = engines
    done: dict[int, float] = {}
    threads = [_write_in_thread(first if n % 2 else second, n, done) for n in range(40)]
    for thread in threads:
        thread.join(timeout=30)
    with first.connect() as connection:
        assert sorted(n for (n,) in connection.execute(text("SELECT n FROM t"))) == list(range(40))
