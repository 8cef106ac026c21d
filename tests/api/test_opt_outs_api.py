"""``POST /api/v1/opt-outs``: opt-outs from an IVR, an SMS gateway, an email provider or support,
answered record by record; only opt-outs, idempotent, scoped, and never echoing who was sent."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from openapi_schema_validator import OAS31Validator

from optout.api import OPT_OUTS_MAX_RECORDS, PREFIX, Scope
from optout.phones import phone_id
from tests.api import bearer, create_key
from tests.helpers.settings import ID_KEY

URL = f"{PREFIX}/opt-outs"
WHEN = "2026-11-30T09:15:00+01:00"


@pytest.fixture
def key(app):
    return create_key(app, "ivr-gateway", (Scope.OPT_OUTS,))


@pytest.fixture
def post(client, key):
    def send(records: object, *, body: object = None, headers: dict[str, str] | None = None):
        payload = {"opt_outs": records} if body is None else body
        return client.post(
            URL,
            data=json.dumps(payload),
            content_type="application/json",
            headers=bearer(key) if headers is None else headers,
        )

    return send


def record(**fields: object) -> dict[str, object]:
    return {"email": "kari@example.no", "scope": "everything", "source": "esp", "occurred_at": WHEN, **fields}


def test_a_batch_is_answered_record_by_record_and_never_echoes_an_address(post, ledger, pid_of):
    sent = [
        record(evidence="complaint 8812"),
        {"phone": "+47 982 60 580", "scope": "channel:phone", "source": "ivr", "occurred_at": WHEN},
        record(email="not an address"),
        {"phone": "123", "scope": "channel:phone", "source": "ivr", "occurred_at": WHEN},
        record(phone="+4798260580"),  # both
        record(scope="topic:nothing"),
        record(source="cli"),  # only systems that hear "stop" report here
        record(occurred_at="2026-11-30T09:15:00"),  # no offset
        record(occurred_at=(dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()),
        record(action="opt-in"),  # there is no way to send an opt-in
        "kari@example.no",
    ]
    answer = post(sent)
    assert answer.status_code == 200, answer.text
    outcomes = [(r["index"], r["outcome"]) for r in answer.json["results"]]
    assert outcomes == [(0, "recorded"), (1, "recorded"), *((i, "invalid") for i in range(2, 11))]
    problems = [r.get("problem", "") for r in answer.json["results"]]
    assert "exactly one of email and phone" in problems[4] and "future" in problems[8] and "'action'" in problems[9]
    assert answer.json["summary"] == {"recorded": 2, "already": 0, "invalid": 9}
    assert "kari@" not in answer.text and "982" not in answer.text
    events = ledger()
    assert [(e["pid"], e["scope"], e["action"], e["source"]) for e in events] == [
        (pid_of("kari@example.no"), "everything", "opt-out", "esp"),
        (phone_id(ID_KEY.encode(), "98260580").hex(), "channel:phone", "opt-out", "ivr"),
    ]
    assert events[0]["evidence"] == "api:ivr-gateway: complaint 8812" and events[1]["evidence"] == "api:ivr-gateway"
    stored = dt.datetime.fromisoformat(str(events[0]["occurred_at"]))  # naive UTC, as both databases keep it
    assert stored.replace(tzinfo=None) == dt.datetime(2026, 11, 30, 8, 15)


def test_every_spelling_of_a_number_is_one_person(post, ledger):
    spellings = ["+47 982 60 580", "98260580", "0047 98 26 05 80", "(+47) 98 26 05 80"]
    answer = post([{"phone": p, "scope": "channel:phone", "source": "sms", "occurred_at": WHEN} for p in spellings])
    assert [r["outcome"] for r in answer.json["results"]] == ["recorded", "already", "already", "already"]
    assert len({e["pid"] for e in ledger()}) == 1


def test_the_same_report_twice_records_nothing_even_after_a_newer_opt_in(post, ledger, decide):
    assert post([record()]).json["summary"]["recorded"] == 1
    decide("kari@example.no", "everything", "opt-in")  # the person came back, later
    again = post([record()])
    assert [r["outcome"] for r in again.json["results"]] == ["already"]
    assert [e["action"] for e in ledger()] == ["opt-out", "opt-in"]  # the newer opt-in stands
    later = post([record(occurred_at="2026-12-01T10:00:00Z", source="support")])
    assert [r["outcome"] for r in later.json["results"]] == ["recorded"]  # a new report is a new opt-out


def test_a_reported_opt_out_drops_the_person_from_every_list(app, post, make_campaign, client):
    make_campaign("newsletter", topic="periodic")
    post([record()])
    filter_key = create_key(app, "mailer", (Scope.FILTER,))
    filtered = client.post(
        f"{PREFIX}/campaigns/newsletter/filter",
        json={"recipients": [{"email": "KARI@example.no"}, {"email": "ola@example.no"}]},
        headers=bearer(filter_key),
    )
    assert [r["email"] for r in filtered.json["kept"]] == ["ola@example.no"]
    assert filtered.json["summary"]["dropped"]["opted-out-everything"] == 1


def test_the_operation_needs_the_opt_outs_scope(app, post, ledger):
    other = create_key(app, "mailer", (Scope.FILTER, Scope.LINKS))
    answer = post([record()], headers=bearer(other))
    assert answer.status_code == 403 and answer.json["error"] == "insufficient-scope"
    assert post([record()], headers={}).status_code == 401
    assert ledger() == []


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"opt_outs": []}, 422),
        ({"opt_outs": [record()] * (OPT_OUTS_MAX_RECORDS + 1)}, 422),
        ({"records": [record()]}, 422),
        ({"opt_outs": [record()], "lang": "nb"}, 422),
        ([record()], 422),
    ],
)
def test_a_body_that_cannot_be_used_changes_nothing(post, ledger, body, status):
    answer = post(None, body=body)
    assert answer.status_code == status and answer.json["error"] == "unusable-body"
    assert ledger() == []


def test_wrong_media_type_and_oversized_bodies_are_refused(client, key, ledger):
    assert client.post(URL, data="x", content_type="text/plain", headers=bearer(key)).status_code == 415
    big = json.dumps({"opt_outs": [record(evidence="x" * 400)] * 3000})
    assert len(big) > 1 << 20
    assert client.post(URL, data=big, content_type="application/json", headers=bearer(key)).status_code == 413
    assert client.post(URL, data="{", content_type="application/json", headers=bearer(key)).status_code == 422
    assert ledger() == []


def test_each_call_is_audited_as_counts(post, audit_log):
    post([record(), record(email="bad")])
    actor, action, subject, data = audit_log()[-1]
    assert (actor, action, subject) == ("api:ivr-gateway", "api-opt-outs", None)
    assert (data["recorded"], data["already"], data["invalid"], data["status"]) == (1, 0, 1, 200)
    assert "kari" not in json.dumps(data)


def test_the_documented_example_and_real_answers_fit_the_schemas(client, post):
    document = client.get(f"{PREFIX}/openapi.json").json
    operation = document["paths"]["/opt-outs"]["post"]
    example = operation["requestBody"]["content"]["application/json"]["example"]

    def check(name: str, instance: object) -> None:
        OAS31Validator({"$ref": f"#/components/schemas/{name}", "components": document["components"]}).validate(
            instance
        )

    check("OptOutsRequest", example)
    answer = post(example["opt_outs"])
    assert answer.json["summary"] == {"recorded": 2, "already": 0, "invalid": 0}
    check("OptOutsResult", answer.json)
    check("OptOutsResult", post([record(email="bad")]).json)
