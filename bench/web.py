"""Preference-page GET and one-click POST per second under gunicorn, against a bare Flask app
and against the project's stack alone.

Run from the repository root (never part of the test suite; needs ``wrk``)::

    .venv/bin/python bench/web.py             # 5 rounds x 5 endpoints x (2 + 10) s, about 5 min
    .venv/bin/python bench/web.py --quick     # smoke run: 1 round x 3 s, about 30 s
    .venv/bin/python bench/web.py --rounds 3 --duration 20 --json bench/results/web.json

Three gunicorn servers run side by side (``-w 2 -k sync``, 127.0.0.1, free ports, access log
off): ``bench/hello_app.py`` (a bare Flask hello-world, the floor), ``bench/stack_app.py`` (the
stack floor: Flask, Flask-WTF CSRFProtect, Flask-Babel and SQLAlchemy 2 on its own throw-away
SQLite file, with a page GET and a one-click POST shaped like Optout's and nothing of Optout),
and Optout's own ``wsgi:app`` on a throw-away SQLite database in a temporary directory
(migrated with ``optout db upgrade``, one campaign added with ``optout campaign add``). Links
are minted in-process with ``optout.identity`` / ``optout.tokens`` / ``optout.links`` and the
same keys, and checked once against ``optout links``.

Load: ``wrk -t1 -c16 -d<duration>s --latency`` (``--connections`` changes 16) with a Lua script
that sends ``Host: optout.example.no`` to every server (Optout answers only the host of
``OPTOUT_BASE_URL``, as behind its TLS proxy) and rotates through paths:
``GET /p/<token>`` over 20,000 recipients for the page, and ``POST /u/<token>`` (body
``List-Unsubscribe=One-Click``) over recipients never posted for before in this run, so that
every POST records a real opt-out (the script checks the ledger grew by one event per POST).
The stack floor gets the same Lua script: ``GET /p/<id>`` over 20,000 seeded ids and ``POST
/u/<id>`` over ids never posted for before (one new row per POST, checked the same way); its ids
are 54 characters long, as Optout's tokens are. Every round runs hello, stack page, page, stack
post, post in that order, each after a short warm-up; ratios are medians of per-round ratios,
against hello ("x hello") and, for Optout, against the stack floor's endpoint of the same kind
("x stack"). Any non-2xx/3xx answer or socket error aborts the run: the numbers would be
measuring errors.

Goals (project issue): page >= 0.5x hello with p99 <= 25 ms; post >= 0.4x hello with p99 <= 30 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path

import stack_app  # bench/ is on sys.path when run as a script

from optout.identity import pseudonymous_id
from optout.links import preferences_path, unsubscribe_path
from optout.tokens import Purpose, TokenService

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
BIN = Path(sys.executable).parent  # the virtualenv's bin/ (gunicorn, optout)
HOST = "127.0.0.1"  # all traffic stays on loopback

# Fixed throw-away keys: >= 32 characters each, never used anywhere else.
SECRET_KEYS = "bench-old-signing-key-0123456789abcdefghij bench-new-signing-key-0123456789abcdefghij"
ID_KEY = "bench-id-key-0123456789abcdefghijklmnopqrst"
BASE_URL = "https://optout.example.no"
# Optout answers only its public host (Flask's TRUSTED_HOSTS, from OPTOUT_BASE_URL), as behind the
# TLS proxy; every request to every server sends it, so all five endpoints cost wrk the same.
PUBLIC_HOST = "optout.example.no"
CAMPAIGN = "bench"
ONE_CLICK_BODY = "List-Unsubscribe=One-Click"

GOALS = {  # endpoint: (minimum ratio to hello, maximum p99 in ms)
    "page": (0.5, 25.0),
    "post": (0.4, 30.0),
}
# Measured in this order in every round; each Optout endpoint right after its stack floor.
ENDPOINTS = ("hello", "stack-page", "page", "stack-post", "post")
STACK_OF = {"page": "stack-page", "post": "stack-post"}  # Optout endpoint: its stack floor
POSTS = ("stack-post", "post")

LUA = r"""
-- Rotate through the paths in a file (one per line), starting after an offset.
-- args: <paths file> <offset> <GET|POST>
local paths, n, i = {}, 0, 0
local method, headers, body = "GET", {Host = "@HOST@"}, nil

function init(args)
  for line in io.lines(args[1]) do
    n = n + 1
    paths[n] = line
  end
  i = tonumber(args[2]) % n
  method = args[3]
  if method == "POST" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    body = "@BODY@"
  end
