"""The filter decides on the person: a number's opt-out, reported through the intake API, drops the
linked address from an email list (one process and workers alike), and unlinking parts them again."""

from __future__ import annotations

import json

from optout.api import PREFIX, Scope
from tests.api import bearer, create_key

WHEN = "2026-11-30T09:15:00+01:00"
LIST = "email\nkari@example.no\nola@example.no\n"


def _report_stop(client, app, scope: str = "everything") -> None:
    key = create_key(app, "ivr", (Scope.OPT_OUTS,))
    body = {"opt_outs": [{"phone": "98260580", "scope": scope, "source": "ivr", "occurred_at": WHEN}]}
    answer = client.post(
        f"{PREFIX}/opt-outs", data=json.dumps(body), content_type="application/json", headers=bearer(key)
    )
    assert answer.json["summary"]["recorded"] == 1, answer.text


def test_a_phone_opt_out_through_the_api_drops_the_linked_address(run, newsletter, optout, client, app):
    linked = optout("recipient", "link", "kari@example.no", "+47 982 60 580")
    assert linked.exit_code == 0, linked.output
    _report_stop(client, app)
    result, rows, summary = run(LIST)
    assert result.exit_code == 0, result.output
    assert [r["email"] for r in rows] == ["ola@example.no"]
    assert summary["dropped"]["opted-out-everything"] == 1
    optout("recipient", "unlink", "kari@example.no", "+47 982 60 580")
    _result, rows, _summary = run(LIST)
    assert [r["email"] for r in rows] == ["kari@example.no", "ola@example.no"]


def test_a_later_opt_in_of_the_address_wins_over_the_numbers_older_opt_out(
    run, newsletter, optout, client, app, decide
):
    _report_stop(client, app)
    optout("recipient", "link", "kari@example.no", "98260580")  # linked after the stop: it counts all the same
    _result, rows, _summary = run(LIST)
    assert [r["email"] for r in rows] == ["ola@example.no"]
    decide("kari@example.no", "everything", "opt-in")  # the person came back, later, on the address
    _result, rows, _summary = run(LIST)
    assert [r["email"] for r in rows] == ["kari@example.no", "ola@example.no"]
