"""A whole partner campaign, end to end: consents, a filtered list, one-click opt-outs and
preference changes, then the partner's report. No artefact meant for the partner holds an
address, a pseudonymous id or a token."""

from __future__ import annotations

import csv
import io
import json
import re

from tests.helpers.settings import BASE_URL
from tests.helpers.web import csrf_token

PEOPLE = [f"person{i}@example.no" for i in range(12)]


def test_partner_campaign_end_to_end(optout, client, tmp_path, make_campaign, pid_of, ledger):
    make_campaign("fjord-spring", partner="fjordreiser")
    consents = tmp_path / "consents.csv"
    consents.write_text(
        "email,topic,given_at,evidence\n" + "".join(f"{p},partner-offers,2025-03-01,web form v2\n" for p in PEOPLE[:8])
    )
    assert optout("consent", "import", str(consents)).exit_code == 0
    optout("suppress", "import", "-", "--scope", "partner:fjordreiser", input=f"email\n{PEOPLE[0]}\n")

    sending = tmp_path / "list.csv"
    sending.write_text(
        "email,first_name\n"
        + "".join(f"{p},Name{i}\n" for i, p in enumerate(PEOPLE))
        + "not-an-address,X\n"
        + f"{PEOPLE[3]},Again\n"
    )
    kept_file, filter_report = tmp_path / "kept.csv", tmp_path / "filter-report.json"
    result = optout(
        "filter", "--campaign", "fjord-spring", "--output", str(kept_file), "--report", str(filter_report), str(sending)
    )
    assert result.exit_code == 0
    kept = list(csv.DictReader(io.StringIO(kept_file.read_text())))
    assert [r["email"] for r in kept] == PEOPLE[1:8]

    # Recipients act: two one-click opt-outs (one repeated), one opts out of this partner only.
    client.post(kept[0]["unsubscribe_url"], data={"List-Unsubscribe": "One-Click"})
    client.post(kept[1]["unsubscribe_url"], data={"List-Unsubscribe": "One-Click"})
    client.post(kept[1]["unsubscribe_url"], data={"List-Unsubscribe": "One-Click"})
    page = client.get(kept[2]["preferences_url"])
    shown = re.findall(r'name="shown" value="([^"]+)"', page.text)
    wanted = [s for s in shown if s != "partner:fjordreiser" and s != "topic:phone"]
    client.post(
        kept[2]["preferences_url"],
        data={"csrf_token": csrf_token(page.text), "shown": shown, "want": wanted},
        headers={"Referer": kept[2]["preferences_url"]},
    )

    as_json = optout("report", "campaign", "fjord-spring")
    as_csv = optout("report", "campaign", "fjord-spring", "--format", "csv")
    assert as_json.exit_code == 0 and as_csv.exit_code == 0
    report = json.loads(as_json.stdout)
    assert report["partner"] == "Fjordreiser AS"
    assert report["lists_submitted"] == 1 and report["rows_submitted"] == 14 and report["rows_kept"] == 7
    assert {k: v for k, v in report["rows_dropped"].items() if v} == {
        "invalid-address": 1,
        "duplicate": 1,
        "opted-out-partner": 1,
        "no-consent": 4,
    }
    [day] = report["opt_outs_per_day"]
    assert (day["total"], day["campaign-topic"], day["this-partner"]) == (3, 2, 1)
    assert "section,name,value" in as_csv.stdout and "rows_kept,7" in as_csv.stdout

    # The artefacts meant for the partner hold counts only.
    artefacts = {
        "report.json": as_json.stdout,
        "report.csv": as_csv.stdout,
        "filter-report.json": filter_report.read_text(),
    }
    secrets = set(PEOPLE) | {pid_of(p) for p in PEOPLE} | {"example.no", "@"}
    for row in kept:
        secrets |= {row["unsubscribe_url"].rsplit("/", 1)[1], row["preferences_url"].rsplit("/", 1)[1]}
    for event in ledger():
        secrets |= {event["pid"], event["change_id"]}
    for name, text in artefacts.items():
        for secret in secrets:
            assert secret not in text, f"{name} contains {secret!r}"
        assert BASE_URL not in text and "/u/" not in text and "/p/" not in text


def test_report_of_an_unknown_campaign(optout):
    result = optout("report", "campaign", "ghost")
    assert result.exit_code == 1 and "unknown campaign 'ghost'" in result.output