end

function request()
  i = i + 1
  if i > n then i = 1 end
  return wrk.format(method, paths[i], headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%d duration_us=%d connect=%d read=%d write=%d status=%d timeout=%d " ..
    "p50_us=%d p90_us=%d p99_us=%d max_us=%d\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
""".replace("@BODY@", ONE_CLICK_BODY).replace("@HOST@", PUBLIC_HOST)


class BenchError(RuntimeError):
    """Something makes the figures meaningless; the message says what."""


@dataclass
class Run:
    round: int
    endpoint: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    others_cpu: float = 0.0  # CPUs busy with processes outside this benchmark during the run
    events_per_post: float | None = None


# --------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class Server:
    """One gunicorn master (and its workers) in its own process group; stopped by pid only."""

    def __init__(self, name: str, app: str, chdir: Path, env: dict[str, str], workdir: Path) -> None:
        self.name, self.port = name, free_port()
        self.log = workdir / f"gunicorn-{name}.log"
        cmd = [
            str(BIN / "gunicorn"), "-w", "2", "-k", "sync", "-b", f"{HOST}:{self.port}",
            "--log-level", "warning", "--chdir", str(chdir), app,
        ]  # fmt: skip
        # No --access-logfile: the access log stays off (gunicorn's default).
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                cmd, cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        self.url = f"http://{HOST}:{self.port}"

    def wait_ready(self, path: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"gunicorn ({self.name}) exited with {self.proc.returncode}:\n{self.tail()}")
            try:
                ready = urllib.request.Request(self.url + path, headers={"Host": PUBLIC_HOST})  # noqa: S310 (loopback)
                with urllib.request.urlopen(ready, timeout=2) as response:  # noqa: S310 (loopback)
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise BenchError(f"gunicorn ({self.name}) not ready after {timeout:.0f} s:\n{self.tail()}")

    def pids(self) -> list[int]:
        """The master and its workers."""
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        except OSError:
            children = []
        return [self.proc.pid, *map(int, children)]

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # the master stops its workers
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # our own session: any straggling worker
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)


@contextlib.contextmanager
def servers_stopped_at_exit() -> Iterator[list[Server]]:
    started: list[Server] = []

    def on_signal(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    old = signal.signal(signal.SIGTERM, on_signal)
    try:
        yield started
    finally:
        for server in started:
            server.stop()
        signal.signal(signal.SIGTERM, old)


# --------------------------------------------------------------------------- data


def optout_env(db_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPTOUT_", "GUNICORN_", "FLASK_"))}
    env.update(
        OPTOUT_DATABASE_URL=f"sqlite:///{db_path}",
        OPTOUT_SECRET_KEYS=SECRET_KEYS,
        OPTOUT_ID_KEY=ID_KEY,
        OPTOUT_BASE_URL=BASE_URL,
        PYTHONUNBUFFERED="1",
    )
    return env


def optout_cli(env: dict[str, str], workdir: Path, *args: str) -> str:
    result = subprocess.run(
        [str(BIN / "optout"), *args], cwd=workdir, env=env, capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise BenchError(f"optout {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result.stdout


def address(i: int) -> str:
    return f"bench.recipient{i}@example.no"


def prepare_database(env: dict[str, str], workdir: Path, db_path: Path) -> tuple[int, str]:
    """Migrate, add the campaign; return its id and language."""
    optout_cli(env, workdir, "db", "upgrade")
    optout_cli(env, workdir, "campaign", "add", CAMPAIGN, "--topic", "periodic")
    with contextlib.closing(sqlite3.connect(db_path)) as db:
        row = db.execute("SELECT id, lang FROM campaign WHERE slug = ?", (CAMPAIGN,)).fetchone()
    return int(row[0]), str(row[1])


def mint_paths(workdir: Path, campaign_id: int, lang: str, pages: int, posts: int) -> tuple[Path, Path]:
    """Write the page and one-click paths (one per line) for distinct recipients."""
    tokens = TokenService(tuple(k.encode() for k in SECRET_KEYS.split()))
    id_key = ID_KEY.encode()
    page_file, post_file = workdir / "page-paths.txt", workdir / "post-paths.txt"
    with page_file.open("w") as f:
        for i in range(pages):
            pid = pseudonymous_id(id_key, address(i))
            f.write(preferences_path(tokens.mint(Purpose.PREFERENCES, pid, campaign_id, lang)) + "\n")
    with post_file.open("w") as f:
        for i in range(posts):
            pid = pseudonymous_id(id_key, address(i))
            f.write(unsubscribe_path(tokens.mint(Purpose.UNSUBSCRIBE, pid, campaign_id, lang)) + "\n")
    return page_file, post_file


def check_against_cli(env: dict[str, str], workdir: Path, page_file: Path, post_file: Path) -> None:
    """The in-process links must be exactly what ``optout links`` prints for the same address."""
    links = json.loads(optout_cli(env, workdir, "links", "--campaign", CAMPAIGN, address(0)))
    with page_file.open() as f:
        page0 = f.readline().strip()
    with post_file.open() as f:
        post0 = f.readline().strip()
    if links["preferences_url"] != BASE_URL + page0 or links["unsubscribe_url"] != BASE_URL + post0:
        raise BenchError(f"minted links differ from `optout links`: {links} vs {page0}, {post0}")


def smoke_test(app_url: str, page_file: Path, campaign_id: int, lang: str) -> None:
    """One page and one one-click by hand, outside the measured token lists, before any load."""
    with page_file.open() as f:
        page = f.readline().strip()
    get = urllib.request.Request(app_url + page, headers={"Host": PUBLIC_HOST})  # noqa: S310 (loopback)
    with urllib.request.urlopen(get, timeout=10) as response:  # noqa: S310 (loopback)
        body = response.read().decode()
        if response.status != 200 or "<form" not in body:
            raise BenchError(f"GET {page} answered {response.status} without a form")
    tokens = TokenService(tuple(k.encode() for k in SECRET_KEYS.split()))
    pid = pseudonymous_id(ID_KEY.encode(), "bench.smoke@example.no")
    path = unsubscribe_path(tokens.mint(Purpose.UNSUBSCRIBE, pid, campaign_id, lang))
    request = urllib.request.Request(  # noqa: S310 (loopback)
        app_url + path, data=ONE_CLICK_BODY.encode(), method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Host": PUBLIC_HOST},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
        if response.status != 200:
            raise BenchError(f"POST {path} answered {response.status}")


def ledger_events(db_path: Path, table: str = "consent_event") -> int:
    with contextlib.closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)) as db:
        return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608 (our constant)


# --------------------------------------------------------------------------- the stack floor


def stack_env(db_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPTOUT_", "GUNICORN_", "FLASK_"))}
    env.update({stack_app.DATABASE_ENV: str(db_path), "PYTHONUNBUFFERED": "1"})
    return env


def prepare_stack(workdir: Path, db_path: Path, pages: int, posts: int) -> tuple[Path, Path]:
    """Seed the stack floor's database with *pages* ids; write its page and one-click paths."""
    stack_app.seed(str(db_path), (stack_app.recipient_id(i) for i in range(pages)))
    page_file, post_file = workdir / "stack-page-paths.txt", workdir / "stack-post-paths.txt"
    with page_file.open("w") as f:
        f.writelines(f"/p/{stack_app.recipient_id(i)}\n" for i in range(pages))
    with post_file.open("w") as f:
        f.writelines(f"/u/{stack_app.recipient_id(i)}\n" for i in range(posts))
    return page_file, post_file


def smoke_test_stack(url: str, page_file: Path) -> None:
    """The stack floor's page must answer 200 with a form and set a session cookie; its one-click 200."""
    with page_file.open() as f:
        page = f.readline().strip()
    with urllib.request.urlopen(url + page, timeout=10) as response:  # noqa: S310 (loopback)
        body = response.read().decode()
        cookie = response.headers.get("Set-Cookie", "")
        if response.status != 200 or "<form" not in body or 'name="csrf_token"' not in body:
            raise BenchError(f"stack GET {page} answered {response.status} without a CSRF form")
        if not cookie.startswith("session="):
            raise BenchError(f"stack GET {page} set no session cookie: {cookie!r}")
    request = urllib.request.Request(  # noqa: S310 (loopback)
        url + "/u/bench-smoke", data=ONE_CLICK_BODY.encode(), method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Host": PUBLIC_HOST},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
        if response.status != 200:
            raise BenchError(f"stack POST /u/bench-smoke answered {response.status}")


# --------------------------------------------------------------------------- load

_TICK = os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent busy (steal included: time we could not have)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / _TICK


def process_seconds(pids: Sequence[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime
    return total


class OthersMeter:
    """How many CPUs processes other than ours (servers, wrk, this script) kept busy meanwhile."""

    def __init__(self, servers: Sequence[Server]) -> None:
        self.pids = [pid for server in servers for pid in server.pids()]
        self.start = (time.monotonic(), machine_busy_seconds(), self._ours())

    def _ours(self) -> float:
        me = os.times()
        return process_seconds(self.pids) + me.user + me.system + me.children_user + me.children_system

    def cpus(self) -> float:
        wall, busy, ours = self.start
        return max(0.0, (machine_busy_seconds() - busy) - (self._ours() - ours)) / (time.monotonic() - wall)


_RESULT = re.compile(r"^BENCH_RESULT (.*)$", re.MULTILINE)


def wrk(url: str, script: Path, args: Sequence[str], duration: float, connections: int) -> dict[str, int]:
    cmd = [
        "wrk", "-t1", f"-c{connections}", f"-d{duration:g}s", "--latency", "--timeout", "5s",
        "-s", str(script), url, "--", *args,
    ]  # fmt: skip
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60, check=False)
    match = _RESULT.search(result.stdout)
    if result.returncode != 0 or match is None:
        raise BenchError(f"wrk failed ({result.returncode}): {' '.join(cmd)}\n{result.stdout}\n{result.stderr}")
    stats = {k: int(v) for k, v in (kv.split("=") for kv in match.group(1).split())}
    errors = {k: stats[k] for k in ("connect", "read", "write", "timeout") if stats[k]}
    if stats["status"] or errors:
        raise BenchError(
            f"{url}: {stats['status']} non-2xx/3xx responses, socket errors {errors or 'none'} in "
            f"{stats['requests']} requests: the benchmark would be measuring errors.\n{result.stdout}"
        )
    if stats["requests"] == 0:
        raise BenchError(f"{url}: no request completed.\n{result.stdout}")
    return stats


# --------------------------------------------------------------------------- report


def med_range(values: Sequence[float], fmt: str) -> str:
    return f"{format(statistics.median(values), fmt)} ({format(min(values), fmt)}..{format(max(values), fmt)})"


def per_round_ratio(runs: Sequence[Run], base: dict[int, Run]) -> float:
    """Median over rounds of (this run's req/s / the same round's *base* req/s)."""
    return statistics.median(r.rps / base[r.round].rps for r in runs)


def report(runs: list[Run]) -> bool:
    by = {name: [r for r in runs if r.endpoint == name] for name in ENDPOINTS}
    rounds = {name: {r.round: r for r in endpoint_runs} for name, endpoint_runs in by.items()}
    rows = []
    all_met = True
    x_hello: dict[str, float] = {}
    for name, endpoint_runs in by.items():
        ratio = x_hello[name] = per_round_ratio(endpoint_runs, rounds["hello"])
        p99 = statistics.median(r.p99_ms for r in endpoint_runs)
        x_stack = f"{per_round_ratio(endpoint_runs, rounds[STACK_OF[name]]):.2f}" if name in STACK_OF else ""
        if name in GOALS:
            min_ratio, max_p99 = GOALS[name]
            met_ratio, met_p99 = ratio >= min_ratio, p99 <= max_p99
            all_met &= met_ratio and met_p99
            goal = (
                f">={min_ratio}x: {'met' if met_ratio else 'MISSED'}; "
                f"p99<={max_p99:g} ms: {'met' if met_p99 else 'MISSED'}"
            )
        elif name == "hello":
            goal = "(floor)"
        else:
            goal = "(stack floor)"
            x_stack = "1.00"
        rows.append(
            (
                name,
                med_range([r.rps for r in endpoint_runs], ",.0f"),
                f"{statistics.median(r.p50_ms for r in endpoint_runs):.2f}",
                med_range([r.p99_ms for r in endpoint_runs], ".2f"),
                f"{ratio:.2f}",
                x_stack,
                goal,
            )
        )
    header = (
        "endpoint", "req/s median (min..max)", "p50 ms", "p99 ms median (min..max)", "x hello", "x stack", "goal",
    )  # fmt: skip
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    print(line.format(*header).rstrip())
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line.format(*row).rstrip())
    print(f"\nx hello: median of per-round (endpoint req/s / hello req/s); goals "
          f"{'met' if all_met else 'MISSED'}")  # fmt: skip
    print("x stack: median of per-round (Optout req/s / the stack floor's req/s for the same kind of request)")
    for name, stack in STACK_OF.items():
        min_ratio = GOALS[name][0]
        verdict = "meets" if x_hello[stack] >= min_ratio else "misses"
        print(f"stack floor alone: {stack} is {x_hello[stack]:.2f}x hello, so the stack alone {verdict} "
              f"the {name} goal (>={min_ratio}x)")  # fmt: skip
    others = statistics.median(r.others_cpu for r in runs)
    if others > 0.15:
        print(f"warning: other processes kept {others:.2f} CPU busy (median) during the measurements, "
              f"{max(r.others_cpu for r in runs):.2f} at worst: these figures are noisier than usual")  # fmt: skip
    return all_met


def git_revision() -> str:
    """The commit measured, with "+changes" when tracked files outside bench/ differ from it."""
    try:
        git = ["git", "-C", str(REPO)]
        head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10,
                              check=True).stdout.strip()  # fmt: skip
        dirty = subprocess.run([*git, "status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench"],
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + ("+changes" if dirty else "")


def environment_line(connections: int) -> str:
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False).stdout.split()[:2]
    return (
        f"# {time.strftime('%Y-%m-%d %H:%M:%S %Z')}; optout {git_revision()}; "
        f"{len(os.sched_getaffinity(0))} CPUs usable "
        f"({platform.machine()}); Python {platform.python_version()}; gunicorn {version('gunicorn')} "
        f"-w 2 -k sync; Flask {version('flask')}; SQLAlchemy {version('sqlalchemy')}; "
        f"SQLite {sqlite3.sqlite_version}; {' '.join(wrk_version)} -t1 -c{connections}"
    )


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--duration", type=float, default=10, help="seconds per measurement (default 10)")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of warm-up before each (default 2)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--recipients", type=int, default=20_000, help="page recipients (default 20000)")
    parser.add_argument(
        "--post-tokens", type=int, default=0,
        help="distinct one-click tokens, and as many stack-floor ids (default: enough for 4,000 POST/s over the run)",
    )  # fmt: skip
    parser.add_argument(
        "--max-others", type=float, default=0.25,
        help="repeat a round in which other processes kept more CPUs than this busy (default 0.25)",
    )  # fmt: skip
    parser.add_argument("--retries", type=int, default=3, help="rounds repeated at most (default 3)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 round of 3 s after 1 s warm-up")
    parser.add_argument("--json", type=Path, help="also write every measurement to this file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (database, logs)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a goal is missed")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.duration, args.warmup, args.retries = 1, 3.0, 1.0, 0
    if args.rounds < 1 or args.duration <= 0 or args.warmup < 0 or args.connections < 1 or args.retries < 0:
        parser.error("--rounds, --duration and --connections must be positive, --warmup and --retries not negative")
    if shutil.which("wrk") is None:
        print("bench/web.py: wrk is not installed; install it (Debian/Ubuntu: apt-get install -y wrk) "
              "and run again.", file=sys.stderr)  # fmt: skip
        return 2
    post_tokens = args.post_tokens or max(
        20_000, int((args.rounds + args.retries) * (args.duration + args.warmup) * 4_000) + args.connections
    )

    env_line = environment_line(args.connections)  # what was measured: the tree may change meanwhile
    print(env_line, flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="optout-bench-"))
    runs: list[Run] = []
    try:
        with servers_stopped_at_exit() as servers:
            db_path = workdir / "bench.sqlite3"
            env = optout_env(db_path)
            campaign_id, lang = prepare_database(env, workdir, db_path)
            started = time.perf_counter()
            page_file, post_file = mint_paths(workdir, campaign_id, lang, args.recipients, post_tokens)
            check_against_cli(env, workdir, page_file, post_file)
            print(f"# minted {args.recipients:,} page and {post_tokens:,} one-click links in "
                  f"{time.perf_counter() - started:.1f} s; database {db_path}", flush=True)  # fmt: skip
            stack_db = workdir / "stack.sqlite3"
            stack_page_file, stack_post_file = prepare_stack(workdir, stack_db, args.recipients, post_tokens)
            print(f"# stack floor: {args.recipients:,} rows seeded, {post_tokens:,} one-click ids; "
                  f"database {stack_db}", flush=True)  # fmt: skip
            hello_file = workdir / "hello-paths.txt"
            hello_file.write_text("/\n")
            script = workdir / "rotate.lua"
            script.write_text(LUA)

            hello = Server("hello", "hello_app:app", BENCH_DIR, optout_env(db_path), workdir)
            servers.append(hello)
            stack = Server("stack", "stack_app:create_app()", BENCH_DIR, stack_env(stack_db), workdir)
            servers.append(stack)
            app = Server("optout", "wsgi:app", REPO, env, workdir)
            servers.append(app)
            hello.wait_ready("/")
            stack.wait_ready("/p/" + stack_app.recipient_id(args.recipients - 1))
            app.wait_ready("/healthz")
            smoke_test(app.url, page_file, campaign_id, lang)
            smoke_test_stack(stack.url, stack_page_file)

            post_offsets = dict.fromkeys(POSTS, 0)
            targets = {
                "hello": (hello, hello_file),
                "stack-page": (stack, stack_page_file),
                "page": (app, page_file),
                "stack-post": (stack, stack_post_file),
                "post": (app, post_file),
            }
            ledgers = {"post": (db_path, "consent_event"), "stack-post": (stack_db, "optout")}

            def load(endpoint: str, seconds: float) -> dict[str, int]:
                server, paths = targets[endpoint]
                method = "POST" if endpoint in POSTS else "GET"
                offset = post_offsets.get(endpoint, 0)
                stats = wrk(server.url, script, [str(paths), str(offset), method], seconds, args.connections)
                if endpoint in POSTS:
                    # Requests in flight when wrk stops were sent but not counted: skip past them.
                    post_offsets[endpoint] += stats["requests"] + args.connections
                    if post_offsets[endpoint] > post_tokens:
                        raise BenchError(f"ran out of fresh one-click tokens ({post_tokens:,}); use --post-tokens")
                return stats

            rnd, retries_left = 1, args.retries
            while rnd <= args.rounds:
                round_runs = []
                for endpoint in ENDPOINTS:
                    if args.warmup:
                        load(endpoint, args.warmup)
                    before = ledger_events(*ledgers[endpoint]) if endpoint in POSTS else 0
                    meter = OthersMeter(servers)
                    stats = load(endpoint, args.duration)
                    others = meter.cpus()
                    seconds = stats["duration_us"] / 1e6
                    run = Run(
                        round=rnd, endpoint=endpoint, requests=stats["requests"], seconds=seconds,
                        rps=stats["requests"] / seconds, p50_ms=stats["p50_us"] / 1000,
                        p90_ms=stats["p90_us"] / 1000, p99_ms=stats["p99_us"] / 1000,
                        max_ms=stats["max_us"] / 1000, others_cpu=others,
                    )  # fmt: skip
                    if endpoint in POSTS:
                        written = ledger_events(*ledgers[endpoint]) - before
                        run.events_per_post = written / stats["requests"]
                        if run.events_per_post < 0.99:
                            raise BenchError(f"only {written} ledger events for {stats['requests']} POSTs: "
                                             "the one-clicks did not all record an opt-out")  # fmt: skip
                    round_runs.append(run)
                    extra = f", {run.events_per_post:.3f} events/POST" if run.events_per_post else ""
                    print(f"# round {rnd}/{args.rounds} {endpoint:<10} {run.rps:8,.0f} req/s  "
                          f"p50 {run.p50_ms:6.2f} ms  p99 {run.p99_ms:6.2f} ms  max {run.max_ms:7.2f} ms "
                          f"({run.requests:,} requests{extra}; other processes {others:.2f} CPU)",
                          flush=True)  # fmt: skip
                noisy = max(r.others_cpu for r in round_runs)
                if noisy > args.max_others and retries_left > 0:
                    retries_left -= 1
                    print(f"# round {rnd} discarded: other processes used {noisy:.2f} CPU "
                          f"(> --max-others {args.max_others:g}); repeating it "
                          f"({retries_left} repeats left)", flush=True)  # fmt: skip
                    continue
                runs.extend(round_runs)
                rnd += 1
            for server in servers:
                if server.proc.poll() is not None:
                    raise BenchError(f"gunicorn ({server.name}) died during the run:\n{server.tail()}")
    except BenchError as exc:
        print(f"bench/web.py: {exc}", file=sys.stderr)
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    print()
    all_met = report(runs)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"env": env_line, "runs": [asdict(r) for r in runs]}, indent=1))
    if args.keep:
        print(f"# kept {workdir} (database, gunicorn logs, paths, Lua script)")
    return 1 if args.check and not all_met else 0


if __name__ == "__main__":
    sys.exit(main())
