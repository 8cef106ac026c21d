"""``optout filter``: every drop reason, pass-through columns, duplicates, malformed rows, bad
input, fresh opt-outs, and a property test that no opted-out recipient is ever let through."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers.settings import BASE_URL

LINKS = ["unsubscribe_url", "preferences_url", "list_unsubscribe", "list_unsubscribe_post"]


def test_kept_rows_pass_through_in_order_with_their_links(run, newsletter, client):
    result, rows, summary = run(
        'email,first_name,note\nkari@example.no,Kari,"a, ""quoted"" note"\nola@example.no,Ola,\n'
    )
    assert result.exit_code == 0, result.output
    assert [r["email"] for r in rows] == ["kari@example.no", "ola@example.no"]
    assert list(rows[0]) == ["email", "first_name", "note", *LINKS]
    assert rows[0]["note"] == 'a, "quoted" note' and rows[1]["note"] == ""
    assert rows[0]["list_unsubscribe"] == f"<{rows[0]['unsubscribe_url']}>"
    assert rows[0]["list_unsubscribe_post"] == "List-Unsubscribe=One-Click"
    assert rows[0]["unsubscribe_url"].startswith(f"{BASE_URL}/u/")
    assert client.get(rows[0]["preferences_url"]).status_code == 200
    assert summary["rows_read"] == 2 and summary["rows_kept"] == 2
    assert "rows read: 2, kept: 2" in result.output


def test_every_drop_reason_on_an_own_topic(run, newsletter, decide):
    decide("all@example.no", "everything")
    decide("mail@example.no", "channel:email")
    decide("topic@example.no", "topic:periodic")
    decide("phone-only@example.no", "channel:phone")  # another channel: still sendable
    decide("other-topic@example.no", "topic:phone")  # another topic: still sendable
    decide("back@example.no", "everything")
    decide("back@example.no", "everything", "opt-in")  # lifted again
    text = (
        "email\nall@example.no\nmail@example.no\ntopic@example.no\nphone-only@example.no\n"
        "other-topic@example.no\nback@example.no\nnot an address\nPHONE-ONLY@example.no \n"
    )
    result, rows, summary = run(text)
    assert result.exit_code == 0
    assert [r["email"] for r in rows] == ["phone-only@example.no", "other-topic@example.no", "back@example.no"]
    assert summary["dropped"] == {
        "malformed-row": 0,
        "invalid-address": 1,
        "invalid-number": 0,
        "duplicate": 1,
        "opted-out-everything": 1,
        "opted-out-channel": 1,
        "opted-out-partner": 0,
        "opted-out-topic": 1,
        "no-consent": 0,
        "consent-predates-policy": 0,
        "paused": 0,
    }
    assert summary["rows_read"] == 8 and summary["rows_kept"] == 3


def test_partner_campaign_needs_a_standing_opt_in_and_honours_partner_opt_outs(run, partner_campaign, decide):
    decide("yes@example.no", "topic:partner-offers", "opt-in")
    decide("not-this-one@example.no", "topic:partner-offers", "opt-in")
    decide("not-this-one@example.no", "partner:fjordreiser")
    decide("other-partner@example.no", "topic:partner-offers", "opt-in")
    decide("other-partner@example.no", "partner:someone-else")
    decide("withdrew@example.no", "topic:partner-offers", "opt-in")
    decide("withdrew@example.no", "topic:partner-offers", "opt-out")
    decide("stopped@example.no", "topic:partner-offers", "opt-in")
    decide("stopped@example.no", "everything")
    # The opt-out first, then an opt-in: every choice counts, not just the latest recorded.
    decide("partner-first@example.no", "partner:fjordreiser")
    decide("partner-first@example.no", "topic:partner-offers", "opt-in")
    decide("everything-first@example.no", "everything")
    decide("everything-first@example.no", "channel:email", "opt-in")
    decide("everything-first@example.no", "topic:partner-offers", "opt-in")
    text = (
        "email\nyes@example.no\nnot-this-one@example.no\nother-partner@example.no\nwithdrew@example.no\n"
        "stopped@example.no\nnever-asked@example.no\npartner-first@example.no\neverything-first@example.no\n"
    )
    result, rows, summary = run(text, "fjord-spring")
    assert result.exit_code == 0
    assert [r["email"] for r in rows] == ["yes@example.no", "other-partner@example.no"]
    dropped = {k: v for k, v in summary["dropped"].items() if v}
    assert dropped == {"opted-out-partner": 2, "opted-out-topic": 1, "opted-out-everything": 2, "no-consent": 1}


def test_an_opt_out_made_a_moment_ago_counts_in_the_next_run(run, newsletter, client):
    _result, rows, _summary = run("email\nkari@example.no\n")
    client.post(rows[0]["unsubscribe_url"], data={"List-Unsubscribe": "One-Click"})
    _result, rows, summary = run("email\nkari@example.no\n")
    assert rows == [] and summary["dropped"]["opted-out-topic"] == 1


def test_language_column_chooses_each_rows_link_language(run, newsletter, client):
    _result, rows, _summary = run("email,lang\nkari@example.no,en\nola@example.no,nb-NO\nper@example.no,\n")
    langs = [client.get(r["preferences_url"]).text.split('<html lang="')[1][:2] for r in rows]
    assert langs == ["en", "nb", "nb"]


def test_malformed_rows_are_dropped_and_reported_by_line(run, newsletter, decide):
    decide("out@example.no", "everything")
    text = (
        "email,name\nok@example.no,Ok\nshort@example.no\nwide@example.no,a,b\n"
        '"bad"quote@example.no,x\nout@example.no,Out\nlast@example.no,Last\n'
    )
    result, rows, summary = run(text)
    assert result.exit_code == 0
    assert [r["email"] for r in rows] == ["ok@example.no", "last@example.no"]
    assert [m["line"] for m in summary["malformed_rows"]] == [3, 4, 5]
    assert summary["dropped"]["malformed-row"] == 3
    assert "malformed row at line 3" in result.output


def test_rows_that_are_not_utf8_are_dropped(run, newsletter):
    _result, rows, summary = run(b"email,name\nok@example.no,Ok\nbad@example.no,\xff\xfe\n")
    assert [r["email"] for r in rows] == ["ok@example.no"]
    assert summary["malformed_rows"] == [{"line": 3, "problem": "not UTF-8 text"}]


def test_a_nul_byte_in_any_column_makes_the_row_malformed(run, newsletter):
    text = (
        "email,name,note\nok@example.no,Ok,\nnote@example.no,Note,a\x00b\n"
        'quoted@example.no,Quoted,"x\x00, y"\nnul\x00@example.no,Nul,\nlast@example.no,Last,fine\n'
    )
    result, rows, summary = run(text)
    assert result.exit_code == 0, result.output
    assert [r["email"] for r in rows] == ["ok@example.no", "last@example.no"]
    assert summary["malformed_rows"] == [{"line": line, "problem": "a NUL byte"} for line in (3, 4, 5)]
    assert summary["dropped"]["malformed-row"] == 3 and summary["dropped"]["invalid-address"] == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name,city\nKari,Oslo\n", "no email column"),
        ("", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xd8", "not a UTF-8 CSV file"),
        ("email,unsubscribe_url\nkari@example.no,x\n", "already has a column named unsubscribe_url"),
    ],
)
def test_unusable_input_is_refused_without_output(run, newsletter, text, message):
    result, rows, summary = run(text)
    assert result.exit_code == 1 and message in result.output
    assert rows is None and summary is None


def test_unknown_campaign_and_unreadable_file(optout, newsletter, tmp_path):
    assert "unknown campaign 'ghost'" in optout("filter", "--campaign", "ghost", str(tmp_path / "x.csv")).output
    missing = optout("filter", "--campaign", "newsletter", str(tmp_path / "missing.csv"))
    assert missing.exit_code == 1 and "cannot read" in missing.output


def test_standard_input_and_output(optout, newsletter):
    result = optout("filter", "--campaign", "newsletter", "-", input="email\nkari@example.no\n")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "email," + ",".join(LINKS)
    assert result.stdout.splitlines()[1].startswith("kari@example.no,https://")


def test_a_header_with_byte_order_mark_and_odd_case_is_understood(run, newsletter):
    _result, rows, _summary = run("\ufeffEmail ,Name\nkari@example.no,Kari\n")
    assert [r["Email "] for r in rows] == ["kari@example.no"]


addresses = st.sampled_from(
    [
        "out@example.no",
        "OUT@example.no",
        " out@example.no ",
        "in@example.no",
        "stop@example.no",
        "x@example.no",
        "not-an-address",
        "",
    ]
)
# Any text a field may hold: a NUL makes its row malformed (test_a_nul_byte_in_any_column_makes_the_row_malformed).
cells = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"], exclude_characters="\x00"), max_size=8)
# Raw lines built from addresses and CSV's special characters: broken quoting, stray separators,
# NUL bytes and lone carriage returns, where a careless parser might let a row slip through.
junk = st.lists(st.one_of(addresses, st.sampled_from(['"', ",", '""', "\r", "\x00", " ", "\ufeff"])), max_size=6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(addresses, cells, cells), max_size=12), raw_junk=st.lists(junk, max_size=4))
def test_no_row_of_an_opted_out_recipient_is_ever_emitted(run, make_campaign, decide, app, rows, raw_junk):
    with app.app_context():
        from optout.catalog import service as catalog
        from optout.web.session import get_session

        if catalog.campaigns(get_session()) == []:
            make_campaign("newsletter", topic="periodic")
            decide("out@example.no", "topic:periodic")
            decide("stop@example.no", "everything")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["email", "a", "b"])
    for row in rows:
        writer.writerow(row)
    text = buffer.getvalue() + "\n".join("".join(line) for line in raw_junk)
    result, kept, summary = run(text)
    assert result.exit_code == 0, result.output
    visible = lambda text: "".join(ch for ch in text if ch.isprintable() and not ch.isspace()).lower()  # noqa: E731
    emitted = {visible(r["email"]) for r in kept}
    assert "out@example.no" not in emitted and "stop@example.no" not in emitted
    assert summary["rows_kept"] == len(kept)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(extra=st.lists(st.tuples(cells, cells), min_size=1, max_size=8))
def test_other_columns_come_back_exactly_as_they_went_in(run, make_campaign, app, extra):
    with app.app_context():
        from optout.catalog import service as catalog
        from optout.web.session import get_session

        if catalog.campaigns(get_session()) == []:
            make_campaign("newsletter", topic="periodic")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["email", "a", "b"])
    sent = [[f"person{i}@example.no", a, b] for i, (a, b) in enumerate(extra)]
    writer.writerows(sent)
    _result, kept, _summary = run(buffer.getvalue())
    assert [[r["email"], r["a"], r["b"]] for r in kept] == sent


def test_repeats_are_dropped_the_same_once_the_ids_met_move_to_disk(run, newsletter):
    """Past the memory limit the ids already met go to a temporary file: same rows, same counts."""
    emails = [f"person{n % 7}@example.no" if n % 3 else f"other{n}@example.no" for n in range(60)]
    text = "email,n\n" + "".join(f"{email},{n}\n" for n, email in enumerate(emails))
    _result, in_memory, summary = run(text)
    result, spilled, spilled_summary = run(text, seen_in_memory=3)
    assert result.exit_code == 0, result.output
    assert spilled == in_memory
    assert spilled_summary == summary
    assert summary["dropped"]["duplicate"] == 60 - len(set(emails))
