"""``optout metrics serve``: the metrics of every gunicorn worker on a bind of their own.

The other way to ``/metrics`` behind ``OPTOUT_METRICS_KEY``: a separate process on a private
address (a loopback or management network the scraper reaches, never the public site), reading
the multiprocess folder the workers write. It builds no app, so it needs no key or database.
"""

from __future__ import annotations

import os

import click
from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.multiprocess import MultiProcessCollector

from ..metrics import MULTIPROCESS_DIR
from .common import fail


@click.group("metrics")
def metrics_group() -> None:
    """Prometheus metrics."""


@metrics_group.command("serve")
@click.option("--bind", default="127.0.0.1", show_default=True, help="The address to listen on (keep it private).")
@click.option("--port", type=click.IntRange(1, 65535), default=9464, show_default=True)
def serve_command(bind: str, port: int) -> None:
    """Serve the workers' metrics (from PROMETHEUS_MULTIPROC_DIR) at http://BIND:PORT/metrics."""
    folder = os.environ.get(MULTIPROCESS_DIR, "")
    if not folder or not os.path.isdir(folder):
        fail(f"{MULTIPROCESS_DIR} must name the folder gunicorn's workers write their metrics to.", 2)
    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    server, thread = start_http_server(port, addr=bind, registry=registry)
    click.echo(f"optout: serving metrics on http://{bind}:{port}/metrics", err=True)
    try:
        thread.join()
    except KeyboardInterrupt:
        server.shutdown()
