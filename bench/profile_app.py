"""Where a preference-page GET and a one-click POST spend their time, in-process (no server).

Run from the repository root (never part of the test suite)::

    .venv/bin/python bench/profile_app.py                 # about 30 s
    .venv/bin/python bench/profile_app.py --requests 500 --top 40

It builds the Optout app with ``create_app()`` on a throw-away SQLite database (same keys and
campaign as ``bench/web.py``) and drives it with Flask's test client:

1. wall-clock µs per request (no profiler), interleaved with the bare hello app of
   ``bench/hello_app.py``, Optout's ``/healthz`` and the stack floor's page and one-click
   (``bench/stack_app.py`` on its own SQLite file), so the test-client overhead is visible and
   each Optout request has its floor ("stack/this": the median per-round ratio of their times);
2. SQL statements per request, with their text, and the page's SELECTs replayed through the
   sqlite3 module directly (the database floor);
3. cProfile of the same requests: self time grouped by package, and the inclusive time of the
   steps that matter (token, ORM, template, CSRF/session cookie, babel, commit);
4. wall-clock attribution without a profiler, through stable seams only (Flask's template
   signals, SQLAlchemy engine/session events, the token service): template rendering, DBAPI
   execute, Session.commit, token read/mint, and the rest.

cProfile inflates Python-heavy code (SQLAlchemy, Jinja) more than C code (hmac, sqlite3), so
use its shares to rank, and the wall-clock figures of steps 1 and 4 for absolute costs.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

# Run as a script, bench/ is on sys.path: the hello app and bench/web.py's keys and names.
import hello_app
import stack_app
import web
from flask import Flask, before_render_template, template_rendered
from flask.testing import FlaskClient
from flask_babel import Domain
from sqlalchemy import Connection, event
from sqlalchemy.orm import Session as SASession

from optout import create_app, schema
from optout.catalog import service as catalog
from optout.identity import pseudonymous_id
from optout.links import preferences_path, unsubscribe_path
from optout.tokens import Purpose, TokenService
from optout.web.session import get_database, get_session

ONE_CLICK = {"data": web.ONE_CLICK_BODY, "content_type": "application/x-www-form-urlencoded"}

# Inclusive-time probes: (label, file path suffix, function name).
STEPS = [
    ("whole request (Flask.wsgi_app)", "flask/app.py", "wsgi_app"),
    ("  token verify: TokenService.read", "optout/tokens.py", "read"),
    ("  read_link (token + campaign by id)", "optout/pages.py", "read_link"),
    ("  consent.choices_of", "optout/consent/service.py", "choices_of"),
    ("  catalog.topics", "optout/catalog/service.py", "topics"),
    ("  preferences build_page", "optout/preferences/page.py", "build_page"),
    ("  consent.decide (upsert + event)", "optout/consent/service.py", "decide"),
    ("  Session.commit", "sqlalchemy/orm/session.py", "commit"),
    ("  Session.close (teardown)", "sqlalchemy/orm/session.py", "close"),
    ("  render_template", "flask/templating.py", "render_template"),
    ("    shared page context (_page_context)", "optout/pages.py", "_page_context"),
    ("    flask_babel.format_date", "flask_babel/__init__.py", "format_date"),
    ("    CSRF token (generate_csrf)", "flask_wtf/csrf.py", "generate_csrf"),
    ("  session cookie (save_session)", "flask/sessions.py", "save_session"),
    ("  schema check before_request", "optout/schema.py", "_require_current_schema"),
    ("  security headers (add_headers)", "optout/security.py", "add_headers"),
    ("  Babel locale selection (get_locale)", "flask_babel/__init__.py", "get_locale"),
    ("  translation lookups (Domain.get_translations)", "flask_babel/__init__.py", "get_translations:Domain"),
    ("  SQLAlchemy Session.execute (all)", "sqlalchemy/orm/session.py", "execute"),
    ("  sqlite3 Cursor.execute (C, all)", "~", "<method 'execute' of 'sqlite3.Cursor' objects>"),
    ("  pool connect/checkout (_ConnectionFairy._checkout)", "sqlalchemy/pool/base.py", "_checkout"),
]


class Setup:
    def __init__(self, workdir: Path) -> None:
        db = workdir / "profile.sqlite3"
        self.app: Flask = create_app(
            {
                "OPTOUT_DATABASE_URL": f"sqlite:///{db}",
                "OPTOUT_SECRET_KEYS": web.SECRET_KEYS,
                "OPTOUT_ID_KEY": web.ID_KEY,
                "OPTOUT_BASE_URL": web.BASE_URL,
            }
        )
        with self.app.app_context():
            schema.upgrade(get_database().engine)
            session = get_session()
            campaign = catalog.add_campaign(session, web.CAMPAIGN, topic_key="periodic", partner_slug=None)
            session.commit()
            self.campaign_id, self.lang = campaign.id, campaign.lang
        self.tokens = TokenService(tuple(k.encode() for k in web.SECRET_KEYS.split()))
        self.statements: list[tuple[str, Any]] | None = None
        engine = self.app.extensions["optout.db"].engine
        event.listen(engine, "before_cursor_execute", self._on_statement)
        self.next_post = 0
        self.app.test_client_class = PublicOrigin
        self.client: FlaskClient = self.app.test_client(use_cookies=False)
        self.hello: FlaskClient = hello_app.app.test_client(use_cookies=False)

    def _on_statement(self, _conn: Any, _cursor: Any, statement: str, params: Any, *_args: Any) -> None:
        if self.statements is not None:
            self.statements.append((statement, params))

    def pid(self, i: int) -> bytes:
        return pseudonymous_id(web.ID_KEY.encode(), web.address(i))

    def page_paths(self, n: int) -> list[str]:
        return [
            preferences_path(self.tokens.mint(Purpose.PREFERENCES, self.pid(i), self.campaign_id, self.lang))
            for i in range(n)
        ]

    def post_paths(self, n: int) -> list[str]:
        start, self.next_post = self.next_post, self.next_post + n  # fresh recipients: real writes
        return [
            unsubscribe_path(self.tokens.mint(Purpose.UNSUBSCRIBE, self.pid(i), self.campaign_id, self.lang))
            for i in range(start, start + n)
        ]


class PublicOrigin(FlaskClient):
    """A test client that asks for the public origin: the app answers only OPTOUT_BASE_URL's host."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("base_url", web.BASE_URL)
        return super().open(*args, **kwargs)


