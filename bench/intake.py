"""``POST /api/v1/opt-outs`` records per second: N requests of 1,000 records each, through the
app's own test client (the whole request: JSON, validation, pids, the writes and the commit),
for the code of a base revision and of the working tree, in the same run.

Run from the repository root (never part of the test suite)::

    .venv/bin/python bench/intake.py                          # 20 requests, SQLite and PostgreSQL, against main
    .venv/bin/python bench/intake.py --requests 5 --backend sqlite --base HEAD~3

The base revision's ``optout/`` (and templates, translations) is exported with ``git archive`` into
a temporary directory and imported from there, so no checkout is touched. Each measurement runs in
its own process on a fresh database. The requests are new people (every record recorded), a
fifth of them repeated once inside the request with another time (answered ``already``), over
three scopes; then the first request is sent again (a replay: every record ``already``). The host
is shared: compare the ratio within one run, not figures across runs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ADMIN_URL = os.environ.get("OPTOUT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
KEYS = {
    "OPTOUT_SECRET_KEYS": "bench-signing-key-0123456789-abcdefghijklmnop",
    "OPTOUT_ID_KEY": "bench-id-key-0123456789-abcdefghijklmnopqrstu",
    "OPTOUT_BASE_URL": "https://optout.example.no",
}
SCOPES = ("everything", "channel:email", "topic:periodic")
RECORDS = 1000


def body(request: int) -> bytes:
    """Request *request*'s 1,000 records: 800 new people, 200 of them reported again later on."""
    records = []
    for n in range(800):
        person = request * 800 + n
        records.append(
            {
                "email": f"person{person}@example{person % 97}.no",
                "scope": SCOPES[person % 3],
                "source": ("esp", "sms", "support")[n % 3],
                "occurred_at": "2026-11-30T09:15:00+01:00",
                "evidence": f"complaint {person}",
            }
        )
    for n in range(200):
        records.append({**records[n * 4], "occurred_at": "2026-11-30T10:00:00+01:00"})
    return json.dumps({"opt_outs": records}).encode()


def child(backend: str, requests: int) -> None:
    """Measure in this process, with whichever ``optout`` is first on the path; print JSON."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from optout import create_app, schema
    from optout.accounts import api_keys
    from optout.api import PREFIX, Scope
    from optout.db import make_engine
    from optout.ledger.verify import verify
    from optout.web.session import get_session

    admin = None
    with tempfile.TemporaryDirectory() as tmp:
        if backend == "sqlite":
            url = f"sqlite:///{tmp}/bench.sqlite3"
        else:
            name = f"optout_bench_{uuid.uuid4().hex[:12]}"
            admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        try:
            engine = make_engine(url)
            schema.upgrade(engine)
            engine.dispose()
            app = create_app({"OPTOUT_DATABASE_URL": url, **KEYS})
            with app.app_context():
                session = get_session()
                key = api_keys.create_key(session, "bench", (Scope.OPT_OUTS,))
                session.commit()
            client = app.test_client()
            origin = app.extensions["optout.settings"].public_origin  # the app answers no other Host

            def post(data: bytes) -> Any:
                return client.post(f"{PREFIX}/opt-outs", data=data, headers=headers, base_url=origin)

            headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
            bodies = [body(n) for n in range(requests)]
            post(body(requests + 1))  # warm: caches, pool
            started = time.perf_counter()
            recorded = 0
            for one in bodies:
                answer = post(one)
                assert answer.status_code == 200, answer.text
                recorded += answer.json["summary"]["recorded"]
            seconds = time.perf_counter() - started
            started = time.perf_counter()
            replay = post(bodies[0]).json["summary"]
            replay_seconds = time.perf_counter() - started
            with app.app_context():
                verified = verify(get_session().connection())
            app.extensions["optout.db"].engine.dispose()
        finally:
            if admin is not None:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
    print(
        json.dumps(
            {
                "records_per_s": requests * RECORDS / seconds,
                "seconds": seconds,
                "recorded": recorded,
                "replay_already": replay["already"],
                "replay_records_per_s": RECORDS / replay_seconds,
                "ledger_ok": verified.intact,
                "events": verified.events,
            }
        )
    )


def export(revision: str, into: Path) -> Path:
    """*revision*'s package, templates and translations, exported into *into*."""
    archive = subprocess.run(
        ["git", "archive", revision, "optout", "templates", "translations"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def measure(tree: Path | None, backend: str, requests: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    command = [sys.executable, str(Path(__file__).resolve()), "--child", backend, "--requests", str(requests)]
    out = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tree or Path.cwd(), check=False)
    if out.returncode:
        sys.exit(out.stderr)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=20, help="requests of 1,000 records (default 20)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--base", default="main", help="the revision to compare with (default main)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.requests)
        return
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    with tempfile.TemporaryDirectory() as tmp:
        base = export(args.base, Path(tmp))
        for backend in backends:
            before = measure(base, backend, args.requests)
            after = measure(None, backend, args.requests)
            for label, result in ((args.base, before), ("working tree", after)):
                print(
                    f"{backend:10} {label:14} {result['records_per_s']:8.0f} records/s "
                    f"({args.requests} x {RECORDS} in {result['seconds']:.2f} s, {result['recorded']:.0f} recorded; "
                    f"replay {result['replay_records_per_s']:.0f} records/s, {result['replay_already']:.0f} already; "
                    f"ledger {'verifies' if result['ledger_ok'] else 'BROKEN'})"
                )
            print(f"{backend:10} after/before   {after['records_per_s'] / before['records_per_s']:8.1f}x")


if __name__ == "__main__":
    main()
