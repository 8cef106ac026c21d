"""``optout filter`` end to end (links included) against a plain ``csv`` copy of the same file.

Run from the repository root (never part of the test suite)::

    .venv/bin/python bench/filter.py                          # 1,000,000 rows, 200,000 opt-outs, 3 rounds
    .venv/bin/python bench/filter.py --quick                  # smoke run: 100,000 rows, 20,000 opt-outs, 1 round
    .venv/bin/python bench/filter.py --opt-outs 10000000 --rounds 1   # the 10M-opt-out start-up/memory run
    .venv/bin/python bench/filter.py --postgres               # the same against a throw-away PostgreSQL database
    .venv/bin/python bench/filter.py --profile                # cProfile of filter_csv, in-process, per row
    .venv/bin/python bench/filter.py --phone [--quick]        # a call list (bench/filter_phones.py)

The list (``email,first_name,city``) is generated with a fixed seed: 10 % of the addresses are
capitalised or upper-cased, 2 % have surrounding whitespace, 3 % have non-ASCII local parts, 0.1 %
of the rows are invalid addresses and 0.2 % repeat an earlier address. A throw-away database is
built with the real commands (``optout db upgrade``, ``optout campaign add bench --topic
periodic``), then M opt-outs are bulk-inserted straight into ``choice``: 5 % of the list's distinct
addresses (HMAC pids, as Optout computes them) and the rest random pids of addresses not on the list,
scoped ``topic:periodic`` (80 %), ``everything`` (10 %) or ``channel:email`` (10 %).

Each round runs, in rotating order, three child processes:

- **copy**: ``python -c`` csv.reader → csv.writer row by row, the same input to an output file (the floor);
- **filter**: ``optout filter --campaign bench --output OUT INPUT`` (the real CLI, links included);
- **start-up**: ``optout filter`` on a one-row list against the same database: what a user waits
  for before rows flow, which grows with the number of recorded opt-outs if the design loads them.

Wall time is ``time.perf_counter`` around the child. CPU time and peak RSS come from GNU time
(``/usr/bin/time``: the child and any children it reaped; ``apt-get install time`` if missing); a
sampler also sums the RSS of the child's whole process tree every 50 ms, so a multi-process filter
is charged for all its workers at once. The start-up variant runs ``--startup-runs`` times a
round. Each ratio is the median of per-round ratios (filter / copy of the same round). Every filter
round is checked: the kept rows are exactly the expected addresses, no opted-out address is in the
output, the summary counts match and a sample of links verifies with Optout's own token reader.

Goals (project issue): filter ≤ 3x the copy; with 10,000,000 opt-outs, start-up < 5 s and peak memory
< 1 GiB.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import csv
import datetime as dt
import hashlib
import hmac
import json
import os
import platform
import random
import re
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

GOAL_RATIO = 3.0  # filter wall time / copy wall time, median of per-round ratios
GOAL_STARTUP_S = 5.0  # at 10M opt-outs
GOAL_PEAK_MIB = 1024.0  # at 10M opt-outs
GOAL_AT_OPT_OUTS = 10_000_000

# Fixed throw-away keys (>= 32 characters, like OPTOUT_SECRET_KEYS / OPTOUT_ID_KEY).
SECRET_KEYS = "bench-filter-signing-key-0123456789abcdefghij"
ID_KEY = "bench-filter-id-key-0123456789abcdefghijklmnop"
BASE_URL = "https://optout.example.no"
CAMPAIGN = "bench"
TOPIC = "periodic"
CHANGED_AT = "2026-01-15 12:00:00.000000"
LINK_COLUMNS = ("unsubscribe_url", "preferences_url", "list_unsubscribe", "list_unsubscribe_post")
LIST_UNSUBSCRIBE_POST = "List-Unsubscribe=One-Click"

SEED = 42
INVALID_SHARE = 0.001
DUPLICATE_SHARE = 0.002
NON_ASCII_SHARE = 0.03
GENERATOR = 2  # part of the data file names: bump when the generated data changes
OPTED_OUT_SHARE = 0.05  # of the list's distinct valid addresses
SCOPES = (("topic:periodic", 0.8), ("everything", 0.1), ("channel:email", 0.1))
REASON_OF_SCOPE = {
    "topic:periodic": "opted-out-topic",
    "everything": "opted-out-everything",
    "channel:email": "opted-out-channel",
}
SAMPLE_EVERY = 0.05  # seconds between RSS samples of the child's process tree
TOKEN_CHECK_EVERY = 997  # verify the links of every n-th kept row with Optout's reader


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRSTS = _words(
    "ola kari per anne lars ingrid nils marte jon sigrid erik ida magnus nora emil sofie henrik maja jakob emma "
    "ahmed fatima wei mei"
)
LASTS = _words(
    "hansen johansen olsen larsen andersen pedersen nilsen kristiansen jensen karlsen johnsen pettersen eriksen "
    "berg haugen hagen dahl lie martin nguyen khan"
)
# Non-ASCII local parts (NON_ASCII_SHARE of the addresses). They stay round-trip safe under
# upper()/lower(): no ß, no dotless i.
FIRSTS_NON_ASCII = _words("jürgen lucía chloé oğuz søren åse zoë josé björn ærlig")
LASTS_NON_ASCII = _words("müller hernández øvergård sæther strøm ås")
DOMAINS = _words(
    "example.com example.org example.net example.no post.example.no mail.example.com epost.example.no "
    "student.example.edu"
)
CITIES = (
    "Oslo",
    "Bergen",
    "Trondheim",
    "Stavanger",
    "Tromsø",
    "Ålesund",
    "Bærum",
    "Kristiansand",
    "Drammen",
    "Bodø",
    "Lillehammer",
    "Oslo, Grünerløkka",
    'Bergen "sentrum"',
)

COPY_SCRIPT = """\
import csv, sys
with open(sys.argv[1], newline="", encoding="utf-8") as src, \\
        open(sys.argv[2], "w", newline="", encoding="utf-8") as dst:
    writer = csv.writer(dst)
    for row in csv.reader(src):
        writer.writerow(row)
