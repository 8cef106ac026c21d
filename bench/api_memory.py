"""Peak memory of a gunicorn worker for the worst bodies the filter API accepts (and two it refuses).

Run from the repository root (never part of the test suite)::

    .venv/bin/python bench/api_memory.py                 # every body, CSV at its 200 MiB limit: a few minutes
    .venv/bin/python bench/api_memory.py --csv-mib 20    # the many-rows CSV body smaller: about a minute

One gunicorn worker (``-w 1 -k sync``) serves Optout's ``wsgi:app`` on a throw-away SQLite
database (``optout db upgrade``, a campaign, an API key with the ``filter`` scope). Before each
body the worker's peak is reset (``5`` written to ``/proc/PID/clear_refs``) and its resident size
read (``VmRSS``); after the answer its peak (``VmHWM``) is read. The growth, peak minus before, is
what the body cost; it is printed as a multiple of the body limit of its media type.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from optout.api import FILTER_CSV_MAX_BYTES, FILTER_JSON_MAX_BYTES, FILTER_JSON_MAX_RECIPIENTS, MIB, RECORD_MAX_BYTES

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
PUBLIC_HOST = "optout.example.no"
URL = "/api/v1/campaigns/bench/filter"
EMOJI = "😀".encode()  # four bytes, outside the Basic Multilingual Plane
Body = Callable[[], Iterator[bytes]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def run(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([str(BIN / "optout"), *args], env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"optout {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def worker_pid(master: int) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise SystemExit("gunicorn started no worker")


def status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise SystemExit(f"no {field} for {pid}")


def post(port: int, key: str, content_type: str, size: int, body: Iterator[bytes]) -> tuple[int, str]:
    """Send a body of *size* bytes; the status and the start of the answer (or why there is none)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=900)
    headers = {
        "Host": PUBLIC_HOST,
        "Authorization": f"Bearer {key}",
        "Content-Type": content_type,
        "Content-Length": str(size),
    }
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # refused midway: the answer may be there
        connection.request("POST", URL, body=body, headers=headers)
    try:
        response = connection.getresponse()
        text = response.read(300).decode(errors="replace")
        response.read()
        return response.status, text
    except (ConnectionError, http.client.HTTPException) as exc:
        return 0, f"no answer ({type(exc).__name__})"
    finally:
        connection.close()


def sized(parts: Callable[[], Iterator[bytes]]) -> tuple[int, Body]:
    return sum(map(len, parts())), parts


# ----------------------------------------------------------------------------------- the bodies


def json_tiny_records() -> Iterator[bytes]:
    """The most recipients allowed, each padded so that the body just fits the limit."""
    count = FILTER_JSON_MAX_RECIPIENTS
    room = (FILTER_JSON_MAX_BYTES - 64) // count
    yield b'{"recipients":['
    for i in range(count):
        record = b'{"email":"p%d@example.no","p":"' % i
        yield record + b"x" * max(0, room - len(record) - 3) + (b'"},' if i < count - 1 else b'"}')
    yield b"]}"


def _records_of(make: Callable[[int], bytes]) -> Iterator[bytes]:
    count = FILTER_JSON_MAX_BYTES // RECORD_MAX_BYTES - 1  # room for the punctuation
    yield b'{"recipients":['
    for i in range(count):
        yield make(i) + (b"," if i < count - 1 else b"")
    yield b"]}"


