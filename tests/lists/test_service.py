"""The list-filtering service: which engine it picks, and that both write the same bytes."""

from __future__ import annotations

import io
import multiprocessing
import os

import pytest

from optout.lists.service import Database, LinkSettings, Tuning, filter_list, workers_for

forks = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="workers are forked")
CORES = os.cpu_count() or 1


@forks
def test_workers_are_one_per_core_for_long_or_unsized_lists_unless_asked_for():
    tuning = Tuning()
    assert workers_for(None, 1000, tuning) == 1
    assert workers_for(None, (1 << 20) + 1, tuning) == CORES
    assert workers_for(None, None, tuning) == CORES  # standard input: its size is not known
    assert workers_for(None, 1000, Tuning(parallel_from_bytes=999)) == CORES
    assert workers_for(3, 10, tuning) == 3


def test_one_process_where_there_is_no_fork(monkeypatch):
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    assert workers_for(4, None, Tuning()) == 1


@forks
@pytest.mark.parametrize(
    "tuning",
    [Tuning(block=32, slot_bytes=300, load_at_most=0), Tuning(block=32, rows_estimate=10**9, wait_for_loader=True)],
)
def test_workers_write_the_bytes_one_process_writes(app, make_campaign, decide, tuning):
    from optout.catalog import service as catalog
    from optout.catalog.cache import CampaignInfo
    from optout.web.extensions import get_settings, get_tokens
    from optout.web.session import get_session

    make_campaign("newsletter", topic="periodic")
    decide("out@example.no", "topic:periodic")
    data = b"email,n\n" + b"".join(
        f"p{n % 9}@example.no,{n}\nout@example.no,x\nnot-an-address,\n".encode() for n in range(30)
    )
    with app.app_context():
        session = get_session()
        settings = get_settings()
        campaign = CampaignInfo.of(catalog.campaign_by_slug(session, "newsletter"))
        database = Database(session.connection(), settings.database_url)
        links = LinkSettings(get_tokens(), settings.base_url, settings.id_key)

        def run(workers: int) -> tuple[str, dict[str, object]]:
            sink = io.StringIO(newline="")
            summary = filter_list(
                database, campaign, io.BytesIO(data), sink, links=links, workers=workers, tuning=tuning
            )
            return sink.getvalue(), summary.as_dict()

        one, two = run(1), run(2)
    assert one == two
    assert one[1]["rows_kept"] == 9 and one[1]["dropped"]["opted-out-topic"] == 1
