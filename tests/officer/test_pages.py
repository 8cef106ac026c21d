"""The console's pages: the overview's counts and chart, a person's record, campaign reports with
audited downloads, the ledger's state and the audit trail."""

from __future__ import annotations

import datetime as dt
import json
import re

from optout.consent import service as consent
from optout.db import utcnow
from optout.identity import pid_of, pseudonymous_id
from optout.models import Action, Source
from optout.officer import chart, overview
from optout.web.session import get_session
from tests.helpers.officers import EMAIL, console, post
from tests.helpers.settings import ID_KEY


def _record(session, email: str, scope: str, action: str, *, occurred_at: dt.datetime | None = None) -> None:
    pid = pid_of(ID_KEY.encode(), email)
    context = consent.DecisionContext(Source.CLI, "test", occurred_at=occurred_at, lang="en")
    consent.decide(session, pid, {scope: Action(action)}, context)


def _record_and_commit(app, email: str, scope: str, action: str) -> None:
    with app.app_context():
        session = get_session()
        _record(session, email, scope, action)
        session.commit()


def test_daily_counts_per_scope_and_day(db_session):
    today = utcnow().date()
    _record(db_session, "a@example.no", "topic:periodic", "opt-out")
    _record(db_session, "b@example.no", "topic:periodic", "opt-out")
    _record(db_session, "b@example.no", "topic:periodic", "opt-in")
    _record(db_session, "c@example.no", "everything", "opt-out", occurred_at=utcnow() - dt.timedelta(days=3))
    _record(db_session, "d@example.no", "partner:fjord", "opt-out", occurred_at=utcnow() - dt.timedelta(days=30))
    _record(db_session, "e@example.no", "channel:phone", "opt-in", occurred_at=utcnow() - dt.timedelta(days=29))
    counts = overview.daily_counts(db_session, today=today, topic_order=["periodic"])
    assert counts.days[0] == today - dt.timedelta(days=29) and counts.days[-1] == today and len(counts.days) == 30
    by_scope = {s.scope: s for s in counts.series}
    assert list(by_scope) == ["everything", "topic:periodic", "channel:phone"]  # day 30 ago is outside
    periodic = by_scope["topic:periodic"]
    assert periodic.opt_outs[-1] == 2 and periodic.opt_ins[-1] == 1
    assert periodic.total_opt_outs == 2 and periodic.peak == 2
    assert by_scope["everything"].opt_outs[-4] == 1  # counted on the day it was given, not recorded
    assert by_scope["channel:phone"].opt_ins[0] == 1


def test_bars_scale_to_the_highest_day_and_skip_empty_days():
    days = tuple(dt.date(2026, 11, 1) + dt.timedelta(days=n) for n in range(30))
    series = overview.Series("topic:periodic", (0,) * 29 + (4,), (1,) + (0,) * 29)
    bars = chart.bars(series, days)
    assert [(b.kind, b.day.day, b.value) for b in bars] == [("in", 1, 1), ("out", 30, 4)]
    tallest = bars[1]
    assert tallest.height == chart.HEIGHT and tallest.y == 0
    assert bars[0].height == chart.HEIGHT / 4 and bars[0].x < tallest.x <= chart.WIDTH


def test_overview_draws_a_chart_and_a_table_without_script_or_inline_style(app, signed_in):
    _record_and_commit(app, "a@example.no", "topic:periodic", "opt-out")
    _record_and_commit(app, "b@example.no", "topic:partner-offers", "opt-in")
    html = signed_in.get(console("/")).text
    assert (
        "<h2" in html
        and "Kategori: Nyhetsbrev fra Mesier" in html
        and "Kategori: Tilbud fra samarbeids\u00adpartnere" in html
    )
    assert html.count('<svg class="chart"') == 2 and html.count("<rect ") == 2
    assert 'role="img"' in html and "avmeldinger: 1" in html and "avmeldinger 1, påmeldinger 0" in html
    totals = re.search(r"<caption[^>]*>Sum for de siste 30 dagene</caption>(.*?)</table>", html, re.S)
    assert totals is not None
    cells = re.findall(r'<td class="num">(\d+)</td>', totals.group(1))
    assert cells == ["1", "0", "0", "1"]
    assert "<script" not in html and "style=" not in html and "<style" not in html


