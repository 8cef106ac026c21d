"""``optout filter`` on a call list (a phone campaign) against a plain ``csv`` copy of the same file.

The phone variant of ``bench/filter.py``, which runs it with ``--phone`` (and which it borrows its
measuring, loading and reporting helpers from)::

    .venv/bin/python bench/filter.py --phone                  # 1,000,000 rows, 3 rounds
    .venv/bin/python bench/filter.py --phone --quick          # smoke run: 100,000 rows, 1 round
    .venv/bin/python bench/filter.py --phone --profile        # cProfile of filter_calls_csv, per row

The list (``phone,first_name,city``) is generated with a fixed seed: distinct Norwegian mobile
mobile numbers (8 digits, 40-41, 46-48 or 90-99 first), written as ``98260580`` (40 %), ``+47 982 60 580`` (20 %),
``+4798260580`` (20 %), ``0047 98 26 05 80`` (10 %) or ``(+47) 98 26 05 80`` (10 %); 0.1 % of
the rows are numbers that cannot exist and 0.2 % repeat an earlier number in another spelling.
The campaign is on the seeded ``phone`` topic (basis: consent), so a number is kept only with a
standing opt-in: 90 % of the list's distinct numbers get an opt-in (``topic:phone``), 5 % of
them an opt-out too (``channel:phone``), the other 10 % nothing (``no-consent``); random pids
of numbers not on the list make up the rest of ``--opt-outs`` choices. Every round's output is
checked: exactly the expected numbers, in E.164, and the summary's counts.

phonenumbers (libphonenumber's port) costs about 67 µs a number on a 2-core machine where the
e-mail path costs about 1 µs a row: the workers spread it over the cores, and repeated spellings
are parsed once a run (:func:`optout.lists.calls.number_reader`); the report says whether the e-mail goal holds.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import filter as email_bench  # bench/filter.py: the measuring, loading and reporting helpers

CAMPAIGN = "bench-calls"
TOPIC = "phone"
GENERATOR = 1
OPTED_IN_SHARE = 0.9
OPTED_OUT_SHARE = 0.05  # of the opted-in
SPELLINGS = ((0.4, "{n}"), (0.2, "+47 {a} {b} {c}"), (0.2, "+47{n}"), (0.1, "0047 {d}"), (0.1, "(+47) {d}"))
MOBILE = ("40", "41", "46", "47", "48", "90", "91", "92", "93", "94", "95", "96", "97", "98", "99")
INVALID = ("12345", "+47 123", "0047 12 34", "+999 1234 5678", "not a number", "")


@dataclass
class CallList:
    """The generated call list and what filtering it must give."""

    path: Path
    rows: int
    invalid: int
    duplicates: int
    unique: list[str]  # E.164 numbers, in list order
    opted_in: set[str]
    opted_out: set[str]

    @property
    def kept(self) -> set[str]:
        return self.opted_in - self.opted_out

    def expected_dropped(self) -> dict[str, int]:
        dropped = Counter(
            {
                "invalid-number": self.invalid,
                "duplicate": self.duplicates,
                "opted-out-channel": len(self.opted_out),
                "no-consent": len(self.unique) - len(self.opted_in),
            }
        )
        return {reason: count for reason, count in dropped.items() if count}


def _spell(rng: random.Random, national: str) -> str:
    r, at = rng.random(), 0
    while at < len(SPELLINGS) - 1 and r >= SPELLINGS[at][0]:
        r -= SPELLINGS[at][0]
        at += 1
    pattern = SPELLINGS[at][1]
    a, b, c = national[:3], national[3:5], national[5:]
    d = " ".join(national[i : i + 2] for i in range(0, 8, 2))
    return pattern.format(n=national, a=a, b=b, c=c, d=d)


def generate(path: Path, rows: int, seed: int, *, write: bool) -> CallList:
    """Generate the call list (deterministic for *seed*); write it to *path* when *write*."""
    from optout.phones import normalize

    rng = random.Random(seed)
    draws = rng.sample(range(len(MOBILE) * 1_000_000), rows)
    unique: list[str] = []
    out: list[tuple[str, str, str]] = []
    invalid = duplicates = 0
    for i, draw in enumerate(draws):
        r = rng.random()
        if r < email_bench.INVALID_SHARE:
            number = rng.choice(INVALID)
            invalid += 1
        elif r < email_bench.INVALID_SHARE + email_bench.DUPLICATE_SHARE and unique:
            number = _spell(rng, unique[rng.randrange(len(unique))][3:])
            duplicates += 1
        else:
            national = f"{MOBILE[draw // 1_000_000]}{draw % 1_000_000:06d}"
            number = _spell(rng, national)
            unique.append("+47" + national)
            if i < 2000 and normalize(number) != unique[-1]:
                raise AssertionError(f"generator bug: {number!r} is not {unique[-1]}")
        out.append((number, rng.choice(email_bench.FIRSTS).capitalize(), rng.choice(email_bench.CITIES)))
    opted_in = set(rng.sample(unique, round(len(unique) * OPTED_IN_SHARE)))
    opted_out = set(rng.sample(sorted(opted_in), round(len(opted_in) * OPTED_OUT_SHARE)))
    if write:
        partial = path.with_suffix(".partial")
        with partial.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(("phone", "first_name", "city"))
            writer.writerows(out)
        partial.replace(path)
    return CallList(path, rows, invalid, duplicates, unique, opted_in, opted_out)


def choice_rows(data: CallList, total: int, seed: int) -> Iterator[tuple[str, str, str, str]]:
    """The ``choice`` rows: the list's opt-ins and opt-outs, then random pids not on the list."""
    from optout.identity import pid_of_normal
    from optout.phones import NAMESPACE

    key = email_bench.ID_KEY.encode()
    made = 0
    for number in data.opted_in:
        pid = pid_of_normal(key, NAMESPACE + number).hex()
        yield pid, "topic:phone", "opt-in", email_bench.CHANGED_AT
        made += 1
        if number in data.opted_out:
            yield pid, "channel:phone", "opt-out", email_bench.CHANGED_AT
            made += 1
    rng = random.Random(seed + 1)
    synthetic = max(0, total - made)
    if synthetic:
        step = (1 << 128) // synthetic
        bits = step.bit_length() - 1
        for j in range(synthetic):
            yield f"{j * step + rng.getrandbits(bits):032x}", "channel:phone", "opt-out", email_bench.CHANGED_AT


