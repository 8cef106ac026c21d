"""``POST /api/v1/campaigns/{slug}/filter`` for a phone campaign: a call list in CSV or JSON, its
numbers normalized and kept only with a standing opt-in, an opt-out from the intake API
(``POST /api/v1/opt-outs``, as an IVR's "press 9" sends it) dropping the number at once, and the
links endpoint refusing a campaign whose messages are calls."""

from __future__ import annotations

import csv
import io
import json

import pytest

from optout.api import PREFIX
from tests.api import bearer, create_key
from tests.helpers.phones import decide_number

URL = f"{PREFIX}/campaigns/calls/filter"


@pytest.fixture
def calls(make_campaign, app):
    campaign = make_campaign("calls", topic="phone")
    decide_number(app, "+47 982 60 580", "topic:phone")
    decide_number(app, "+47 412 34 567", "topic:phone")
    return campaign


@pytest.fixture
def key(app):
    return create_key(app)


@pytest.fixture
def post(client, key, calls):
    def send(body: str | bytes, content_type: str = "text/csv", url: str = URL):
        return client.post(url, data=body, content_type=content_type, headers=bearer(key))

    return send


def _dropped(response) -> dict[str, int]:
    return {k: v for k, v in json.loads(response.headers["X-Optout-Dropped"]).items() if v}


def test_a_csv_call_list_keeps_each_opted_in_number_once_with_its_e164_form(post):
    body = "phone,name\n+47 982 60 580,Kari\n98260580,Kari\n0047 98 26 05 80,Kari\n(+47) 98 26 05 80,Kari\n"
    body += "41234567,Ola\n22 22 22 22,Per\n12345,Nobody\n"
    response = post(body)
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows == [
        {"phone": "+47 982 60 580", "name": "Kari", "phone_e164": "+4798260580"},
        {"phone": "41234567", "name": "Ola", "phone_e164": "+4741234567"},
    ]
    assert _dropped(response) == {"duplicate": 3, "no-consent": 1, "invalid-number": 1}
    assert response.headers["X-Optout-Rows-Read"] == "7"


def test_an_opt_out_from_the_intake_api_drops_the_number_from_the_next_list(post, app):
    answer = post(
        json.dumps(
            {
                "opt_outs": [
                    {
                        "phone": "0047 98 26 05 80",
                        "scope": "channel:phone",
                        "source": "ivr",
                        "occurred_at": "2026-11-30T09:15:00+01:00",
                    }
                ]
            }
        ),
        "application/json",
        f"{PREFIX}/opt-outs",
    )
    assert answer.status_code == 200 and answer.json["results"][0]["outcome"] == "recorded", answer.text
    response = post("phone\n(+47) 98 26 05 80\n41234567\n")
    assert [row["phone_e164"] for row in csv.DictReader(io.StringIO(response.text))] == ["+4741234567"]
    assert _dropped(response) == {"opted-out-channel": 1}


def test_a_json_call_list_gets_phone_e164_and_checks_an_email_too(post, decide):
    decide("kari@example.no", "topic:phone", "opt-in")
    decide("stopped@example.no", "everything")
    recipients = [
        {"phone": "98260580", "email": "kari@example.no", "id": 7},
        {"phone": "41234567", "email": "stopped@example.no"},
        {"phone": "+47 982 60 580"},
        {"phone": 98260580},
        {"email": "kari@example.no"},
        {"phone": "41234567", "email": "not an address"},
    ]
    response = post(json.dumps({"recipients": recipients}), "application/json")
    assert response.status_code == 200, response.text
    assert response.json["kept"] == [
        {"phone": "98260580", "email": "kari@example.no", "id": 7, "phone_e164": "+4798260580"}
    ]
    dropped = {k: v for k, v in response.json["summary"]["dropped"].items() if v}
    assert dropped == {"opted-out-everything": 1, "duplicate": 1, "invalid-number": 2, "invalid-address": 1}


def test_a_call_list_with_a_phone_e164_of_its_own_is_refused(post):
    csv_answer = post("phone,phone_e164\n98260580,+4798260580\n")
    assert csv_answer.status_code == 422 and "phone_e164" in csv_answer.json["message"]
    json_answer = post(json.dumps({"recipients": [{"phone": "98260580", "phone_e164": "x"}]}), "application/json")
    assert json_answer.status_code == 422 and json_answer.json["positions"] == [0]
    no_phone = post("email\nkari@example.no\n")
    assert no_phone.status_code == 422 and "no phone column" in no_phone.json["message"]


def test_a_phone_campaign_has_no_links(post):
    answer = post(json.dumps({"emails": ["kari@example.no"]}), "application/json", f"{PREFIX}/campaigns/calls/links")
    assert answer.status_code == 422 and answer.json["message"].startswith("a phone campaign has no links")
