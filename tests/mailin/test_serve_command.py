"""``optout mail serve`` as an operator runs it: a process that listens, records, and stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import smtplib
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from flask import Flask

from optout.cli import cli
from tests.helpers.settings import BASE_URL, ID_KEY, NEW_KEY, OLD_KEY
from tests.mailin.test_receiver import DOMAIN, free_port, message, unsubscribe_address


def test_serve_needs_the_domain(runner) -> None:
    result = runner.invoke(cli, ["mail", "serve"])
    assert result.exit_code == 2
    assert "OPTOUT_MAILTO_DOMAIN is not set" in result.output


def _wait_for(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("optout mail serve did not start listening")


def test_the_served_receiver_records_and_stops_on_sigterm(
    app: Flask, make_app: Callable[..., Flask], make_campaign, database_url: str, ledger
) -> None:
    campaign = make_campaign()
    to = unsubscribe_address(make_app(OPTOUT_MAILTO_DOMAIN=DOMAIN), campaign)
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("OPTOUT_")},
        "OPTOUT_DATABASE_URL": database_url,
        "OPTOUT_SECRET_KEYS": f"{OLD_KEY} {NEW_KEY}",
        "OPTOUT_ID_KEY": ID_KEY,
        "OPTOUT_BASE_URL": BASE_URL,
        "OPTOUT_MAILTO_DOMAIN": DOMAIN,
    }
    script = Path(sys.executable).with_name("optout")
    command = [str(script), "mail", "serve", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _wait_for(port, process)
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            assert client.send_message(message(to), "someone@sender.example", [to]) == {}
    finally:
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert f"Receiving unsubscribe mail for {DOMAIN} over SMTP on 127.0.0.1:{port}" in err.decode()
    assert [row["source"] for row in ledger()] == ["mailto"]
