"""HTTP metrics by endpoint class, and ``/metrics`` behind a bearer key (``OPTOUT_METRICS_KEY``).

A request is labelled by the class of its endpoint (``unsubscribe``, ``preferences``, ``officer``,
``api``, ``public``, ``ops``, ``static``, ``other`` when no route matched), never by its path, so
no token, address or slug typed into a URL becomes a label. Without a key ``/metrics`` is a 404:
nothing is exposed by default. The other way to serve them is a separate bind
(``optout metrics serve``), which reads gunicorn's multiprocess folder.
"""

from __future__ import annotations

import hmac
import time

from flask import Flask, Response, abort, g, request
from prometheus_client import CONTENT_TYPE_LATEST

from .. import metrics
from .extensions import get_settings

AREAS = frozenset({"unsubscribe", "preferences", "officer", "api", "public"})
OPS_ENDPOINTS = frozenset({"public.health", "public.ready", "metrics"})
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def endpoint_class() -> str:
    """The class of the current request's endpoint: a fixed set, never the path."""
    endpoint = request.endpoint
    if endpoint in OPS_ENDPOINTS:
        return "ops"
    if endpoint == "static":
        return "static"
    return request.blueprint if request.blueprint in AREAS else "other"


def _start() -> None:
    g.optout_started = time.perf_counter()


def _count(response: Response) -> Response:
    started = g.get("optout_started")
    endpoint = endpoint_class()
    method = request.method if request.method in METHODS else "other"
    metrics.HTTP_REQUESTS.labels(endpoint, method, str(response.status_code)).inc()
    if started is not None:
        metrics.HTTP_DURATION.labels(endpoint).observe(time.perf_counter() - started)
    return response


def _authorised(key: bytes) -> bool:
    scheme, _space, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), key)


def serve() -> Response:
    """The metrics, to a scraper that sends ``Authorization: Bearer $OPTOUT_METRICS_KEY``."""
    key = get_settings().metrics_key
    if key is None:
        abort(404)
    headers = {"Cache-Control": "no-store"}
    if not _authorised(key):
        headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return Response("A bearer key is needed.\n", 401, headers, mimetype="text/plain")
    return Response(metrics.exposition(), 200, headers, content_type=CONTENT_TYPE_LATEST)


def init_app(app: Flask) -> None:
    """Time and count every request, and add ``/metrics``."""
    app.before_request(_start)
    app.after_request(_count)
    app.add_url_rule("/metrics", "metrics", serve, methods=["GET"])