"""


# --------------------------------------------------------------------------------------- data


@dataclass
class ListData:
    """The generated list and what filtering it must give."""

    path: Path
    rows: int
    invalid: int
    duplicates: int
    unique: list[str]  # normalized distinct valid addresses, in list order
    opted: dict[str, str]  # normalized list address -> the scope it opted out of
    keep_sample: str  # one address that is kept (for the one-row start-up list)

    @property
    def expected_kept(self) -> int:
        return len(self.unique) - len(self.opted)

    def expected_dropped(self) -> dict[str, int]:
        dropped = Counter(REASON_OF_SCOPE[scope] for scope in self.opted.values())
        dropped["invalid-address"] = self.invalid
        dropped["duplicate"] = self.duplicates
        return {reason: count for reason, count in dropped.items() if count}


def _pid_hex(address: str) -> str:
    return hmac.new(ID_KEY.encode(), address.encode(), hashlib.sha256).digest()[:16].hex()


def _scope(rng: random.Random) -> str:
    r = rng.random()
    for scope, share in SCOPES:
        if r < share:
            return scope
        r -= share
    return SCOPES[-1][0]


def _invalid(rng: random.Random, i: int) -> str:
    patterns = (
        f"user{i}.example.com",  # no @
        f"user{i}@localhost",  # no dot in the domain
        f"user {i}@example.com",  # space inside
        f"<user{i}@example.com>",
        f"user{i}@example.com;other{i}@example.com",
        "@example.com",
        "",
        f"user{i}@example.",
    )
    return rng.choice(patterns)


def _address(rng: random.Random, i: int) -> tuple[str, str]:
    if rng.random() < NON_ASCII_SHARE:
        first, last = rng.choice(FIRSTS_NON_ASCII), rng.choice(LASTS + LASTS_NON_ASCII)
    else:
        first, last = rng.choice(FIRSTS), rng.choice(LASTS)
    domain = rng.choice(DOMAINS)
    r = rng.random()
    if r < 0.6:
        local = f"{first}.{last}{i}"
    elif r < 0.8:
        local = f"{first}{i}"
    elif r < 0.9:
        local = f"{first[0]}{last}{i}"
    else:
        local = f"{first}.{last}+news{i}"
    return f"{local}@{domain}", first


def _vary(rng: random.Random, address: str) -> str:
    r = rng.random()
    if r < 0.05:
        address = address.upper()
    elif r < 0.10:
        local, _at, domain = address.partition("@")
        address = ".".join(p.capitalize() for p in local.split(".")) + "@" + domain.capitalize()
    if rng.random() < 0.02:
        address = rng.choice((" {} ", "{}  ", "\t{}", "  {}\t")).format(address)
    return address


def generate_list(path: Path, rows: int, seed: int, *, write: bool) -> ListData:
    """Generate the list (deterministic for *seed*); write it to *path* when *write*."""
    from optout.identity import AddressInvalid, normalize

    rng = random.Random(seed)
    unique: list[str] = []
    invalid = duplicates = 0
    out: list[tuple[str, str, str]] = []
    for i in range(rows):
        r = rng.random()
        if r < INVALID_SHARE:
            email = _invalid(rng, i)
            with contextlib.suppress(AddressInvalid):
                normalize(email)
                raise AssertionError(f"generator bug: {email!r} is a valid address")
            invalid += 1
            first = rng.choice(FIRSTS + FIRSTS_NON_ASCII)
        elif r < INVALID_SHARE + DUPLICATE_SHARE and unique:
            base = unique[rng.randrange(len(unique))]
            email, first = _vary(rng, base), rng.choice(FIRSTS + FIRSTS_NON_ASCII)
            duplicates += 1
        else:
            base, first = _address(rng, i)
            email = _vary(rng, base)
            unique.append(base)
        if r >= INVALID_SHARE and email.strip().lower() != base:
            raise AssertionError(f"generator bug: {email!r} does not normalize to {base!r}")
        out.append((email, first.capitalize(), rng.choice(CITIES)))
    chosen = rng.sample(range(len(unique)), round(len(unique) * OPTED_OUT_SHARE))
    opted = {unique[k]: _scope(rng) for k in chosen}
    keep_sample = next(a for a in unique if a not in opted)
    if write:
        partial = path.with_suffix(".partial")
        with partial.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(("email", "first_name", "city"))
            writer.writerows(out)
        partial.replace(path)
    return ListData(path, rows, invalid, duplicates, unique, opted, keep_sample)


def opt_out_rows(data: ListData, total: int, seed: int) -> Iterator[tuple[str, str, str, str]]:
    """The M ``choice`` rows: the list's opted-out addresses, then random pids (ascending, so the
    primary-key index is appended to rather than split at random) of addresses not on the list."""
    if total < len(data.opted):
        raise SystemExit(f"--opt-outs {total} is fewer than the {len(data.opted)} list addresses that opt out")
    for address, scope in data.opted.items():
        yield _pid_hex(address), scope, "opt-out", CHANGED_AT
    rng = random.Random(seed + 1)
    synthetic = total - len(data.opted)
    if not synthetic:
        return
    step = (1 << 128) // synthetic
    bits = step.bit_length() - 1  # jitter < step: unique and ascending
    getrandbits, rand = rng.getrandbits, rng.random
    (first, first_share), (second, second_share), (third, _third_share) = SCOPES  # _scope(), inlined for 10M rows
    for j in range(synthetic):
        r = rand()
        scope = first if r < first_share else second if r < first_share + second_share else third
        yield f"{j * step + getrandbits(bits):032x}", scope, "opt-out", CHANGED_AT


# --------------------------------------------------------------------------------------- runs


@dataclass
class Run:
    """One measured child process."""

    wall: float
    cpu: float
    peak_mib: float  # max(GNU time's %M, sampled VmHWM, sampled RSS sum of the process tree)
    first_output: float | None  # seconds until the output file first grew, if watched
    returncode: int
    stderr: str
    others_cpu: float = 0.0  # CPU seconds the rest of the machine used meanwhile (noise)

    def __str__(self) -> str:
        return (
            f"{self.wall:7.3f} s  cpu {self.cpu:6.2f} s  peak {self.peak_mib:5.0f} MiB  "
            f"other processes {self.others_cpu / self.wall:4.2f} cores"
        )


def _tree(pid: int) -> list[int]:
    pids, i = [pid], 0
    while i < len(pids):
        try:
            for task in os.listdir(f"/proc/{pids[i]}/task"):
                with open(f"/proc/{pids[i]}/task/{task}/children") as handle:
                    pids.extend(int(c) for c in handle.read().split())
        except OSError:
            pass
        i += 1
    return pids


def _memory(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of *pid* in bytes; zeros once it is gone."""
    rss = hwm = 0
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) * 1024
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return rss, hwm