def checked(response: Any) -> None:
    if response.status_code != 200:
        raise SystemExit(f"unexpected {response.status_code}: {response.get_data(as_text=True)[:500]}")


def timed(label: str, fn: Callable[[], Any], n: int) -> tuple[str, float]:
    start = time.perf_counter()
    for __ in range(n):
        checked(fn())
    return label, (time.perf_counter() - start) / n * 1e6


def cycle(paths: Sequence[str]) -> Iterator[str]:
    while True:
        yield from paths


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=1000, help="requests per measurement (default 1000)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved wall-clock rounds (default 5)")
    parser.add_argument("--top", type=int, default=25, help="functions listed by self time (default 25)")
    args = parser.parse_args(argv)
    n = args.requests

    with tempfile.TemporaryDirectory(prefix="optout-profile-") as tmp:
        print(f"# bench/profile_app.py  {time.strftime('%Y-%m-%d %H:%M:%S %Z')}; optout {web.git_revision()}")
        s = Setup(Path(tmp))
        pages = cycle(s.page_paths(20_000))

        def poster(paths: Sequence[str]) -> Callable[[], Any]:
            it = iter(paths)
            return lambda: s.client.post(next(it), **ONE_CLICK)

        stack_db = Path(tmp) / "stack.sqlite3"
        stack_app.seed(str(stack_db), (stack_app.recipient_id(i) for i in range(20_000)))
        stack = stack_app.create_app(str(stack_db)).test_client(use_cookies=False)
        stack_pages = cycle([f"/p/{stack_app.recipient_id(i)}" for i in range(20_000)])
        stack_posted = iter(range(20_000, 10**9))  # ids never posted for: every POST adds a row

        def stack_post() -> Any:
            return stack.post(f"/u/{stack_app.recipient_id(next(stack_posted))}", **ONE_CLICK)

        # Warm every path once (first-request schema check, template compilation, pool).
        checked(stack.get(next(stack_pages)))
        checked(stack_post())
        checked(s.hello.get("/"))
        checked(s.client.get(next(pages)))
        checked(s.client.get("/healthz"))
        checked(poster(s.post_paths(1))())

        # 1. Wall clock, interleaved.
        results: dict[str, list[float]] = collections.defaultdict(list)
        for __ in range(args.rounds):
            for label, us in (
                timed("hello app GET / (floor)", lambda: s.hello.get("/"), n),
                timed("optout GET /healthz (SELECT 1)", lambda: s.client.get("/healthz"), n),
                timed("stack floor GET /p/<id> (page)", lambda: stack.get(next(stack_pages)), n),
                timed("optout GET /p/<token> (page)", lambda: s.client.get(next(pages)), n),
                timed("stack floor POST /u/<id> (one-click)", stack_post, n),
                timed("optout POST /u/<token> (one-click)", poster(s.post_paths(n)), n),
            ):
                results[label].append(us)
        floor = results["hello app GET / (floor)"]
        print(f"# 1. test client, µs per request: median (min..max) of {args.rounds} rounds x {n}")
        for label, values in results.items():
            ratio = statistics.median(f / v for f, v in zip(floor, values, strict=True))
            print(f"{label:<40} {statistics.median(values):8.1f} ({min(values):.1f}..{max(values):.1f})"
                  f"   hello/this {ratio:.2f}   +{statistics.median(values) - statistics.median(floor):.1f} µs"
                  " over hello")  # fmt: skip
        for kind, stack_label in (("page", "stack floor GET /p/<id> (page)"),
                                  ("one-click", "stack floor POST /u/<id> (one-click)")):  # fmt: skip
            optout_label = next(label for label in results if label.startswith("optout") and f"({kind})" in label)
            ratio = statistics.median(f / v for f, v in zip(results[stack_label], results[optout_label], strict=True))
            print(f"{kind}: stack/this {ratio:.2f} (Optout's rate as a share of the stack floor's, in-process)")

        # 2. SQL statements per request.
        captured: dict[str, list[tuple[str, Any]]] = {}
        for label, fn in (
            ("GET /p/<token>", lambda: s.client.get(next(pages))),
            ("POST /u/<token>", poster(s.post_paths(1))),
        ):
            s.statements = []
            checked(fn())
            print(f"\n# 2. {label}: {len(s.statements)} SQL statements")
            for stmt, _params in s.statements:
                print(f"   {' '.join(stmt.split())[:150]}")
            captured[label] = s.statements
            s.statements = None
        reads = [
            (stmt, params) for stmt, params in captured["GET /p/<token>"] if stmt.lstrip().upper().startswith("SELECT")
        ]
        floor_reads = replay_floor(s, reads, n)
        print(f"   the page's {len(reads)} SELECT(s) replayed through sqlite3 directly: {floor_reads:.1f} µs")

        # 3. cProfile.
        for label, fn in (
            ("GET /p/<token>", lambda: s.client.get(next(pages))),
            ("POST /u/<token>", poster(s.post_paths(n))),
        ):
            profiler = cProfile.Profile()
            profiler.enable()
            for __ in range(n):
                checked(fn())
            profiler.disable()
            report(label, pstats.Stats(profiler), n, args.top)

        # 4. Wall-clock attribution through hooks (no profiler).
        print(f"\n# 4. wall-clock attribution, {n} requests each (hooks: template signals, SQLAlchemy events)")
        attribution = Attribution(s.app)
        hello_us = statistics.median(floor)
        attribution.run("GET /p/<token>", lambda: s.client.get(next(pages)), n, hello_us)
        attribution.run("POST /u/<token>", poster(s.post_paths(n)), n, hello_us)
    return 0


