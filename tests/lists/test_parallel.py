"""``optout filter`` with workers gives the very bytes of the one-process filter: same rows, same
links, same summary and the same line numbers for malformed rows, whatever the input's quoting,
line ends or repeats, and wherever the chunks are cut."""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers.phones import decide_number

addresses = st.sampled_from(["kari@example.no", "KARI@example.no ", "ola@example.no", "out@example.no", "x@y", ""])
fields = st.one_of(addresses, st.text(alphabet=st.sampled_from('ab,"\r\n ø\x00'), max_size=5))
# Rows written by csv.writer, so quote characters only ever open or close a quoted field (chunks
# are cut by counting quotes), but with any line end, fields that span lines, blank lines and
# rows with the wrong number of fields; and maybe a last record whose quote never closes.
rows = st.lists(st.tuples(st.lists(fields, max_size=4), st.sampled_from(["\n", "\r\n", "\r"])), max_size=25)
last = st.sampled_from(["", '"never closed\n', "no,line,end"])


def written(records: list[tuple[list[str], str]], tail: str) -> bytes:
    buffer = io.StringIO()
    for fields_, end in records:
        csv.writer(buffer, lineterminator=end).writerow(fields_)
    return ("email,a,b\n" + buffer.getvalue() + tail).encode()


@pytest.fixture
def filtered(optout, tmp_path, monkeypatch):
    def filter_(
        data: bytes, workers: int, block: int, campaign: str = "newsletter"
    ) -> tuple[bytes, dict[str, object], str]:
        # Tiny slots with tiny chunks: outputs too big for their shared-memory slot take the pipe.
        tuning = {"block": block, "slot_bytes": 400 if block < 1024 else 8 << 20}
        monkeypatch.setenv("OPTOUT_FILTER_TUNING", json.dumps(tuning))
        source, out, report = tmp_path / "list.csv", tmp_path / f"out-{workers}.csv", tmp_path / "report.json"
        source.write_bytes(data)
        result = optout(
            "filter", "--campaign", campaign, "--workers", str(workers), "--output", str(out),
            "--report", str(report), str(source),
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        return out.read_bytes(), json.loads(report.read_text()), result.output

    return filter_


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=rows, tail=last, block=st.sampled_from([16, 64, 1 << 18]))
def test_workers_write_what_one_process_writes(filtered, make_campaign, decide, app, records, tail, block):
    with app.app_context():
        from optout.catalog import service as catalog
        from optout.web.session import get_session

        if catalog.campaigns(get_session()) == []:
            make_campaign("newsletter", topic="periodic")
            decide("out@example.no", "topic:periodic")
    data = written(records, tail)
    assert filtered(data, 2, block) == filtered(data, 1, block)


numbers = st.sampled_from(["+47 982 60 580", "98260580", "0047 98 26 05 80", "41234567", "+4741555555", "12", ""])
call_fields = st.one_of(numbers, addresses, st.text(alphabet=st.sampled_from('ab,"\r\n ø'), max_size=4))
call_rows = st.lists(
    st.tuples(st.tuples(numbers | call_fields, addresses | call_fields, call_fields), st.sampled_from(["\n", "\r\n"])),
    max_size=25,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=call_rows, block=st.sampled_from([16, 64, 1 << 18]))
def test_workers_write_what_one_process_writes_for_a_call_list(filtered, make_campaign, decide, app, records, block):
    with app.app_context():
        from optout.catalog import service as catalog
        from optout.web.session import get_session

        if catalog.campaigns(get_session()) == []:
            make_campaign("calls", topic="phone")
            for number in ("+4798260580", "+4741234567"):
                decide_number(app, number, "topic:phone")
            decide_number(app, "+4741555555", "everything", "opt-out")
            decide("kari@example.no", "topic:phone", "opt-in")
            decide("out@example.no", "everything")
    buffer = io.StringIO()
    for fields_, end in records:
        csv.writer(buffer, lineterminator=end).writerow(fields_)
    data = ("phone,email,note\n" + buffer.getvalue()).encode()
    one = filtered(data, 1, block, "calls")
    assert filtered(data, 2, block, "calls") == one
