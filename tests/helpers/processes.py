"""The center as its own process, as an operator runs it: a command (and killing it half way), or
a server waited for on a free port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from tests.helpers.settings import BASE_URL, ID_KEY, NEW_KEY, OLD_KEY


def command_env(database_url: str) -> dict[str, str]:
    """The environment of an ``optout`` command on *database_url* with the tests' keys."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("OPTOUT_")},
        "OPTOUT_DATABASE_URL": database_url,
        "OPTOUT_SECRET_KEYS": f"{OLD_KEY} {NEW_KEY}",
        "OPTOUT_ID_KEY": ID_KEY,
        "OPTOUT_BASE_URL": BASE_URL,
    }


def optout_command(*args: str) -> list[str]:
    """The installed ``optout`` console script with *args*."""
    return [str(Path(sys.executable).with_name("optout")), *args]


def kill_when(command: Sequence[str], env: dict[str, str], written: Callable[[], int], at_least: int) -> None:
    """Start *command*, and kill it (SIGKILL, no clean-up) once *written* counts *at_least*."""
    process = subprocess.Popen(list(command), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None and written() < at_least:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int) -> None:
    """Return once something accepts connections on loopback *port* (or after about 30 s)."""
    for _attempt in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