class Attribution:
    """Wall-clock attribution through stable seams only: Flask's template signals, SQLAlchemy's
    engine and session events, and the token service instance. No internal function is called,
    so the attribution keeps working while the application's internals change."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.totals: dict[str, float] = collections.defaultdict(float)
        self.counts: dict[str, int] = collections.defaultdict(int)
        self._starts: dict[str, float] = {}
        engine = app.extensions["optout.db"].engine
        before_render_template.connect(self._start("template render (Jinja, incl. gettext)"), app, weak=False)
        template_rendered.connect(self._stop("template render (Jinja, incl. gettext)"), app, weak=False)
        event.listen(engine, "before_cursor_execute", self._start("sqlite3 execute (DBAPI)"))
        event.listen(engine, "after_cursor_execute", self._stop("sqlite3 execute (DBAPI)"))
        event.listen(SASession, "before_commit", self._start("Session.commit (flush + COMMIT)"))
        event.listen(SASession, "after_commit", self._stop("Session.commit (flush + COMMIT)"))
        tokens = app.extensions["optout.tokens"]
        for name in ("read", "mint"):
            tokens.__dict__[name] = self._wrap(f"token {name} (TokenService.{name})", getattr(tokens, name))
        orm = "SQLAlchemy calls, incl. DBAPI (see below)"
        self._depth = 0
        for cls, names in ((SASession, ("execute", "get", "scalar", "scalars", "connection", "close")),
                           (Connection, ("execute",))):  # fmt: skip
            for name in names:  # only the outermost call counts
                setattr(cls, name, self._wrap(orm, getattr(cls, name), outermost=True))
        interface = app.session_interface
        interface.save_session = self._wrap("session cookie (save_session)", interface.save_session)  # type: ignore[method-assign]
        self.enabled = False

    def _start(self, key: str) -> Callable[..., None]:
        def handler(*_args: Any, **_kwargs: Any) -> None:
            self._starts[key] = time.perf_counter()

        return handler

    def _stop(self, key: str) -> Callable[..., None]:
        def handler(*_args: Any, **_kwargs: Any) -> None:
            started = self._starts.pop(key, None)
            if self.enabled and started is not None:
                self.totals[key] += time.perf_counter() - started
                self.counts[key] += 1

        return handler

    def _wrap(self, key: str, fn: Callable[..., Any], outermost: bool = False) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if outermost:
                self._depth += 1
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                if outermost:
                    self._depth -= 1
                if self.enabled and not (outermost and self._depth):
                    self.totals[key] += time.perf_counter() - started
                    self.counts[key] += 1

        return wrapper

    def run(self, label: str, fn: Callable[[], Any], n: int, floor_us: float) -> None:
        self.totals.clear()
        self.counts.clear()
        self.enabled = True
        start = time.perf_counter()
        for __ in range(n):
            checked(fn())
        total = time.perf_counter() - start
        self.enabled = False
        print(f"   {label}: {total / n * 1e6:.0f} µs per request (hooks on); of which")
        accounted = 0.0
        for key, seconds in sorted(self.totals.items(), key=lambda kv: kv[1], reverse=True):
            if not key.startswith("sqlite3"):  # inside the SQLAlchemy figure already
                accounted += seconds
            print(f"     {key:<44} {seconds / n * 1e6:7.1f} µs  {seconds / total:6.1%}  "
                  f"{self.counts[key] / n:4.1f} per request")  # fmt: skip
        print(f"     {'test client + WSGI floor (hello app, step 1)':<44} {floor_us:7.1f} µs  "
              f"{floor_us * 1e-6 * n / total:6.1%}")  # fmt: skip
        rest = total - accounted - floor_us * 1e-6 * n
        print(f"     {'rest: Flask/Werkzeug dispatch, Babel locale,':<44} {rest / n * 1e6:7.1f} µs  "
              f"{rest / total:6.1%}\n       context processors, views, building SQL statements, headers")  # fmt: skip
        print(
            "       (SQLAlchemy calls = Session.execute/get/scalar/scalars/connection/close and Connection.execute,"
            " outermost only)"
        )


def replay_floor(s: Setup, statements: Sequence[tuple[str, Any]], n: int) -> float:
    """µs to run the captured read statements through sqlite3 directly (the DB floor)."""
    raw = s.app.extensions["optout.db"].engine.raw_connection()
    try:
        start = time.perf_counter()
        for __ in range(n):
            cur = raw.cursor()
            for statement, params in statements:
                cur.execute(statement, params)
                cur.fetchall()
            cur.close()
        return (time.perf_counter() - start) / n * 1e6
    finally:
        raw.rollback()
        raw.close()


def package_of(filename: str) -> str:
    if filename == "~":
        return "builtins/C"
    parts = Path(filename).parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].removesuffix(".py")
    if "optout" in parts:
        return "optout"
    return "stdlib"


def report(label: str, stats: pstats.Stats, n: int, top: int) -> None:
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats  # type: ignore[attr-defined]
    total = sum(tt for (_cc, _nc, tt, _ct, _callers) in raw.values())
    print(f"\n# 3. cProfile, {label}: {total / n * 1e6:.0f} µs profiled per request ({n} requests)")
    by_package: dict[str, float] = collections.defaultdict(float)
    for (filename, _line, _name), (_cc, _nc, tt, _ct, _callers) in raw.items():
        by_package[package_of(filename)] += tt
    print("   self time by package:")
    for package, tt in sorted(by_package.items(), key=lambda kv: kv[1], reverse=True)[:12]:
        print(f"     {package:<22} {tt / n * 1e6:7.1f} µs/request  {tt / total:6.1%}")
    print("   inclusive time of steps (µs per request, % of the whole request, calls per request):")
    for step, suffix, name in STEPS:
        ct, calls = 0.0, 0
        line = None
        if name.endswith(":Domain"):  # the module has a function of that name too: match the method's line
            name = name.removesuffix(":Domain")
            line = getattr(Domain, name).__code__.co_firstlineno
        for (filename, fline, fname), (_cc, nc, _tt, cum, _callers) in raw.items():
            if fname == name and filename.endswith(suffix) and line in (None, fline):
                ct, calls = ct + cum, calls + nc
        if calls:
            print(f"     {step:<52} {ct / n * 1e6:7.1f}  {ct / total:6.1%}  {calls / n:5.1f}")
    print(f"   top {top} functions by self time:")
    rows = sorted(raw.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    for (filename, line, name), (_cc, nc, tt, _ct, _callers) in rows:
        where = "/".join(Path(filename).parts[-2:]) if filename != "~" else ""
        print(f"     {tt / n * 1e6:7.1f} µs {nc / n:6.1f}x  {name}  {where}:{line}")


if __name__ == "__main__":
    sys.exit(main())