def json_long_strings() -> Iterator[bytes]:
    """Recipients of one long non-BMP string each, every one just under the recipient limit."""

    def record(i: int) -> bytes:
        head = b'{"email":"p%d@example.no","note":"' % i
        return head + EMOJI * ((RECORD_MAX_BYTES - len(head) - 2) // 4) + b'"}'

    return _records_of(record)


def json_many_keys() -> Iterator[bytes]:
    """Recipients with as many distinct keys as fit under the recipient limit."""

    def record(i: int) -> bytes:
        head = b'{"email":"p%d@example.no"' % i
        fields, size, n = [head], len(head) + 1, 0
        while True:
            field = b',"k%d_%d":0' % (i, n)
            if size + len(field) > RECORD_MAX_BYTES:
                break
            fields.append(field)
            size, n = size + len(field), n + 1
        return b"".join(fields) + b"}"

    return _records_of(record)


def json_nested() -> Iterator[bytes]:
    """The audit's body: one recipient holding millions of empty objects (refused)."""
    count = (FILTER_JSON_MAX_BYTES - 64) // 3
    yield b'{"recipients":[{"email":"a@example.no","x":['
    yield b"{}," * (count - 1) + b"{}"
    yield b"]}]}"


def csv_long_record() -> Iterator[bytes]:
    """One record just under the record limit, of non-BMP characters."""
    head = b"email,note\n"
    row = b"p@example.no,"
    yield head + row + EMOJI * ((RECORD_MAX_BYTES - len(row) - 1) // 4) + b"\n"


def csv_huge_line() -> Iterator[bytes]:
    """The audit's body: a 190 MiB line holding one emoji (refused at its first MiB)."""
    yield b"email,note\np@example.no," + EMOJI
    block = b"x" * MIB
    yield from [block] * 190
    yield b"\n"


def csv_tiny_records(mib: int) -> Callable[[], Iterator[bytes]]:
    """As many one-field records as fit in *mib* MiB."""

    def parts() -> Iterator[bytes]:
        yield b"email\n"
        budget, i = mib * MIB - 16, 0
        while budget > 0:
            rows = b"".join(b"p%d@example.no\n" % n for n in range(i, i + 10_000))
            if len(rows) > budget:
                rows = rows[: rows.rfind(b"\n", 0, budget) + 1]
            yield rows
            budget -= len(rows) or budget
            i += 10_000

    return parts


# ----------------------------------------------------------------------------------- the run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv-mib", type=int, default=FILTER_CSV_MAX_BYTES // MIB, help="size of the many-rows CSV")
    args = parser.parse_args()
    bodies: list[tuple[str, str, int, Body]] = [
        ("JSON, 100,000 tiny recipients at the limit", "application/json", FILTER_JSON_MAX_BYTES, json_tiny_records),
        ("JSON, long non-BMP strings (1 MiB recipients)", "application/json", FILTER_JSON_MAX_BYTES, json_long_strings),
        ("JSON, many keys (1 MiB recipients)", "application/json", FILTER_JSON_MAX_BYTES, json_many_keys),
        ("JSON, millions of nested objects (refused)", "application/json", FILTER_JSON_MAX_BYTES, json_nested),
        ("CSV, one record just under 1 MiB of non-BMP", "text/csv", FILTER_CSV_MAX_BYTES, csv_long_record),
        ("CSV, a 190 MiB line with an emoji (refused)", "text/csv", FILTER_CSV_MAX_BYTES, csv_huge_line),
        (f"CSV, tiny records, {args.csv_mib} MiB", "text/csv", FILTER_CSV_MAX_BYTES, csv_tiny_records(args.csv_mib)),
    ]
    with tempfile.TemporaryDirectory(prefix="optout-memory-") as scratch:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPTOUT_", "GUNICORN_", "FLASK_"))}
        env.update(
            OPTOUT_DATABASE_URL=f"sqlite:///{scratch}/bench.sqlite3",
            OPTOUT_SECRET_KEYS="bench-signing-key-0123456789-abcdefghijklm",  # noqa: S106 - a throw-away key
            OPTOUT_ID_KEY="bench-id-key-0123456789-abcdefghijklmnopqr",
            OPTOUT_BASE_URL=f"https://{PUBLIC_HOST}",
        )
        run(env, "db", "upgrade")
        run(env, "campaign", "add", "bench", "--topic", "periodic")
        key = run(env, "api-key", "create", "bench", "--scope", "filter").strip()
        port = free_port()
        command = [str(BIN / "gunicorn"), "-w", "1", "-k", "sync", "-b", f"{HOST}:{port}", "--timeout", "900"]
        server = subprocess.Popen(  # its own session: stopped by its pid at the end
            [*command, "--log-level", "warning", "--chdir", str(ROOT), "wsgi:app"],
            env=env,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            worker = worker_pid(server.pid)
            time.sleep(1)
            warm_up = b"email\na@example.no\n"
            post(port, key, "text/csv", len(warm_up), iter([warm_up]))  # imports, first query
            print(
                f"gunicorn -w 1 -k sync, worker {worker}; JSON limit {FILTER_JSON_MAX_BYTES // MIB} MiB, "
                f"CSV limit {FILTER_CSV_MAX_BYTES // MIB} MiB, recipient and record limit {RECORD_MAX_BYTES // MIB} MiB"
            )
            print(f"{'body':48} {'size':>9} {'status':>6} {'before':>8} {'peak':>8} {'growth':>8} {'x limit':>8}")
            for name, content_type, limit, parts in bodies:
                size, parts = sized(parts)
                Path(f"/proc/{worker}/clear_refs").write_text("5")  # the peak starts again from now
                before = status_kib(worker, "VmRSS")
                started = time.monotonic()
                status, _answer = post(port, key, content_type, size, parts())
                seconds = time.monotonic() - started
                peak = status_kib(worker, "VmHWM")
                growth = (peak - before) / 1024
                print(
                    f"{name:48} {size / MIB:7.1f}Mi {status:>6} {before / 1024:6.0f}Mi {peak / 1024:6.0f}Mi "
                    f"{growth:6.1f}Mi {growth * MIB / limit:7.2f}x  ({seconds:.1f} s)"
                )
        finally:
            server.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.wait(timeout=20)
            if server.poll() is None:
                server.kill()


if __name__ == "__main__":
    main()
