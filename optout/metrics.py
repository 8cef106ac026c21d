"""The Prometheus metrics (``prometheus_client``), without Flask, so the domain can count too.

Every label takes its values from a fixed or operator-defined set: sources, actions, topic keys,
the filter's reasons, endpoint classes, HTTP methods and statuses. Never an address, a pid, a
token, a path or a slug from a visitor's URL (a partner scope is counted as ``partner``).

What the domain counts happens in a transaction: :func:`on_commit` keeps the count on the
connection and adds it when that transaction commits, so a rolled-back decision is not counted.
With ``PROMETHEUS_MULTIPROC_DIR`` set before the process starts, each gunicorn worker writes its
values there and ``/metrics`` (or ``optout metrics serve``) adds them up (README, Operations).
"""

from __future__ import annotations

import collections
import os
from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import Connection, Engine, event

from . import scopes
from .models import Action, Source

DECISIONS = Counter(
    "optout_decisions", "Choices recorded and committed, by source, topic and action.", ["source", "topic", "action"]
)
FILTER_RUNS = Counter("optout_filter_runs", "Sending lists filtered (CLI or API).", ["via"])
FILTER_ROWS = Counter("optout_filter_rows", "Rows of filtered lists: kept, or why dropped.", ["result"])
HTTP_REQUESTS = Counter("optout_http_requests", "HTTP requests answered.", ["endpoint", "method", "status"])
HTTP_DURATION = Histogram(
    "optout_http_request_duration_seconds",
    "Time from the request's start to its answer, by endpoint class.",
    ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
THROTTLE_COUNTED = Counter("optout_throttle_counted", "Bad links and failed logins counted towards a limit.", ["kind"])
THROTTLE_REFUSED = Counter("optout_throttle_refused", "Requests refused (429) by a limit.", ["kind"])
BAD_LINK, LOGIN = "bad-link", "login"

_PENDING = "optout.metrics.pending"
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"


def on_commit(connection: Connection, count: Callable[[], None]) -> None:
    """Run *count* when *connection*'s transaction commits; forget it on rollback."""
    connection.info.setdefault(_PENDING, []).append(count)


@event.listens_for(Engine, "commit")
def _committed(connection: Connection) -> None:
    for count in connection.info.pop(_PENDING, ()):
        count()


@event.listens_for(Engine, "rollback")
def _rolled_back(connection: Connection) -> None:
    if not connection.invalidated:  # an invalidated connection's info is emptied with it (and unreadable)
        connection.info.pop(_PENDING, None)


def topic_label(scope: str) -> str:
    """A scope's label: the topic key, or its kind (``partner``, ``everything``, ``channel:email``)."""
    kind, key = scopes.split(scope)
    if kind == "topic":
        return key
    return kind if kind == "partner" or not key else scope


def count_decisions(
    connection: Connection, source: Source, done: Iterable[tuple[str, Action]], *, times: int = 1
) -> None:
    """Count the scope/action pairs a decision recorded (each *times*: a batch's many people with
    one pair), once its transaction commits."""
    labels: collections.Counter[tuple[str, str, str]] = collections.Counter()
    for scope, action in done if times else ():
        labels[source.value, topic_label(scope), action.value] += times

    def count() -> None:
        for label, n in labels.items():
            DECISIONS.labels(*label).inc(n)

    if labels:
        on_commit(connection, count)


def count_filter_run(connection: Connection, via: str, kept: int, dropped: dict[str, int]) -> None:
    """Count one filter run and its rows by result, once the run's record commits."""

    def count() -> None:
        FILTER_RUNS.labels(via).inc()
        FILTER_ROWS.labels("kept").inc(kept)
        for reason, rows in dropped.items():
            if rows:
                FILTER_ROWS.labels(reason).inc(rows)

    on_commit(connection, count)


def exposition() -> bytes:
    """The metrics in Prometheus' text format: this process's, or every worker's in multiprocess mode."""
    if os.environ.get(MULTIPROCESS_DIR):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest()
