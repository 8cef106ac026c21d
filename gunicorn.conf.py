"""gunicorn's settings for Optout; gunicorn reads ./gunicorn.conf.py by itself, or give ``-c``.

- ``logger_class``: with ``OPTOUT_LOG_FORMAT=json`` gunicorn's error and access logs are JSON
  lines, redacted like the app's (README, Operations).
- ``child_exit``: with ``PROMETHEUS_MULTIPROC_DIR`` set (an empty folder, emptied at each start),
  a worker that exits has its live gauges dropped from ``/metrics``; its counters stay counted.
"""

import os

logger_class = "optout.web.gunicornlog.OptoutLogger"


def child_exit(_server: object, worker: object) -> None:
    """Tell prometheus_client that a worker is gone (multiprocess mode only)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]
