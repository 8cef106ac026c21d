"""Policy versions: events record the version in force; a material change makes older consents stale
until the person opts in again."""

from __future__ import annotations

import json

import pytest

from tests.helpers.web import csrf_token


@pytest.fixture
def newsletter(make_campaign):
    return make_campaign("newsletter", topic="periodic")


def _add(optout, version, date, *extra):
    result = optout(
        "policy", "add", version, "--date", date, "--url", f"https://example.no/personvern/{version}", *extra
    )
    assert result.exit_code == 0, result.output
    return result


def _stale(optout):
    result = optout("policy", "stale", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_versions_are_registered_once_and_listed(optout):
    _add(optout, "2024-01", "2024-01-01")
    _add(optout, "2025-06", "2025-06-01", "--material")
    again = optout("policy", "add", "2024-01", "--date", "2024-02-01", "--url", "https://example.no/x")
    assert again.exit_code == 2
    assert "already registered" in again.output
    listed = [json.loads(line) for line in optout("policy", "list").output.splitlines()]
    assert [(p["version"], p["material"], p["in_force"]) for p in listed] == [
        ("2024-01", False, False),
        ("2025-06", True, True),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "tomorrow", "--url", "https://x.no"], "--date"),
        (["--date", "2024-01-01", "--url", "ftp://x"], "URL"),
    ],
)
def test_bad_registrations_are_refused(optout, args, message):
    result = optout("policy", "add", "v1", *args)
    assert result.exit_code == 2
    assert message in result.output


def test_events_record_the_version_in_force(optout, decide, ledger, links, client, newsletter):
    _add(optout, "2025-06", "2025-06-01")
    _add(optout, "2099-01", "2099-01-01", "--material")  # registered ahead: not yet in force
    optout("recipient", "opt-out", "kari@example.no")
    client.post(links("ola@example.no", newsletter).unsubscribe_url, data={"List-Unsubscribe": "One-Click"})
    assert [event["policy_version"] for event in ledger()] == ["2025-06", "2025-06"]
    assert _stale(optout)["material_since"] is None


def test_a_material_change_makes_older_consents_stale_until_renewed(
    optout, decide, links, client, newsletter, choices, pid_of
):
    decide("kari@example.no", "topic:phone", "opt-in")
    decide("ola@example.no", "topic:partner-offers", "opt-in")
    decide("per@example.no", "topic:periodic", "opt-out")
    assert _stale(optout) == {"material_since": None, "partner-offers": 0, "phone": 0}
    _add(optout, "2026-01", "2026-01-01", "--material")
    assert _stale(optout) == {"material_since": "2026-01-01", "partner-offers": 1, "phone": 1}

    url = links("kari@example.no", newsletter).preferences_url
    page = client.get(url)
    assert "Personvernerklæringen vår er endret" in page.text
    shown = ["topic:periodic", "topic:partner-offers", "topic:phone", "channel:email", "channel:phone"]
    saved = client.post(
        url,
        data={"csrf_token": csrf_token(page.text), "shown": shown, "want": [*shown[:1], "topic:phone", *shown[3:]]},
        headers={"Referer": url},
    )
    assert saved.status_code == 303
    assert _stale(optout) == {"material_since": "2026-01-01", "partner-offers": 1, "phone": 0}
    assert "Personvernerklæringen vår er endret" not in client.get(url).text


def test_a_non_material_change_keeps_consents(optout, decide):
    decide("kari@example.no", "topic:phone", "opt-in")
    _add(optout, "2026-02", "2026-02-01")
    assert _stale(optout)["phone"] == 0


def test_imported_consents_record_the_version_in_force_when_given(optout, tmp_path, ledger):
    _add(optout, "2020-01", "2020-01-01")
    _add(optout, "2025-01", "2025-01-01", "--material")
    path = tmp_path / "consents.csv"
    path.write_text(
        "email,topic,given_at,evidence\n"
        "old@example.no,phone,2022-05-01,form v1\n"
        "new@example.no,phone,2025-05-01,form v2\n"
    )
    result = optout("consent", "import", str(path))
    assert result.exit_code == 0, result.output
    assert [event["policy_version"] for event in ledger()] == ["2020-01", "2025-01"]
    assert _stale(optout)["phone"] == 1
    # a newer consent renews a stale one; an older one never replaces a fresh one
    path.write_text("email,topic,given_at,evidence\nold@example.no,phone,2025-03-01,form v2\n")
    assert json.loads(optout("consent", "import", str(path)).stdout)["recorded"] == 1
    assert _stale(optout)["phone"] == 0
    path.write_text("email,topic,given_at,evidence\nold@example.no,phone,2021-03-01,form v1\n")
    assert json.loads(optout("consent", "import", str(path)).stdout)["skipped-already-opted-in"] == 1
    assert _stale(optout)["phone"] == 0


def test_the_page_footer_links_the_policy_in_force(optout, client, links, newsletter):
    _add(optout, "2026-03", "2026-03-01")
    page = client.get(links("kari@example.no", newsletter).preferences_url + "?lang=en")
    assert "https://example.no/personvern/2026-03" in page.text
    assert "2026-03-01" in page.text


@pytest.mark.parametrize("workers", ["1", "2-loading", "2-probing"])
def test_the_filter_drops_stale_consents_with_their_own_reason(
    optout, make_campaign, decide, tmp_path, workers, monkeypatch
):
    if workers == "2-loading":  # every choice read at the start, as for a long list
        monkeypatch.setenv("OPTOUT_FILTER_TUNING", json.dumps({"rows_estimate": 10**9, "wait_for_loader": True}))
    elif workers == "2-probing":
        monkeypatch.setenv("OPTOUT_FILTER_TUNING", json.dumps({"load_at_most": 0}))
    workers = workers[0]
    make_campaign("offer", partner="acme")
    decide("old@example.no", "topic:partner-offers", "opt-in")
    source = tmp_path / "list.csv"
    source.write_text("email\nold@example.no\nnever@example.no\n")

    def run():
        out, report = tmp_path / "out.csv", tmp_path / "report.json"
        args = ["--workers", workers, "--output", str(out), "--report", str(report), str(source)]
        result = optout("filter", "--campaign", "offer", *args)
        assert result.exit_code == 0, result.output
        return out.read_text(), json.loads(report.read_text())["dropped"]

    kept, dropped = run()
    assert "old@example.no" in kept
    _add(optout, "2026-01", "2026-01-01", "--material")
    kept, dropped = run()
    assert "old@example.no" not in kept
    assert dropped["consent-predates-policy"] == 1
    assert dropped["no-consent"] == 1
    renewal = tmp_path / "renewal.csv"
    renewal.write_text("email,topic,given_at,evidence\nold@example.no,partner-offers,2026-02-01,new signup form\n")
    assert json.loads(optout("consent", "import", str(renewal)).stdout)["recorded"] == 1  # under the new version
    kept, dropped = run()
    assert "old@example.no" in kept
    assert dropped["consent-predates-policy"] == 0