def test_overview_says_when_nothing_happened(signed_in):
    assert "Ingen avmeldinger eller påmeldinger er registrert" in signed_in.get(console("/")).text


def test_lookup_shows_choices_and_history_and_audits_only_the_id(app, signed_in, audit_log, caplog):
    _record_and_commit(app, "kari@example.no", "topic:periodic", "opt-out")
    response = post(signed_in, "/lookup", {"email": "  Kari@Example.no "})
    assert response.status_code == 200
    html = response.text
    pid = pseudonymous_id(ID_KEY.encode(), "kari@example.no").hex()
    assert pid in html
    assert "Meldt av" in html and "Kommandolinjen" in html and "English" in html
    assert "Nyhetsbrev fra Mesier: <strong>nei</strong> (Meldt av kategorien)" in html
    assert audit_log()[-1] == (EMAIL, "lookup", pid, {})
    assert "kari" not in str(audit_log()).lower()
    assert "kari@example.no" not in caplog.text.lower()


def test_lookup_of_an_unknown_address_says_nothing_is_recorded(signed_in):
    html = post(signed_in, "/lookup", {"email": "ukjent@example.no"}).text
    assert "Ingenting er registrert for denne adressen" in html


def test_lookup_refuses_what_is_not_an_address(signed_in, audit_log):
    html = post(signed_in, "/lookup", {"email": "not an address"}).text
    assert "Dette er ikke en e-postadresse" in html
    assert 'aria-describedby="email-error"' in html and 'aria-invalid="true"' in html
    assert [action for _who, action, _pid, _data in audit_log()] == ["login"]


def test_lookup_form_is_a_post_so_the_address_stays_out_of_urls(signed_in):
    html = signed_in.get(console("/lookup")).text
    assert re.search(r'<form method="post" action="/officer/lookup"', html)


def test_campaign_list_and_report(app, signed_in, make_campaign, decide):
    make_campaign("fjord-spring", partner="fjordreiser")
    html = signed_in.get(console("/campaigns")).text
    assert 'href="/officer/campaigns/fjord-spring"' in html and "Fjordreiser AS" in html
    report = signed_in.get(console("/campaigns/fjord-spring")).text
    assert "Rapport for fjord-spring" in report and "Innsendte lister" in report and "Har ikke samtykket" in report
    assert signed_in.get(console("/campaigns/nope")).status_code == 404


def test_report_downloads_are_audited_as_exports(signed_in, make_campaign, audit_log):
    make_campaign("spring")
    response = signed_in.get(console("/campaigns/spring/report.json"))
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert 'filename="report-spring.json"' in response.headers["Content-Disposition"]
    assert json.loads(response.text)["campaign"] == "spring"
    csv_response = signed_in.get(console("/campaigns/spring/report.csv"))
    assert csv_response.text.startswith("section,name,value")
    assert audit_log()[-2:] == [
        (EMAIL, "export.campaign-report", None, {"campaign": "spring", "format": "json"}),
        (EMAIL, "export.campaign-report", None, {"campaign": "spring", "format": "csv"}),
    ]


def test_ledger_page_shows_an_intact_chain_and_then_the_first_fault(app, signed_in, sql):
    _record_and_commit(app, "a@example.no", "topic:periodic", "opt-out")
    _record_and_commit(app, "b@example.no", "topic:periodic", "opt-out")
    html = signed_in.get(console("/ledger")).text
    assert "<strong>Ubrutt</strong>" in html
    assert re.search(r"<dt>Hendelser</dt><dd>2</dd>", html) and re.search(r"<dt>Siste løpenummer</dt><dd>2</dd>", html)
    sql("UPDATE consent_event SET scope = 'everything' WHERE seq = 1")
    html = signed_in.get(console("/ledger")).text
    assert "<strong>Brutt</strong>" in html and "En hendelse er endret" in html
    assert re.search(r"<dt>Ved løpenummer</dt><dd>1</dd>", html)


def test_audit_trail_lists_entries_newest_first(signed_in, make_campaign):
    make_campaign("spring")
    signed_in.get(console("/campaigns/spring/report.csv"))
    html = signed_in.get(console("/audit?lang=en")).text.split('<main id="main">')[1]
    assert html.index("Campaign report exported") < html.index("Logged in")
    assert "Campaign spring (csv)" in html and EMAIL in html