TIME = shutil.which("time", path="/usr/bin:/bin")  # GNU time: the child's own ru_maxrss


def _busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot (/proc/stat)."""
    with open("/proc/stat") as handle:
        fields = [int(v) for v in handle.readline().split()[1:8]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")  # minus idle and iowait


def run_measured(cmd: Sequence[str], env: dict[str, str], workdir: Path, watch: Path | None = None) -> Run:
    """Run *cmd*, returning its wall time, CPU time, peak memory and (if *watch*) first-output time.

    The child runs under GNU time when installed, because ``os.wait4`` here would report the
    benchmark's own (large) image: Linux carries a forked child's pre-``exec`` peak into its
    ``ru_maxrss``. Without GNU time, peak memory comes from the sampler only (VmHWM, RSS sums).
    """
    err_path, usage_path = workdir / "child.stderr", workdir / "child.usage"
    wrapper = [TIME, "-q", "-o", str(usage_path), "-f", "%M %U %S"] if TIME else []
    done = threading.Event()
    peak_tree = peak_hwm = 0
    first: list[float] = []
    with err_path.open("w+") as err:
        busy = _busy_seconds()
        start = time.perf_counter()
        proc = subprocess.Popen([*wrapper, *cmd], env=env, stdout=subprocess.DEVNULL, stderr=err)

        def sample() -> None:
            nonlocal peak_tree, peak_hwm
            while not done.wait(SAMPLE_EVERY):
                pids = _tree(proc.pid)[1 if wrapper else 0 :]
                memory = [_memory(p) for p in pids]
                peak_tree = max(peak_tree, sum(rss for rss, _ in memory))
                peak_hwm = max(peak_hwm, *(hwm for _, hwm in memory), 0)
                if watch is not None and not first:
                    with contextlib.suppress(OSError):
                        if watch.stat().st_size > 0:
                            first.append(time.perf_counter() - start)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        busy = _busy_seconds() - busy
        proc.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        sampler.join()
        err.seek(0)
        stderr = err.read()
    cpu, maxrss = usage.ru_utime + usage.ru_stime, 0
    if wrapper:
        with contextlib.suppress(OSError, ValueError):
            kib, user, system = usage_path.read_text().split()[-3:]
            maxrss, cpu = int(kib) * 1024, float(user) + float(system)
    return Run(
        wall=wall,
        cpu=cpu,
        peak_mib=max(maxrss, peak_tree, peak_hwm) / 2**20,
        first_output=first[0] if first else None,
        returncode=proc.returncode,
        stderr=stderr,
        others_cpu=max(0.0, busy - cpu),
    )


# --------------------------------------------------------------------------------------- setup


def bench_env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPTOUT_", "FLASK_"))}
    env.update(
        OPTOUT_DATABASE_URL=database_url,
        OPTOUT_SECRET_KEYS=SECRET_KEYS,
        OPTOUT_ID_KEY=ID_KEY,
        OPTOUT_BASE_URL=BASE_URL,
    )
    return env


def optout_command() -> str:
    beside = Path(sys.executable).with_name("optout")
    found = str(beside) if beside.exists() else shutil.which("optout")
    if not found:
        raise SystemExit("the optout command is not installed (pip install -e . in the virtualenv)")
    return found


def prepare_schema(env: dict[str, str]) -> None:
    optout = optout_command()
    for args in (["db", "upgrade"], ["campaign", "add", CAMPAIGN, "--topic", TOPIC]):
        done = subprocess.run([optout, *args], env=env, capture_output=True, text=True, check=False)
        if done.returncode:
            raise SystemExit(f"optout {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


def load_sqlite(path: Path, rows: Iterator[tuple[str, str, str, str]]) -> None:
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode=MEMORY")  # throw-away database: no WAL for the bulk load
        con.execute("PRAGMA synchronous=OFF")
        con.execute("PRAGMA cache_size=-262144")
        con.execute("BEGIN")
        con.executemany("INSERT INTO choice (pid, scope, status, changed_at) VALUES (?, ?, ?, ?)", rows)
        con.execute("COMMIT")
        con.execute("PRAGMA journal_mode=WAL")  # as the application runs it
    finally:
        con.close()


def load_postgres(url: str, rows: Iterator[tuple[str, str, str, str]]) -> None:
    import psycopg

    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy("COPY choice (pid, scope, status, changed_at) FROM STDIN") as copy:
            chunk: list[str] = []
            for row in rows:
                chunk.append("\t".join(row))
                if len(chunk) >= 50_000:
                    copy.write("\n".join(chunk) + "\n")
                    chunk.clear()
            if chunk:
                copy.write("\n".join(chunk) + "\n")
        cur.execute("ANALYZE choice")


def campaign_id(env: dict[str, str]) -> int:
    from optout import create_app
    from optout.catalog import service as catalog
    from optout.web.session import get_session

    saved = dict(os.environ)
    os.environ.update({k: v for k, v in env.items() if k.startswith("OPTOUT_")})
    try:
        app = create_app()
        with app.app_context():
            return catalog.campaign_by_slug(get_session(), CAMPAIGN).id
    finally:
        os.environ.clear()
        os.environ.update(saved)


# --------------------------------------------------------------------------------------- checks


_SUMMARY = re.compile(r"rows read: (\d+), kept: (\d+)")
_DROPPED = re.compile(r"^\s+dropped, ([\w-]+): (\d+)$", re.MULTILINE)


def check_filter_output(out: Path, stderr: str, data: ListData, cid: int) -> list[str]:
    """Every problem found with one filter run's output (empty when it is right)."""
    from optout.tokens import Purpose, TokenInvalid, TokenService

    problems: list[str] = []
    summary = _SUMMARY.search(stderr)
    if not summary:
        return [f"no summary on standard error: {stderr[-500:]!r}"]
    if (int(summary[1]), int(summary[2])) != (data.rows, data.expected_kept):
        problems.append(
            f"summary says read {summary[1]}, kept {summary[2]}; expected {data.rows}, {data.expected_kept}"
        )
    dropped = {reason: int(count) for reason, count in _DROPPED.findall(stderr)}
    if dropped != data.expected_dropped():
        problems.append(f"dropped {dropped}, expected {data.expected_dropped()}")
    tokens = TokenService([SECRET_KEYS.encode()])
    kept: set[str] = set()
    leaked = bad_links = rows = 0
    with out.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        if header != ["email", "first_name", "city", *LINK_COLUMNS]:
            problems.append(f"header {header}")
            return problems
        for rows, row in enumerate(reader, 1):
            address = row[0].strip().lower()
            if address in data.opted:
                leaked += 1
            kept.add(address)
            unsubscribe, preferences, header_value, post = row[3:7]
            if (
                not unsubscribe.startswith(BASE_URL + "/u/")
                or not preferences.startswith(BASE_URL + "/p/")
                or header_value != f"<{unsubscribe}>"
                or post != LIST_UNSUBSCRIBE_POST
            ):
                bad_links += 1
            elif rows % TOKEN_CHECK_EVERY == 0:
                try:
                    claims = [
                        tokens.read(Purpose.UNSUBSCRIBE, unsubscribe.rsplit("/", 1)[1]),
                        tokens.read(Purpose.PREFERENCES, preferences.rsplit("/", 1)[1]),
                    ]
                except TokenInvalid:
                    bad_links += 1
                else:
                    want = bytes.fromhex(_pid_hex(address))
                    if any((c.pid_bytes, c.campaign_id, c.lang) != (want, cid, "nb") for c in claims):
                        bad_links += 1
    if leaked:
        problems.append(f"{leaked} opted-out addresses in the output")
    if rows != data.expected_kept or len(kept) != rows:
        problems.append(f"{rows} rows kept ({len(kept)} distinct), expected {data.expected_kept}")
    if kept != set(data.unique) - data.opted.keys():
        problems.append("the kept addresses are not exactly the expected ones")
    if bad_links:
        problems.append(f"{bad_links} rows with wrong links")
    return problems


