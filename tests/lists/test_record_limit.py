"""A CSV record over the limit is refused before it is decoded, by the stream that reads it: on
the API, 422 with the line it starts on; records just under the limit, quoted newlines and all,
pass through unchanged."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from optout.api import RECORD_MAX_BYTES
from optout.lists.recordlimit import RecordLimit, RecordTooLong
from tests.api import bearer, create_key

pytestmark = pytest.mark.dialect_independent("the CSV reader's record limit, before any query")

URL = "/api/v1/campaigns/newsletter/filter"
EMOJI = "😀"  # four bytes in UTF-8, outside the Basic Multilingual Plane


def _read(data: bytes, limit: int, size: int = 7) -> bytes:
    stream = RecordLimit(io.BytesIO(data), limit)
    parts = []
    while chunk := stream.read(size):
        parts.append(chunk)
    return b"".join(parts)


@given(
    st.lists(st.text(alphabet='ab",\n', max_size=12), max_size=12),
    st.integers(1, 40),
    st.integers(1, 50),
)
def test_the_stream_refuses_exactly_the_records_over_the_limit(records, limit, size):
    data = "".join(records).encode()
    # The oracle: cut at line ends outside quotes, as csv does, and measure each record.
    longest, run, quoted = 0, 0, False
    for byte in data:
        run += 1
        quoted ^= byte == ord('"')
        if byte == ord("\n") and not quoted:
            longest, run = max(longest, run), 0
    longest = max(longest, run)
    if longest > limit:
        with pytest.raises(RecordTooLong):
            _read(data, limit, size)
    else:
        assert _read(data, limit, size) == data


def test_the_error_names_the_line_the_record_starts_on():
    data = b'email,note\na@example.no,"one\ntwo\nthree"\nb@example.no,' + b"x" * 100 + b"\n"
    with pytest.raises(RecordTooLong) as raised:
        _read(data, 60, size=4096)
    assert raised.value.line == 5


@pytest.fixture
def post_csv(app, client, make_campaign):
    make_campaign("newsletter", topic="periodic")
    key = create_key(app)

    def post(body: bytes):
        return client.post(URL, data=body, content_type="text/csv", headers=bearer(key))

    return post


def test_a_csv_record_over_a_mebibyte_is_a_422_before_it_is_decoded(post_csv):
    long_note = EMOJI * (RECORD_MAX_BYTES // 4 + 1)
    response = post_csv(f"email,note\nkari@example.no,short\nola@example.no,{long_note}\n".encode())
    assert response.status_code == 422 and response.json["error"] == "unusable-body"
    assert "line 3" in response.json["message"] and str(RECORD_MAX_BYTES) in response.json["message"]
    assert "ola" not in response.text


def test_a_csv_record_just_under_a_mebibyte_passes(post_csv):
    prefix = "ola@example.no,"
    note = EMOJI * ((RECORD_MAX_BYTES - len(prefix) - 1) // 4)
    response = post_csv(f"email,note\n{prefix}{note}\n".encode())
    assert response.status_code == 200, response.get_data()[:200]
    assert json.loads(response.headers["X-Optout-Dropped"])["malformed-row"] == 1  # over csv's field limit
