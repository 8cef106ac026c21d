"""Fixtures of the list tests: a campaign, and ``optout filter`` run in one process or with workers."""

from __future__ import annotations

import csv
import json

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
    if workers > 1:
        from optout.lists.engine import parallel

        monkeypatch.setattr(parallel, "BLOCK", 64)
        if request.param == "workers-loading":  # as for a list far longer than the choices
            from optout.lists.engine import loader

            monkeypatch.setattr(parallel, "_rows_in", lambda *_args: 10**9)
            monkeypatch.setattr(loader, "WAIT", True)  # every chunk decided from the loaded verdicts
        else:
            monkeypatch.setattr(parallel, "LOAD_AT_MOST", 0)

    def filter_(text: str | bytes, campaign: str = "newsletter", *extra: str):
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