def check(out: Path, stderr: str, data: CallList) -> list[str]:
    """Every problem with one filter run's output (empty when it is right)."""
    problems: list[str] = []
    summary = email_bench._SUMMARY.search(stderr)
    if not summary:
        return [f"no summary on standard error: {stderr[-500:]!r}"]
    if (int(summary[1]), int(summary[2])) != (data.rows, len(data.kept)):
        problems.append(f"summary: read {summary[1]}, kept {summary[2]}; expected {data.rows}, {len(data.kept)}")
    dropped = {reason: int(count) for reason, count in email_bench._DROPPED.findall(stderr)}
    if dropped != data.expected_dropped():
        problems.append(f"dropped {dropped}, expected {data.expected_dropped()}")
    with out.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        if next(reader, []) != ["phone", "first_name", "city", "phone_e164"]:
            return [*problems, "wrong header"]
        kept = [row[3] for row in reader]
    if len(kept) != len(set(kept)) or set(kept) != data.kept:
        problems.append(f"{len(kept)} rows kept, not exactly the {len(data.kept)} expected numbers")
    return problems


def profile(env: dict[str, str], data: CallList, workdir: Path, n: int) -> None:
    """cProfile ``filter_calls_csv`` in-process on the first *n* rows: where a row's time goes."""
    import cProfile
    import os
    import pstats

    head = email_bench.first_rows(data.path, workdir, n)
    os.environ.update({k: v for k, v in env.items() if k.startswith("OPTOUT_")})
    from optout import create_app
    from optout.cli.common import campaign_info, session
    from optout.lists.calls import filter_calls_csv
    from optout.web.extensions import get_settings

    app = create_app()
    with app.app_context():
        db, campaign, settings = session(), campaign_info(CAMPAIGN), get_settings()

        def once(prof: cProfile.Profile | None) -> float:
            with head.open(encoding="utf-8", newline="") as src, open(os.devnull, "w") as sink:
                start = time.perf_counter()
                if prof:
                    prof.enable()
                filter_calls_csv(db.connection(), campaign, src, sink, settings.id_key, settings.default_region)
                if prof:
                    prof.disable()
                return time.perf_counter() - start

        once(None)
        plain = min(once(None) for _ in range(2))
        prof = cProfile.Profile()
        profiled = once(prof)
        db.rollback()
    print(
        f"\nfilter_calls_csv in-process, {n:,} rows: {plain / n * 1e6:.2f} µs/row without profiler "
        f"({n / plain:,.0f} rows/s), {profiled / n * 1e6:.2f} µs/row under cProfile"
    )
    stats = pstats.Stats(prof)
    rows = []
    for (file, lineno, name), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        where = f"{Path(file).name}:{lineno}({name})" if file != "~" else name
        rows.append((tottime, cumtime, calls, where))
    rows.sort(reverse=True)
    print(f"\n{'own µs/row':>10} {'cum µs/row':>10} {'calls/row':>9}  function (top 25 by own time, under cProfile)")
    for tottime, cumtime, calls, where in rows[:25]:
        print(f"{tottime / n * 1e6:>10.2f} {cumtime / n * 1e6:>10.2f} {calls / n:>9.2f}  {where}")


