"""``/metrics``: only with the bearer key (404 without one configured), counts of decisions by
source, topic and action (committed only), filter runs and rows, HTTP requests by endpoint class,
latency and throttling; and no label ever holds a token, a pid, an address or a visitor's slug."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from optout.consent import service as consent
from optout.identity import pseudonymous_id
from optout.models import Action, Source
from optout.web.session import get_session
from tests.helpers.officers import log_in
from tests.helpers.settings import BASE_URL, ID_KEY

KEY = "metrics-bearer-key-0123456789-abcdefghijk"
BEARER = {"Authorization": f"Bearer {KEY}"}
EMAIL = "kari.hemmelig@example.no"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
def metered(make_app) -> FlaskClient:
    """A client of an app with ``OPTOUT_METRICS_KEY`` set (the counts are the process's)."""
    return make_app(OPTOUT_METRICS_KEY=KEY).test_client()


def scrape(client: FlaskClient) -> tuple[str, Samples]:
    """The exposition text and its samples by (name, labels)."""
    response = client.get(f"{BASE_URL}/metrics", headers=BEARER)
    assert response.status_code == 200, response.text
    samples = {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }
    return response.text, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.mark.dialect_independent("the key check answers before any query")
def test_metrics_are_404_without_a_key_and_need_the_bearer_key(client, metered):
    assert client.get(f"{BASE_URL}/metrics", headers=BEARER).status_code == 404  # nothing exposed by default
    for headers in ({}, {"Authorization": "Bearer wrong-key"}, {"Authorization": f"Basic {KEY}"}):
        refused = metered.get(f"{BASE_URL}/metrics", headers=headers)
        assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")
        assert "optout_" not in refused.text
    answer = metered.get(f"{BASE_URL}/metrics", headers=BEARER)
    assert answer.status_code == 200 and answer.content_type.startswith("text/plain; version=")
    assert answer.headers["Cache-Control"] == "no-store"
    assert "optout_http_requests_total" in answer.text


@pytest.mark.dialect_independent("configuration")
def test_a_short_metrics_key_is_refused_at_start(make_app):
    from optout.config import ConfigError

    with pytest.raises(ConfigError, match="OPTOUT_METRICS_KEY"):
        make_app(OPTOUT_METRICS_KEY="short")


def test_pages_with_tokens_and_addresses_are_counted_by_class_and_leave_no_secret_in_metrics(
    client, metered, make_campaign, links, pid_of
):
    campaign = make_campaign("visitor-chosen-slug", topic="periodic")
    link = links(EMAIL, campaign)
    _text, before = scrape(metered)
    assert client.post(link.unsubscribe_url, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert client.get(link.preferences_url).status_code == 200
    assert client.get(f"{BASE_URL}/u/not-a-token-{EMAIL}").status_code == 404
    assert client.get(f"{BASE_URL}/p/{pid_of(EMAIL)}?email={EMAIL}").status_code == 404
    assert client.get(f"{BASE_URL}/nowhere/{EMAIL}").status_code == 404
    log_in(client, EMAIL, "not the password")
    text, after = scrape(metered)

    def grew(name: str, by: float = 1, **labels: str) -> None:
        assert value(after, name, **labels) - value(before, name, **labels) == by, (name, labels)

    grew("optout_decisions_total", source="one-click", topic="periodic", action="opt-out")
    grew("optout_http_requests_total", endpoint="unsubscribe", method="POST", status="200")
    grew("optout_http_requests_total", endpoint="preferences", method="GET", status="200")
    grew("optout_http_requests_total", endpoint="other", method="GET", status="404")
    grew("optout_http_request_duration_seconds_count", 2, endpoint="unsubscribe")  # the one-click and a bad link
    grew("optout_throttle_counted_total", 2, kind="bad-link")
    grew("optout_throttle_counted_total", kind="login")
    token = link.unsubscribe_url.rsplit("/", 1)[1]
    for secret in (token, link.preferences_url.rsplit("/", 1)[1], pid_of(EMAIL), EMAIL, "visitor-chosen-slug"):
        assert secret not in text, secret
    assert "/u/" not in text and "/p/" not in text and "@" not in text


def test_a_decision_counts_once_committed_and_not_when_rolled_back(app, metered):
    pid = pseudonymous_id(ID_KEY.encode(), EMAIL).hex()
    labels = {"source": "cli", "topic": "everything", "action": "opt-out"}

    def decide(then: Callable[[object], None]) -> float:
        _text, before = scrape(metered)
        with app.app_context():
            session = get_session()
            consent.decide(session, pid, {"everything": Action.OPT_OUT}, consent.DecisionContext(Source.CLI, "t"))
            then(session)
        _text, after = scrape(metered)
        return value(after, "optout_decisions_total", **labels) - value(before, "optout_decisions_total", **labels)

    assert decide(lambda session: session.rollback()) == 0  # type: ignore[attr-defined]
    assert decide(lambda session: session.commit()) == 1  # type: ignore[attr-defined]


def test_an_import_counts_each_recorded_opt_out(optout, metered, tmp_path):
    source = tmp_path / "suppress.csv"
    source.write_text("email\n" + "".join(f"imported{n}@example.no\n" for n in range(2500)) + "imported1@example.no\n")
    labels = {"source": "import", "topic": "everything", "action": "opt-out"}
    _text, before = scrape(metered)
    assert optout("suppress", "import", str(source)).exit_code == 0
    _text, after = scrape(metered)
    assert value(after, "optout_decisions_total", **labels) - value(before, "optout_decisions_total", **labels) == 2500


def test_a_filter_run_counts_its_rows_by_result(optout, metered, make_campaign, decide, tmp_path):
    make_campaign("newsletter", topic="periodic")
    decide("nei@example.no", "topic:periodic")
    source = tmp_path / "list.csv"
    source.write_text("email\nja@example.no\nnei@example.no\nnot an address\n")
    _text, before = scrape(metered)
    result = optout("filter", "--campaign", "newsletter", "--output", str(tmp_path / "out.csv"), str(source))
    assert result.exit_code == 0, result.output
    _text, after = scrape(metered)
    for name, labels, by in (
        ("optout_filter_runs_total", {"via": "cli"}, 1),
        ("optout_filter_rows_total", {"result": "kept"}, 1),
        ("optout_filter_rows_total", {"result": "opted-out-topic"}, 1),
        ("optout_filter_rows_total", {"result": "invalid-address"}, 1),
    ):
        assert value(after, name, **labels) - value(before, name, **labels) == by, (name, labels)


@pytest.mark.dialect_independent("the in-memory rate limit")
def test_bad_link_throttling_is_counted(make_app, metered):
    throttled = make_app(OPTOUT_BAD_LINK_LIMIT="2 per minute").test_client()
    _text, before = scrape(metered)
    statuses = [throttled.get(f"{BASE_URL}/p/bad-link-{n}").status_code for n in range(4)]
    assert statuses == [404, 404, 429, 429]
    _text, after = scrape(metered)
    refused = ("optout_throttle_refused_total", frozenset({("kind", "bad-link")}))
    assert after.get(refused, 0) - before.get(refused, 0) == 2
