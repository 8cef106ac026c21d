"""Fixtures of the list tests: a campaign, and ``optout filter`` run in one process or with workers."""

from __future__ import annotations

import csv
import json
from typing import Any

import pytest


@pytest.fixture
def newsletter(make_campaign):
    return make_campaign("newsletter", topic="periodic")


@pytest.fixture
def partner_campaign(make_campaign):
    return make_campaign("fjord-spring", partner="fjordreiser")


@pytest.fixture(params=["one-process", "workers-loading", "workers-probing"])
def run(optout, tmp_path, request, monkeypatch):
    """Filter through the CLI, in one process or with two workers cutting the input into tiny
    chunks (so that quoted newlines, duplicates and bad rows fall across chunk boundaries), the
    workers deciding from every choice read at the start or probing for each chunk's rows."""
    workers = 1 if request.param == "one-process" else 2
    tuning: dict[str, Any] = {}
    if workers > 1:
        tuning["block"] = 64
        if request.param == "workers-loading":  # as for a list far longer than the choices
            # every chunk decided from the loaded verdicts
            tuning.update(rows_estimate=10**9, wait_for_loader=True)
        else:
            tuning["load_at_most"] = 0

    def filter_(text: str | bytes, campaign: str = "newsletter", *extra: str, **more_tuning: Any):
        monkeypatch.setenv("OPTOUT_FILTER_TUNING", json.dumps({**tuning, **more_tuning}))
        source = tmp_path / "list.csv"
        source.write_bytes(text.encode() if isinstance(text, str) else text)
        out, report = tmp_path / "out.csv", tmp_path / "report.json"
        result = optout(
            "filter",
            "--campaign",
            campaign,
            "--workers",
            str(workers),
            "--output",
            str(out),
            "--report",
            str(report),
            *extra,
            str(source),
        )
        rows = None
        if out.exists():
            with out.open(newline="") as handle:
                rows = list(csv.DictReader(handle))
        summary = json.loads(report.read_text()) if report.exists() else None
        return result, rows, summary

    return filter_