def main(args: argparse.Namespace) -> int:
    """The phone variant's rounds (copy, filter) and its report; *args* are bench/filter.py's."""
    import shutil
    import subprocess

    workdir = Path(args.keep_data or tempfile.mkdtemp(prefix="optout-bench-calls-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        start = time.perf_counter()
        data = generate(workdir / f"calls-g{GENERATOR}-{args.rows}-s{args.seed}.csv", args.rows, args.seed, write=True)
        db_path = workdir / f"calls-g{GENERATOR}-{args.rows}-s{args.seed}-{args.opt_outs}.sqlite3"
        for stale in workdir.glob(db_path.name + "*"):
            stale.unlink()
        env = email_bench.bench_env(f"sqlite:///{db_path}")
        optout = email_bench.optout_command()
        for command in (["db", "upgrade"], ["campaign", "add", CAMPAIGN, "--topic", TOPIC]):
            subprocess.run([optout, *command], env=env, capture_output=True, check=True)
        email_bench.load_sqlite(db_path, choice_rows(data, args.opt_outs, args.seed))
        print(f"setup {time.perf_counter() - start:.1f} s in {workdir}", flush=True)
        if args.profile:
            profile(env, data, workdir, min(args.profile_rows, args.rows))
            return 0
        out = workdir / "out.csv"
        copies: list[email_bench.Run] = []
        filters: list[email_bench.Run] = []
        problems: list[str] = []
        for n in range(args.rounds):
            print(f"round {n + 1}/{args.rounds}", flush=True)
            for variant in ("copy", "filter") if n % 2 == 0 else ("filter", "copy"):
                out.unlink(missing_ok=True)
                if variant == "copy":
                    cmd = [sys.executable, "-c", email_bench.COPY_SCRIPT, str(data.path), str(out)]
                    run = email_bench.run_measured(cmd, env, workdir, out)
                    copies.append(run)
                else:
                    cmd = [optout, "filter", "--campaign", CAMPAIGN, "--output", str(out), str(data.path)]
                    run = email_bench.run_measured(cmd, env, workdir, workdir / f".{out.name}.partial")
                    found = [f"exit status {run.returncode}"] if run.returncode else check(out, run.stderr, data)
                    problems += found
                    filters.append(run)
                print(f"  {variant:<9} {run}", flush=True)
        ratio = statistics.median(f.wall / c.wall for f, c in zip(filters, copies, strict=True))
        own = len(data.opted_in) + len(data.opted_out)
        others = max(0, args.opt_outs - own)
        print(
            f"\noptout filter (call list) vs csv copy: {args.rows:,} rows; {own:,} choices of the list's "
            f"numbers and {others:,} of others (SQLite)"
        )
        for name, runs in (("copy (csv read+write, floor)", copies), ("optout filter (phone_e164)", filters)):
            walls = [r.wall for r in runs]
            cores = statistics.median(r.cpu / r.wall for r in runs)
            print(
                f"{name:<30} {email_bench.spread(walls):>28} {args.rows / statistics.median(walls):>10,.0f} rows/s "
                f"{statistics.median(walls) / statistics.median(r.wall for r in copies):>6.2f}x copy {cores:.2f} cores"
            )
        ok = ratio <= email_bench.GOAL_RATIO
        print(f"goal filter <= {email_bench.GOAL_RATIO:.0f}x copy: {ratio:.2f}x  {email_bench.verdict(ok)}")
        if problems:
            print("\nCORRECTNESS PROBLEMS:\n  " + "\n  ".join(problems))
            return 1
        print("correctness: every filter round kept exactly the expected numbers, in E.164")
        return 1 if args.check and not ok else 0
    finally:
        if not args.keep_data:
            shutil.rmtree(workdir, ignore_errors=True)
