"""Restart PostgreSQL under a burst of one-click POSTs to gunicorn, and check what the issue asks:
no 500 (only 200, or 503 during the outage), recovery without touching the app, every POST
answered 200 in the ledger, and ``optout ledger verify`` passing.

Run from the repository root (not part of the test suite: it restarts a server)::

    .venv/bin/python bench/pg_restart.py                     # its own cluster, about 30 s
    .venv/bin/python bench/pg_restart.py --mode immediate    # a crash-like stop: WAL recovery
    .venv/bin/python bench/pg_restart.py --database-url postgresql://postgres@db:5432/postgres \\
        --restart-command 'systemctl restart postgresql'      # a server of yours

By default it makes a throw-away cluster of its own (``initdb`` as the ``postgres`` user into a
temporary folder, a free port on 127.0.0.1) and restarts it with ``pg_ctl restart -m MODE``, so a
shared server (the one the tests use) is never restarted. With ``--database-url`` it creates a
database of its own on that server and runs ``--restart-command``; it drops the database after.
gunicorn runs ``wsgi:app`` with ``-w 2 -k sync -c gunicorn.conf.py`` on that database. Each client
thread posts one-clicks for recipients never posted for before, over new connections, until the
end; the JSON summary says how many answers of each status came, when the outage began and
ended, and how long after the restart the first 200 came. Exit 0 when every check held, 1 if not.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import http.client
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from optout.db import make_engine
from optout.identity import pseudonymous_id
from optout.links import unsubscribe_path
from optout.tokens import Purpose, TokenService

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"  # all traffic stays on loopback
SECRET_KEYS = "bench-old-signing-key-0123456789abcdefghij bench-new-signing-key-0123456789abcdefghij"
ID_KEY = "bench-id-key-0123456789abcdefghijklmnopqrst"
BASE_URL = "https://optout.example.no"
ONE_CLICK = "List-Unsubscribe=One-Click"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL's tools refuse to run as root: run them as the postgres user then."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def pg_bin(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))), None)
    if not found:
        raise SystemExit(f"pg_restart: {name} not found (apt-get install postgresql)")
    return found


class OwnCluster:
    """A throw-away PostgreSQL cluster in a temporary folder, on a free loopback port."""

    def __init__(self, mode: str) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="optout-pg-"))
        self.data, self.port, self.mode = self.dir / "data", free_port(), mode
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run([pg_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync"])
        self._run([*self._ctl(), "start"])
        self.admin_url = f"postgresql+psycopg://postgres@{HOST}:{self.port}/postgres"

    def _ctl(self) -> list[str]:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses={HOST}"
        return [pg_bin("pg_ctl"), "-D", str(self.data), "-w", "-l", str(self.dir / "server.log"), "-o", options]

    def _run(self, command: list[str]) -> None:
        subprocess.run(as_postgres(command), check=True, capture_output=True, timeout=120)

    def restart(self) -> None:
        self._run([*self._ctl(), "-m", self.mode, "restart"])

    def close(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError):
            self._run([*self._ctl(), "-m", "fast", "stop"])
        shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def database(args: argparse.Namespace) -> Iterator[tuple[str, object]]:
    """(URL of a new empty database, a callable that restarts its server)."""
    cluster = OwnCluster(args.mode) if args.database_url is None else None
    admin_url = cluster.admin_url if cluster else args.database_url
    name = f"optout_restart_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)

    def restart() -> None:
        if cluster is not None:
            cluster.restart()
        else:
            subprocess.run(shlex.split(args.restart_command), check=True, timeout=300)

    try:
        yield url, restart
    finally:
        if cluster is not None:
            cluster.close()
        else:
            admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def optout_env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPTOUT_", "GUNICORN_", "PROMETHEUS_"))}
    env.update(OPTOUT_DATABASE_URL=url, OPTOUT_SECRET_KEYS=SECRET_KEYS, OPTOUT_ID_KEY=ID_KEY, OPTOUT_BASE_URL=BASE_URL)
    return env


def optout(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "optout"), *args], env=env, capture_output=True, text=True, timeout=300)


def post(port: int, path: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    headers = {"Host": "optout.example.no", "Content-Type": "application/x-www-form-urlencoded"}
    try:
        connection.request("POST", path, body=ONE_CLICK, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    except OSError as exc:  # refused or reset by gunicorn itself: no HTTP answer at all
        return 0, type(exc).__name__
    finally:
        connection.close()


def run(args: argparse.Namespace) -> dict[str, object]:
    with database(args) as (url, restart):
        env = optout_env(url)
        for command in (("db", "upgrade"), ("campaign", "add", "restart", "--topic", "periodic")):
            done = optout(env, *command)
            if done.returncode:
                raise SystemExit(f"optout {' '.join(command)} failed:\n{done.stderr}")
        engine = make_engine(url)  # pre-ping: its pooled connection dies in the restart too
        with engine.connect() as conn:
            campaign_id, lang = conn.execute(text("SELECT id, lang FROM campaign WHERE slug = 'restart'")).one()
        port = free_port()
        gunicorn = [str(BIN / "gunicorn"), "-c", str(REPO / "gunicorn.conf.py"), "-w", "2", "-k", "sync"]
        gunicorn += ["-b", f"{HOST}:{port}", "--log-level", "warning", "--chdir", str(REPO), "wsgi:app"]
        with tempfile.TemporaryFile() as log:
            server = subprocess.Popen(gunicorn, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            try:
                return burst(args, port, restart, campaign_id, lang, engine, env, log)
            finally:
                stop_server(server)
                engine.dispose()


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """Stop gunicorn's master (it stops its workers), then anything left in its session."""
    server.send_signal(signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        server.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(server.pid, signal.SIGKILL)


def burst(args, port, restart, campaign_id, lang, engine, env, log) -> dict[str, object]:
    tokens = TokenService(tuple(k.encode() for k in SECRET_KEYS.split()))
    for _attempt in range(100):
        with contextlib.suppress(OSError):
            socket.create_connection((HOST, port), timeout=0.2).close()
            break
        time.sleep(0.1)
    answers: list[tuple[float, int, int, bool]] = []  # (time, recipient, status, trace in body)
    lock, stop = threading.Lock(), threading.Event()
    start = time.monotonic()

    def client(worker: int) -> None:
        n = worker
        while not stop.is_set():
            pid = pseudonymous_id(ID_KEY.encode(), f"r{n}@example.no")
            status, body = post(port, unsubscribe_path(tokens.mint(Purpose.UNSUBSCRIBE, pid, campaign_id, lang)))
            with lock:
                answers.append((time.monotonic() - start, n, status, "Traceback" in body))
            n += args.clients

    threads = [threading.Thread(target=client, args=(worker,)) for worker in range(args.clients)]
    for thread in threads:
        thread.start()
    time.sleep(args.restart_at)
    restart_began = time.monotonic() - start
    restart()
    restart_ended = time.monotonic() - start
    time.sleep(max(0.0, args.duration - restart_ended))
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    ok = {n for _t, n, status, _trace in answers if status == 200}
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT pid FROM consent_event")).scalars().all()
    recorded = set(rows)
    id_key = ID_KEY.encode()
    missing = [n for n in ok if pseudonymous_id(id_key, f"r{n}@example.no").hex() not in recorded]
    verify = optout(env, "ledger", "verify")
    statuses: dict[str, int] = {}
    for _t, _n, status, _trace in answers:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    unavailable = [t for t, _n, status, _trace in answers if status == 503]
    after = [t for t, _n, status, _trace in answers if status == 200 and t > restart_ended]
    log.seek(0)
    summary = {
        "mode": args.mode if args.database_url is None else "restart-command",
        "clients": args.clients,
        "requests": len(answers),
        "statuses": statuses,
        "traces_in_bodies": sum(trace for *_rest, trace in answers),
        "restart_seconds": [round(restart_began, 2), round(restart_ended, 2)],
        "first_and_last_503": [round(unavailable[0], 2), round(unavailable[-1], 2)] if unavailable else None,
        "first_200_after_restart_s": round(after[0] - restart_ended, 3) if after else None,
        "answered_200": len(ok),
        "events": len(rows),
        "answered_200_not_in_ledger": len(missing),
        "ledger_verify_exit": verify.returncode,
        "tracebacks_logged": log.read().decode("utf-8", "replace").count("Traceback"),
    }
    summary["ok"] = (
        set(statuses) <= {"200", "503"}
        and not summary["traces_in_bodies"]
        and bool(after)
        and not missing
        and verify.returncode == 0
    )
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="an admin URL of a server of yours (default: an own cluster)")
    parser.add_argument("--restart-command", help="restarts that server (with --database-url)")
    parser.add_argument("--mode", choices=("fast", "immediate"), default="fast", help="pg_ctl's stop mode")
    parser.add_argument("--clients", type=int, default=8, help="client threads (default 8)")
    parser.add_argument("--duration", type=float, default=12.0, help="seconds of load in all (default 12)")
    parser.add_argument("--restart-at", type=float, default=4.0, help="seconds of load before the restart")
    parser.add_argument("--json", type=Path, help="also write the summary there")
    args = parser.parse_args(argv)
    if (args.database_url is None) != (args.restart_command is None):
        parser.error("--database-url and --restart-command go together")
    summary = run(args)
    text_out = json.dumps(summary, indent=2)
    print(text_out)
    if args.json:
        args.json.write_text(text_out + "\n")
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
