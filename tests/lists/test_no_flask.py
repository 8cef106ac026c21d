"""The filter's engine and service load no web framework: a worker process needs none of it."""

from __future__ import annotations

import subprocess
import sys

import pytest

WEB = ("flask", "flask_babel", "flask_wtf", "werkzeug", "wtforms")
CHECK = """
import importlib, sys
importlib.import_module(sys.argv[1])
web = sorted(m for m in sys.modules if m.split(".")[0] in sys.argv[2:])
print(" ".join(web))
"""


@pytest.mark.parametrize("module", ["optout.lists.engine.parallel", "optout.lists.service", "optout.models"])
def test_importing_the_filter_loads_no_flask(module: str) -> None:
    # A fresh interpreter: the test process itself has Flask loaded already.
    result = subprocess.run([sys.executable, "-c", CHECK, module, *WEB], capture_output=True, text=True, check=True)
    assert result.stdout.split() == []