def count_rows(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.reader(handle))


# --------------------------------------------------------------------------------------- report


def git_revision() -> str:
    """HEAD, plus a digest of any uncommitted change to the optout package (what was measured)."""
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True)
        diff = subprocess.run(["git", "diff", "HEAD", "--", "optout"], capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    if not diff.stdout:
        return rev.stdout.strip()
    return f"{rev.stdout.strip()} + uncommitted optout/ changes {hashlib.sha256(diff.stdout).hexdigest()[:8]}"


def spread(values: Sequence[float], fmt: str = "{:.3f}") -> str:
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}..{fmt.format(max(values))})"


def verdict(ok: bool) -> str:
    return "MET" if ok else "MISSED"


@dataclass
class Results:
    copy: list[Run] = field(default_factory=list)
    filter: list[Run] = field(default_factory=list)
    startup: list[Run] = field(default_factory=list)

    def ratios(self) -> list[float]:
        return [f.wall / c.wall for f, c in zip(self.filter, self.copy, strict=True)]


def report(args: argparse.Namespace, data: ListData, res: Results, setup: dict[str, float], backend: str) -> bool:
    """Print the table and the verdicts; return True when every goal that applies is met."""
    rows = data.rows
    print()
    print(
        f"optout filter vs csv copy: {rows:,} rows, {args.opt_outs:,} recorded opt-outs ({backend}), "
        f"{len(res.filter)} interleaved round(s)"
    )
    print(
        f"{dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )
    print(
        f"list {data.path.stat().st_size / 2**20:.1f} MiB; expected kept {data.expected_kept:,}, "
        f"dropped {data.expected_dropped()}"
    )
    revision = git_revision()
    note = "" if revision == args.revision else f" (CHANGED during the run: was {args.revision} at the start)"
    print(f"code measured: git {revision}{note}")
    print("setup (not timed against the goals): " + ", ".join(f"{k} {v:.1f} s" for k, v in setup.items()))
    print()
    head = (
        f"{'variant':<30} {'median s (min..max)':>28} {'rows/s':>10} {'x copy':>7} {'cores':>6} "
        f"{'peak RSS MiB':>13} {'others':>7}"
    )
    print(head)
    print("-" * len(head))

    def line(name: str, runs: list[Run], n: int | None, ratio: float | None) -> None:
        walls = [r.wall for r in runs]
        rate = f"{n / statistics.median(walls):,.0f}" if n else ""
        cores = statistics.median(r.cpu / r.wall for r in runs)
        peak = max(r.peak_mib for r in runs)
        others = statistics.median(r.others_cpu / r.wall for r in runs)
        print(
            f"{name:<30} {spread(walls):>28} {rate:>10} {'' if ratio is None else f'{ratio:.2f}':>7} "
            f"{cores:>6.2f} {peak:>13.0f} {others:>7.2f}"
        )

    ratio = statistics.median(res.ratios())
    line("copy (csv read+write, floor)", res.copy, rows, 1.0)
    line("optout filter (links)", res.filter, rows, ratio)
    line(f"start-up: 1-row list (n={len(res.startup)})", res.startup, None, None)
    firsts = [r.first_output for r in res.filter if r.first_output is not None]
    if firsts:
        print(f"{'  first output bytes, full list':<30} {spread(firsts):>28}")
    print()
    print("cores: the child's CPU time / wall time; others: cores used by other processes meanwhile (noise)")
    print(f"per-round filter/copy ratios: {', '.join(f'{r:.2f}' for r in res.ratios())}")
    startup = statistics.median(r.wall for r in res.startup)
    peak = max(r.peak_mib for r in [*res.filter, *res.startup])
    at_scale = args.opt_outs >= GOAL_AT_OPT_OUTS
    scale_note = "" if at_scale else f" (goal set for {GOAL_AT_OPT_OUTS:,} opt-outs; informational here)"
    ok_ratio = ratio <= GOAL_RATIO
    ok_startup = startup < GOAL_STARTUP_S
    ok_peak = peak < GOAL_PEAK_MIB
    print(f"goal filter <= {GOAL_RATIO:.0f}x copy:        {ratio:.2f}x  {verdict(ok_ratio)}")
    print(f"goal start-up < {GOAL_STARTUP_S:.0f} s:           {startup:.2f} s  {verdict(ok_startup)}{scale_note}")
    print(f"goal peak memory < 1 GiB:      {peak:.0f} MiB  {verdict(ok_peak)}{scale_note}")
    return ok_ratio and (not at_scale or (ok_startup and ok_peak))


# --------------------------------------------------------------------------------------- profile


def first_rows(path: Path, workdir: Path, n: int) -> Path:
    """A copy of *path* with its header and first *n* rows, for an in-process profile."""
    head = workdir / f"profile-{n}.csv"
    with path.open(encoding="utf-8", newline="") as src, head.open("w", encoding="utf-8", newline="") as dst:
        for i, line in enumerate(src):
            if i > n:
                break
            dst.write(line)
    return head


def profile(env: dict[str, str], data: ListData, workdir: Path, n: int) -> None:
    """cProfile ``filter_csv`` in-process on the first *n* rows; print the top costs per input row."""
    import cProfile
    import io
    import pstats

    head = first_rows(data.path, workdir, n)
    os.environ.update({k: v for k, v in env.items() if k.startswith("OPTOUT_")})
    from optout import create_app
    from optout.cli.common import campaign_info, session
    from optout.lists.filter import LinkMaker, filter_csv
    from optout.web.extensions import get_settings, get_tokens

    app = create_app()
    with app.app_context():
        db = session()
        campaign = campaign_info(CAMPAIGN)
        settings = get_settings()
        links = LinkMaker(get_tokens(), settings.base_url, settings.id_key)

        def once(prof: cProfile.Profile | None) -> float:
            with head.open(encoding="utf-8", newline="") as src, open(os.devnull, "w") as sink:
                start = time.perf_counter()
                if prof:
                    prof.enable()
                filter_csv(db.connection(), campaign, src, sink, links)
                if prof:
                    prof.disable()
                return time.perf_counter() - start

        once(None)  # warm the caches and the database pages
        plain = min(once(None) for _ in range(3))
        prof = cProfile.Profile()
        profiled = once(prof)
        db.rollback()
    print(
        f"\nfilter_csv in-process, {n:,} rows: {plain / n * 1e6:.2f} µs/row without profiler "
        f"({n / plain:,.0f} rows/s), {profiled / n * 1e6:.2f} µs/row under cProfile"
    )
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    rows: list[tuple[float, float, int, str]] = []
    for (file, lineno, name), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        where = f"{Path(file).name}:{lineno}({name})" if file != "~" else name
        rows.append((tottime, cumtime, calls, where))
    rows.sort(reverse=True)
    print(f"\n{'own µs/row':>10} {'cum µs/row':>10} {'calls/row':>9}  function (top 30 by own time, under cProfile)")
    for tottime, cumtime, calls, where in rows[:30]:
        print(f"{tottime / n * 1e6:>10.2f} {cumtime / n * 1e6:>10.2f} {calls / n:>9.2f}  {where}")


# --------------------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="list rows (default 1,000,000)")
    parser.add_argument("--opt-outs", type=int, default=200_000, help="recorded opt-outs (default 200,000)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 100,000 rows, 20,000 opt-outs, 1 round")
    parser.add_argument("--startup-runs", type=int, default=3, help="one-row filter runs per round (default 3)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--keep-data", metavar="DIR", help="keep (and reuse) the list and SQLite database in DIR")
    parser.add_argument("--postgres", action="store_true", help="throw-away database on 127.0.0.1:5432 instead")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432", help="server for --postgres")
    parser.add_argument("--json", metavar="PATH", help="also write every measurement as JSON")
    parser.add_argument("--check", action="store_true", help="exit 1 when a goal is missed")
    parser.add_argument("--profile", action="store_true", help="instead of the benchmark: cProfile filter_csv")
    parser.add_argument("--profile-rows", type=int, default=100_000)
    parser.add_argument(
        "--phone", action="store_true", help="a call list for a phone campaign (bench/filter_phones.py)"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.opt_outs, args.rounds = 100_000, 20_000, 1
    if args.phone:
        if args.postgres:
            raise SystemExit("--phone runs on SQLite only")
        import filter_phones

        return filter_phones.main(args)
    args.revision = git_revision()

    workdir = Path(args.keep_data or tempfile.mkdtemp(prefix="optout-bench-filter-"))
    workdir.mkdir(parents=True, exist_ok=True)
    pg_name = None
    try:
        setup: dict[str, float] = {}
        start = time.perf_counter()
        list_path = workdir / f"list-g{GENERATOR}-{args.rows}-s{args.seed}.csv"
        data = generate_list(list_path, args.rows, args.seed, write=not list_path.exists())
        setup["list"] = time.perf_counter() - start

        start = time.perf_counter()
        if args.postgres:
            import psycopg

            pg_name = f"optout_bench_{secrets.token_hex(4)}"
            with psycopg.connect(f"{args.pg_url}/postgres", autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{pg_name}"')
            url = f"{args.pg_url}/{pg_name}"
            env = bench_env(url)
            prepare_schema(env)
            load_postgres(url, opt_out_rows(data, args.opt_outs, args.seed))
            backend = "PostgreSQL"
        else:
            db_path = workdir / f"optout-g{GENERATOR}-{args.rows}-s{args.seed}-{args.opt_outs}.sqlite3"
            marker = db_path.with_suffix(".done")
            env = bench_env(f"sqlite:///{db_path}")
            if not marker.exists():
                for stale in workdir.glob(db_path.name + "*"):
                    stale.unlink()
                prepare_schema(env)
                load_sqlite(db_path, opt_out_rows(data, args.opt_outs, args.seed))
                marker.write_text("loaded\n")
            backend = f"SQLite, {db_path.stat().st_size / 2**20:,.0f} MiB"
        setup["database"] = time.perf_counter() - start
        # Bytecode, as any installed copy has after its first run. (Where PYTHONDONTWRITEBYTECODE is
        # set, as on our CI machines, every run would otherwise compile Optout's modules afresh.)
        compileall.compile_dir(str(Path(__file__).resolve().parent.parent / "optout"), quiet=1)
        print(f"setup: {', '.join(f'{k} {v:.1f} s' for k, v in setup.items())} in {workdir}", flush=True)

        if args.profile:
            profile(env, data, workdir, min(args.profile_rows, args.rows))
            return 0

        cid = campaign_id(env)
        one_row = workdir / "one-row.csv"
        one_row.write_text(f"email,first_name,city\n{data.keep_sample},Ola,Oslo\n", encoding="utf-8")
        optout = optout_command()
        out = workdir / "out.csv"
        partial = workdir / f".{out.name}.partial"
        startup_out = workdir / "one-row-out.csv"
        res = Results()
        problems: list[str] = []

        def copy() -> None:
            out.unlink(missing_ok=True)
            run = run_measured([sys.executable, "-c", COPY_SCRIPT, str(data.path), str(out)], env, workdir, out)
            if run.returncode or count_rows(out) != data.rows + 1:
                problems.append(f"copy failed ({run.returncode}): {run.stderr[-500:]}")
            res.copy.append(run)
            print(f"  copy      {run}", flush=True)

        def filter_list() -> None:
            out.unlink(missing_ok=True)
            cmd = [optout, "filter", "--campaign", CAMPAIGN, "--output", str(out), str(data.path)]
            run = run_measured(cmd, env, workdir, partial)
            found = (
                [f"exit status {run.returncode}: {run.stderr[-500:]}"]
                if run.returncode
                else check_filter_output(out, run.stderr, data, cid)
            )
            problems.extend(f"filter round {len(res.filter) + 1}: {p}" for p in found)
            res.filter.append(run)
            print(
                f"  filter    {run}  {'OK' if not found else 'WRONG: ' + '; '.join(found)}",
                flush=True,
            )

        def startup() -> None:
            for __ in range(args.startup_runs):
                startup_out.unlink(missing_ok=True)
                cmd = [optout, "filter", "--campaign", CAMPAIGN, "--output", str(startup_out), str(one_row)]
                run = run_measured(cmd, env, workdir)
                if run.returncode or count_rows(startup_out) != 2:
                    problems.append(f"start-up run failed ({run.returncode}): {run.stderr[-500:]}")
                res.startup.append(run)
                print(f"  start-up  {run}", flush=True)

        variants = [copy, filter_list, startup]
        for n in range(args.rounds):
            print(f"round {n + 1}/{args.rounds}", flush=True)
            for variant in variants[n % 3 :] + variants[: n % 3]:
                variant()
        ok = report(args, data, res, setup, backend)
        if args.json:
            Path(args.json).write_text(
                json.dumps(
                    {
                        "rows": args.rows,
                        "opt_outs": args.opt_outs,
                        "backend": backend,
                        "setup": setup,
                        "expected_kept": data.expected_kept,
                        **{
                            name: [{k: v for k, v in vars(r).items() if k != "stderr"} for r in runs]
                            for name, runs in vars(res).items()
                        },
                        "problems": problems,
                    },
                    indent=2,
                )
                + "\n"
            )
        if problems:
            print("\nCORRECTNESS PROBLEMS:\n  " + "\n  ".join(problems))
            return 1
        print("correctness: every filter round kept exactly the expected rows, with valid links")
        return 1 if args.check and not ok else 0
    finally:
        if pg_name:
            import psycopg

            with psycopg.connect(f"{args.pg_url}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        if not args.keep_data:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            for scratch in ("out.csv", "one-row-out.csv", "child.stderr"):
                (workdir / scratch).unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
