"""Filter a sending list for a campaign: the one entry point of ``optout filter`` and the API.

:func:`filter_list` filters CSV and decides how: in this process (:func:`~.filter.filter_csv`, the
readable reference) or, for a long list, with forked workers (:mod:`.engine`), which write the
very same bytes. :func:`filter_recipients` is the same rules for the API's JSON recipients. Neither
commits: the caller records the run (:func:`save_filter_run`) and commits.
"""

from __future__ import annotations

import io
import json
import multiprocessing
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import Connection

from ..catalog.cache import CampaignInfo
from ..csvrows import NUL, NUL_PROBLEM, UNDECODABLE_BYTES, BadRow
from ..languages import language_of
from .calls import Call, filter_calls_csv, sendable_calls
from .engine.parallel import filter_csv_parallel
from .filter import (
    LINK_COLUMNS,
    PHONE_COLUMN,
    Candidate,
    LinkMaker,
    LinkSettings,
    ListUnusable,
    Summary,
    added_columns,
    filter_csv,
    is_phone_list,
    save_filter_run,
    sendable,
)
from .tuning import Tuning

__all__ = [
    "LINK_COLUMNS",
    "PHONE_COLUMN",
    "Database",
    "LinkSettings",
    "ListUnusable",
    "Summary",
    "Tuning",
    "added_columns",
    "filter_list",
    "filter_recipients",
    "is_phone_list",
    "save_filter_run",
    "workers_for",
]


@dataclass(frozen=True)
class Database:
    """Where the choices are read: the caller's connection, and the URL workers connect with."""

    connection: Connection  # read in the caller's transaction (one process)
    url: str  # each forked worker opens its own engine (never the parent's connections)


def workers_for(workers: int | None, size: int | None, tuning: Tuning) -> int:
    """How many processes filter a list of *size* bytes (None: not known, as for standard input):
    *workers* if given, else one per core for a list over ``tuning.parallel_from_bytes``."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1  # the workers are forked (Windows cannot): filter in one process there
    if workers is not None:
        return workers
    return (os.cpu_count() or 1) if size is None or size > tuning.parallel_from_bytes else 1


def filter_list(
    database: Database,
    campaign: CampaignInfo,
    source: IO[bytes],
    sink: IO[str],
    *,
    links: LinkSettings,
    workers: int | None,
    size: int | None = None,
    tuning: Tuning = Tuning(),
    progress: Callable[[int], None] | None = None,
) -> Summary:
    """Copy the rows of the CSV *source* (UTF-8 bytes, a BOM skipped) that may receive *campaign*
    to *sink*, with their links (a call list's rows with their E.164 number: :mod:`.calls`);
    *size* is the list's size in bytes, if known. Raises
    :class:`ListUnusable` if the list as a whole cannot be filtered."""
    count = workers_for(workers, size, tuning)
    if count > 1:
        return filter_csv_parallel(
            database.url,
            campaign,
            source,
            sink,
            links,
            workers=count,
            size=size or 0,
            tuning=tuning,
            progress=progress,
        )
    # Bytes that are not UTF-8 become lone surrogates: their row is reported as malformed.
    text = io.TextIOWrapper(source, encoding="utf-8-sig", errors=UNDECODABLE_BYTES, newline="")
    try:
        if is_phone_list(campaign):
            return filter_calls_csv(
                database.connection, campaign, text, sink, links.id_key, links.region, tuning=tuning, progress=progress
            )
        maker = LinkMaker(links.tokens, links.base_url, links.id_key, links.mailto_domain)
        return filter_csv(database.connection, campaign, text, sink, maker, tuning=tuning, progress=progress)
    finally:
        text.detach()  # the source stays the caller's to close


def filter_recipients(
    connection: Connection,
    campaign: CampaignInfo,
    recipients: Iterable[tuple[int, bytes, Mapping[str, Any]]],
    sink: IO[bytes],
    *,
    lang: str,
    links: LinkSettings,
    tuning: Tuning = Tuning(),
) -> Summary:
    """Write the recipients that may get *campaign* to *sink* as ``{"kept": [...], "summary": {...}}``:
    each as the bytes it was sent, its link fields added. :func:`filter_list`'s rules, for JSON.

    *recipients* are ``(position, raw JSON object, parsed object)``; *lang* is the language of
    those that name none (or none known). A call list's recipients get ``phone_e164`` instead."""
    if is_phone_list(campaign):
        return _filter_call_recipients(connection, campaign, recipients, sink, links=links, tuning=tuning)
    maker = LinkMaker(links.tokens, links.base_url, links.id_key, links.mailto_domain)
    summary = Summary()
    candidates = (
        BadRow(position, NUL_PROBLEM)
        if _holds_nul(recipient)
        else Candidate(raw, recipient.get("email"), _language_of(recipient.get("lang")) or lang)
        for position, raw, recipient in recipients
    )
    sink.write(b'{"kept":[')
    separator = b""
    for raw, pid_bytes, recipient_lang in sendable(
        connection, campaign, candidates, links.id_key, summary, tuning=tuning
    ):
        fields = dict(zip(LINK_COLUMNS, maker.columns(pid_bytes, campaign.id, recipient_lang), strict=True))
        opening = raw[:-1].rstrip()  # the recipient without its closing brace
        sink.write(separator + opening + (b"," if len(opening) > 1 else b"") + _dumps(fields)[1:].encode())
        separator = b","
    sink.write(b'],"summary":' + _dumps(summary.as_dict()).encode() + b"}")
    return summary


def _filter_call_recipients(
    connection: Connection,
    campaign: CampaignInfo,
    recipients: Iterable[tuple[int, bytes, Mapping[str, Any]]],
    sink: IO[bytes],
    *,
    links: LinkSettings,
    tuning: Tuning,
) -> Summary:
    """:func:`filter_recipients` for a call list: each kept recipient with its number in E.164 added."""
    summary = Summary()
    candidates = (
        BadRow(position, NUL_PROBLEM)
        if _holds_nul(recipient)
        else Call(raw, recipient.get("phone"), recipient.get("email"))
        for position, raw, recipient in recipients
    )
    sink.write(b'{"kept":[')
    separator = b""
    for raw, normal in sendable_calls(
        connection, campaign, candidates, links.id_key, links.region, summary, tuning=tuning
    ):
        opening = raw[:-1].rstrip()  # the recipient without its closing brace
        added = _dumps({PHONE_COLUMN: normal})[1:].encode()
        sink.write(separator + opening + (b"," if len(opening) > 1 else b"") + added)
        separator = b","
    sink.write(b'],"summary":' + _dumps(summary.as_dict()).encode() + b"}")
    return summary


def _holds_nul(recipient: Mapping[str, Any]) -> bool:
    """Whether a NUL is in any name or text of *recipient*: such a recipient is malformed, as in a CSV list."""
    return any(NUL in name or (isinstance(value, str) and NUL in value) for name, value in recipient.items())


def _language_of(tag: object) -> str | None:
    return language_of(tag) if isinstance(tag, str) else None


def _dumps(data: Any) -> str:
    # ASCII escapes keep a lone surrogate from the input encodable; NaN and Infinity are not JSON.
    return json.dumps(data, separators=(",", ":"), allow_nan=False)
