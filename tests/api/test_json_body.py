"""The JSON filter body: recipients are flat records of scalars, NaN and Infinity are not JSON, a
recipient is at most 1 MiB, and a kept recipient comes back as the bytes it was sent."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import text

from optout.api import RECORD_MAX_BYTES, views
from tests.api import bearer, create_key

pytestmark = pytest.mark.dialect_independent(
    "the JSON body reader, before any query; the filter's decisions run on both in test_filter_api.py"
)

URL = "/api/v1/campaigns/newsletter/filter"


@pytest.fixture
def send(app, client, make_campaign):
    make_campaign("newsletter", topic="periodic")
    key = create_key(app)

    def post(body: bytes | str):
        return client.post(URL, data=body, content_type="application/json", headers=bearer(key))

    return post


@pytest.fixture
def runs(app):
    def count() -> int:
        with app.extensions["optout.db"].engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM filter_run")).scalar_one())

    return count


@pytest.mark.parametrize(
    "nested",
    ['{"x": 1}', "[]", '["a"]', '{"email": "hidden@example.no"}'],
)
def test_a_recipient_holding_an_object_or_array_is_a_422_with_its_position(send, runs, nested):
    body = f'{{"recipients": [{{"email": "a@example.no"}}, {{"email": "b@example.no", "more": {nested}}}]}}'
    response = send(body)
    assert response.status_code == 422 and response.json["error"] == "unusable-body"
    assert "strings, numbers, true, false or null" in response.json["message"]
    assert response.json["positions"] == [1]
    assert "example.no" not in response.text and runs() == 0


def test_a_deeply_nested_recipient_is_refused_without_being_parsed(send):
    body = '{"recipients": [{"email": "a@example.no", "x": [' + "{}," * 2_000_000 + "{}]}]}"
    started = time.perf_counter()
    response = send(body)
    assert response.status_code == 422 and response.json["positions"] == [0]
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999", "-1e400"])
@pytest.mark.parametrize("where", ["field", "recipient"])
def test_nan_and_infinity_are_not_json_and_are_a_422(send, runs, number, where):
    recipient = f'{{"email": "a@example.no", "score": {number}}}' if where == "field" else number
    response = send(f'{{"recipients": [{recipient}]}}')
    assert response.status_code == 422 and response.json["error"] == "unusable-body"
    assert "not valid JSON" in response.json["message"] and "JSON number" in response.json["message"]
    assert runs() == 0


def test_a_recipient_over_a_mebibyte_is_a_422(send, runs):
    padding = "x" * RECORD_MAX_BYTES
    body = json.dumps({"recipients": [{"email": "a@example.no"}, {"email": "b@example.no", "pad": padding}]})
    response = send(body)
    assert response.status_code == 422 and response.json["positions"] == [1]
    assert str(RECORD_MAX_BYTES) in response.json["message"] and runs() == 0


def test_kept_recipients_come_back_as_the_bytes_they_were_sent(send):
    first = '{ "email" : "kari@example.no" , "note": "Ø \\u00f8 😀 \\"}\\" {[]}", "n": 1.50 }'
    second = '{"email":"ola@example.no"}'
    response = send(f'\ufeff{{"lang":"en", "recipients":[\n{first},\n{second}\n]}}'.encode())
    assert response.status_code == 200
    kept = response.json["kept"]
    assert [k["email"] for k in kept] == ["kari@example.no", "ola@example.no"]
    assert kept[0]["note"] == 'Ø ø 😀 "}" {[]}'
    assert first.rstrip("} ").encode() + b',"unsubscribe_url":' in response.data
    assert response.json["summary"]["rows_kept"] == 2


def test_an_empty_recipient_is_an_invalid_address_and_the_answer_stays_json(send):
    response = send('{"recipients": [{}, { }, {"email": "a@example.no"}]}')
    assert response.status_code == 200
    assert response.json["summary"]["dropped"]["invalid-address"] == 2


@pytest.mark.parametrize(
    "body",
    [
        '{"recipients": [], "recipients": [{"email": "a@example.no"}]}',
        '{"recipients": [{"email": "a@example.no"},]}',
        '{"recipients": [],}',
        '{"recipients": [{"email": "a@example.no"}]} trailing',
        '{"recipients": [{"email": "a@example.no" "x": 1}]}',
        '{"recipients": [{"email": "a@example.no"}], "lang": 7}',
        '{"recipients": [{\x00"\x00e\x00"\x00:\x001\x00}\x00]}',
    ],
)
def test_a_body_that_is_not_json_of_the_right_shape_is_a_422(send, runs, body):
    response = send(body)
    assert response.status_code == 422 and response.json["error"] == "unusable-body"
    assert runs() == 0


def test_too_many_recipients_is_a_413_before_the_rest_is_read(send, monkeypatch):
    monkeypatch.setattr(views, "FILTER_JSON_MAX_RECIPIENTS", 2)
    body = '{"recipients": [{"email": "a@example.no"}, {"email": "b@example.no"}, {"email": "c@example.no"}, oops'
    response = send(body)
    assert response.status_code == 413 and "send CSV" in response.json["message"]
