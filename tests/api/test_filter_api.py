"""``POST /api/v1/campaigns/{slug}/filter``: the CLI's filter over HTTP. CSV in and out with the
summary in headers, JSON in and out with the summary in the body; every run recorded; limits,
wrong types and unusable bodies answered in JSON."""

from __future__ import annotations

import csv
import io
import json
import tempfile

import pytest
from sqlalchemy import text

from optout.api import FILTER_CSV_MAX_BYTES, auth, views
from optout.lists import service as lists_service
from tests.api import bearer, create_key
from tests.helpers.settings import BASE_URL

# The outcome of these tests cannot depend on the dialect: they run on SQLite only.
ONE_DIALECT = pytest.mark.dialect_independent("request parsing and limits, before any decision is read")

URL = "/api/v1/campaigns/newsletter/filter"
LINKS = ["unsubscribe_url", "preferences_url", "list_unsubscribe", "list_unsubscribe_post"]
NO_DROPS = {
    "malformed-row": 0,
    "invalid-address": 0,
    "invalid-number": 0,
    "duplicate": 0,
    "opted-out-everything": 0,
    "opted-out-channel": 0,
    "opted-out-partner": 0,
    "opted-out-topic": 0,
    "no-consent": 0,
    "consent-predates-policy": 0,
    "paused": 0,
}


@pytest.fixture
def newsletter(make_campaign):
    return make_campaign("newsletter", topic="periodic")


@pytest.fixture
def key(app):
    return create_key(app)


@pytest.fixture
def post_csv(client, key, newsletter):
    def post(body: str | bytes, url: str = URL, content_type: str = "text/csv", **kwargs):
        with client.post(url, data=body, content_type=content_type, headers=bearer(key), **kwargs) as response:
            response.get_data()
            return response

    return post


@pytest.fixture
def post_json(client, key, newsletter):
    def post(body: object, url: str = URL):
        return client.post(url, data=json.dumps(body), content_type="application/json", headers=bearer(key))

    return post


def _rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.text)))


def _dropped(response) -> dict[str, int]:
    return {k: v for k, v in json.loads(response.headers["X-Optout-Dropped"]).items() if v}


def _runs(app) -> list[dict[str, object]]:
    with app.extensions["optout.db"].engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text("SELECT * FROM filter_run ORDER BY id"))]


def _page_language(client, url: str) -> str:
    return client.get(url).text.split('<html lang="')[1][:2]


def test_csv_in_csv_out_with_the_clis_columns_and_the_summary_in_headers(post_csv, client):
    response = post_csv('email,first_name,note\nkari@example.no,Kari,"a, ""quoted"" note"\nola@example.no,Ola,\n')
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and response.mimetype_params["charset"] == "utf-8"
    rows = _rows(response)
    assert [r["email"] for r in rows] == ["kari@example.no", "ola@example.no"]
    assert list(rows[0]) == ["email", "first_name", "note", *LINKS]
    assert rows[0]["note"] == 'a, "quoted" note'
    assert rows[0]["unsubscribe_url"].startswith(f"{BASE_URL}/u/")
    assert rows[0]["list_unsubscribe"] == f"<{rows[0]['unsubscribe_url']}>"
    assert rows[0]["list_unsubscribe_post"] == "List-Unsubscribe=One-Click"
    assert response.headers["X-Optout-Rows-Read"] == "2" and response.headers["X-Optout-Rows-Kept"] == "2"
    assert json.loads(response.headers["X-Optout-Dropped"]) == NO_DROPS
    assert "X-Optout-Malformed-Lines" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get(rows[0]["preferences_url"]).status_code == 200


def test_csv_answer_is_the_same_filter_as_the_cli(post_csv, optout, tmp_path, decide):
    decide("gone@example.no", "everything")
    decide("mail@example.no", "channel:email")
    listed = "Email,lang,n\nkari@example.no,en,1\ngone@example.no,,2\nmail@example.no,,3\nKARI@example.no,,4\nx,,5\n"
    listed += "ola@example.no,nb,6,extra\n\nper@example.no,,7\n"
    source, out, report = tmp_path / "in.csv", tmp_path / "out.csv", tmp_path / "report.json"
    source.write_text(listed)
    cli = optout("filter", "--campaign", "newsletter", "--output", str(out), "--report", str(report), str(source))
    assert cli.exit_code == 0, cli.output
    response = post_csv(listed)
    strip = lambda rows: [{k: v for k, v in r.items() if k not in LINKS} for r in rows]  # noqa: E731
    assert strip(_rows(response)) == strip(list(csv.DictReader(io.StringIO(out.read_text()))))
    summary = json.loads(report.read_text())
    assert json.loads(response.headers["X-Optout-Dropped"]) == summary["dropped"]
    assert int(response.headers["X-Optout-Rows-Read"]) == summary["rows_read"] == 7
    assert int(response.headers["X-Optout-Rows-Kept"]) == summary["rows_kept"] == 2
    assert response.headers["X-Optout-Malformed-Lines"] == "7"


def test_every_drop_reason_shows_in_the_headers(post_csv, decide):
    decide("all@example.no", "everything")
    decide("mail@example.no", "channel:email")
    decide("topic@example.no", "topic:periodic")
    decide("phone-only@example.no", "channel:phone")
    response = post_csv(
        "email\nall@example.no\nmail@example.no\ntopic@example.no\nphone-only@example.no\nnot an address\n"
        "PHONE-ONLY@example.no\n"
    )
    assert [r["email"] for r in _rows(response)] == ["phone-only@example.no"]
    assert _dropped(response) == {
        "invalid-address": 1,
        "duplicate": 1,
        "opted-out-everything": 1,
        "opted-out-channel": 1,
        "opted-out-topic": 1,
    }


def test_partner_campaign_needs_a_standing_opt_in(post_csv, make_campaign, decide):
    make_campaign("fjord-spring", partner="fjordreiser")
    decide("yes@example.no", "topic:partner-offers", "opt-in")
    response = post_csv("email\nyes@example.no\nnever-asked@example.no\n", url="/api/v1/campaigns/fjord-spring/filter")
    assert [r["email"] for r in _rows(response)] == ["yes@example.no"]
    assert _dropped(response) == {"no-consent": 1}


def test_an_opt_out_made_a_moment_ago_counts_in_the_next_request(post_csv, client):
    first = _rows(post_csv("email\nkari@example.no\n"))
    client.post(first[0]["unsubscribe_url"], data={"List-Unsubscribe": "One-Click"})
    response = post_csv("email\nkari@example.no\n")
    assert _rows(response) == [] and _dropped(response) == {"opted-out-topic": 1}
    assert response.text.strip() == ",".join(["email", *LINKS])


def test_each_run_is_recorded_as_an_api_run_and_no_row_is_kept(app, post_csv, post_json):
    post_csv("email\nkari@example.no\nbad\n")
    post_json({"recipients": [{"email": "ola@example.no"}, {"email": "ola@example.no"}]})
    runs = _runs(app)
    assert [(r["via"], r["rows_read"], r["rows_kept"]) for r in runs] == [("api", 2, 1), ("api", 2, 1)]
    assert json.loads(runs[0]["dropped"])["invalid-address"] == 1
    assert json.loads(runs[1]["dropped"])["duplicate"] == 1
    assert "example.no" not in json.dumps(runs, default=str)


def test_a_large_list_is_spooled_to_disk_and_streamed_back_with_its_length(client, key, newsletter, monkeypatch):
    spools: list[tempfile.SpooledTemporaryFile[bytes]] = []

    class Recorded(tempfile.SpooledTemporaryFile):  # type: ignore[type-arg]
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)
            spools.append(self)

    monkeypatch.setattr(views.tempfile, "SpooledTemporaryFile", Recorded)
    monkeypatch.setattr(views, "SPOOL_IN_MEMORY", 1024)
    monkeypatch.setattr(views, "CHUNK", 4096)
    listed = "email,n\n" + "".join(f"person{i}@example.no,{i}\n" for i in range(4500))
    with client.post(URL, data=listed, content_type="text/csv", headers=bearer(key)) as response:
        assert response.is_streamed
        assert spools[0]._rolled and not spools[0].closed
        body = response.get_data(as_text=True)
    assert spools[0].closed
    assert int(response.headers["Content-Length"]) == len(body.encode())
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == 4500 and rows[-1]["n"] == "4499"
    assert response.headers["X-Optout-Rows-Kept"] == "4500"


@ONE_DIALECT
def test_a_bom_is_skipped_and_bad_bytes_make_a_malformed_row(post_csv):
    response = post_csv(b"\xef\xbb\xbfemail,name\nkari@example.no,Kari\nola@example.no,\xff\xfe\n")
    assert [r["email"] for r in _rows(response)] == ["kari@example.no"]
    assert _dropped(response) == {"malformed-row": 1}
    assert response.headers["X-Optout-Malformed-Lines"] == "3"


@ONE_DIALECT
def test_at_most_a_hundred_malformed_lines_are_listed_in_the_header(post_csv):
    response = post_csv("email,n\n" + "a@example.no\n" * 150)
    lines = response.headers["X-Optout-Malformed-Lines"].split(",")
    assert len(lines) == 100 and lines[:2] == ["2", "3"]
    assert _dropped(response) == {"malformed-row": 150}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "empty"),
        ("name,phone\nKari,123\n", "no email column"),
        ("email,unsubscribe_url\nkari@example.no,x\n", "already has a column named unsubscribe_url"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "not a UTF-8 CSV file"),
    ],
)
def test_an_unusable_csv_is_a_422_and_records_nothing(app, post_csv, body, message):
    response = post_csv(body)
    assert response.status_code == 422
    assert response.json["error"] == "unusable-body" and message in response.json["message"]
    assert _runs(app) == []


def test_json_in_json_out_fields_pass_through_with_their_types_and_order(post_json, client):
    recipients = [
        {"name": "Kari", "email": "Kari@Example.no", "age": 41, "vip": True, "extra": None, "score": 1.5e3},
        {"email": "ola@example.no", "note": 'Ø, "{[quoted]}" 😀'},
    ]
    response = post_json({"recipients": recipients})
    assert response.status_code == 200 and response.mimetype == "application/json"
    kept = response.json["kept"]
    assert list(kept[0]) == ["name", "email", "age", "vip", "extra", "score", *LINKS]
    assert kept[0]["email"] == "Kari@Example.no" and kept[0]["age"] == 41 and kept[0]["vip"] is True
    assert kept[0]["score"] == 1500.0 and kept[1]["note"] == recipients[1]["note"]
    assert kept[0]["list_unsubscribe"] == f"<{kept[0]['unsubscribe_url']}>"
    assert response.json["summary"] == {"rows_read": 2, "rows_kept": 2, "dropped": NO_DROPS, "malformed_rows": []}
    assert client.get(kept[1]["preferences_url"]).status_code == 200


def test_json_drops_like_csv(post_json, decide):
    decide("gone@example.no", "everything")
    decide("topic@example.no", "topic:periodic")
    recipients = [
        {"email": "kari@example.no"},
        {"email": "gone@example.no"},
        {"email": "topic@example.no"},
        {"email": " KARI@example.no "},
        {"email": "not an address"},
        {"email": 42},
        {"name": "no address at all"},
    ]
    response = post_json({"recipients": recipients})
    assert [r["email"] for r in response.json["kept"]] == ["kari@example.no"]
    dropped = {k: v for k, v in response.json["summary"]["dropped"].items() if v}
    assert dropped == {"opted-out-everything": 1, "opted-out-topic": 1, "duplicate": 1, "invalid-address": 3}
    assert response.json["summary"]["rows_read"] == 7


def test_a_nul_byte_in_any_field_makes_the_row_malformed_in_csv_and_json(post_csv, post_json):
    response = post_csv("email,note\nok@example.no,\nnote@example.no,a\x00b\nlast@example.no,fine\n")
    assert response.status_code == 200
    assert [line.split(",")[0] for line in response.text.splitlines()[1:]] == ["ok@example.no", "last@example.no"]
    assert json.loads(response.headers["X-Optout-Dropped"])["malformed-row"] == 1
    assert response.headers["X-Optout-Malformed-Lines"] == "3"
    records = [
        {"email": "ok@example.no"},
        {"email": "note@example.no", "note": "a\x00b"},
        {"email\x00": "x@example.no"},
    ]
    answer = post_json({"recipients": records})
    assert answer.status_code == 200
    assert [r["email"] for r in answer.json["kept"]] == ["ok@example.no"]
    assert answer.json["summary"]["dropped"]["malformed-row"] == 2
    assert answer.json["summary"]["malformed_rows"] == [
        {"line": 1, "problem": "a NUL byte"},
        {"line": 2, "problem": "a NUL byte"},
    ]


def test_json_link_language_per_recipient_then_body_then_campaign(post_json, client):
    recipients = [{"email": "a@example.no", "lang": "en"}, {"email": "b@example.no", "lang": "nb-NO"}]
    recipients += [{"email": "c@example.no"}, {"email": "d@example.no", "lang": "klingon"}]
    kept = post_json({"recipients": recipients, "lang": "en"}).json["kept"]
    assert [_page_language(client, r["preferences_url"]) for r in kept] == ["en", "nb", "en", "en"]
    kept = post_json({"recipients": [{"email": "e@example.no"}]}).json["kept"]
    assert _page_language(client, kept[0]["preferences_url"]) == "nb"


def test_csv_lang_column_chooses_the_link_language(post_csv, client):
    rows = _rows(post_csv("email,lang\nkari@example.no,en\nola@example.no,\n"))
    assert [_page_language(client, r["preferences_url"]) for r in rows] == ["en", "nb"]


def test_a_big_json_list_crosses_batches(post_json, decide):
    decide("person2500@example.no", "everything")
    response = post_json({"recipients": [{"email": f"person{i}@example.no", "i": i} for i in range(4100)]})
    kept = response.json["kept"]
    assert len(kept) == 4099 and [r["i"] for r in kept[2499:2501]] == [2499, 2501]


@ONE_DIALECT
@pytest.mark.parametrize(
    ("body", "positions"),
    [
        ("{", None),
        ("", None),
        ("[1, 2]", None),
        ('{"recipients": {}}', None),
        ('{"emails": []}', None),
        ('{"recipients": [], "extra": 1}', None),
        ('{"recipients": [], "lang": "de"}', None),
        ('{"recipients": [{"email": "a@example.no"}, "b@example.no", null]}', [1, 2]),
        ('{"recipients": [{"email": "a@example.no"}, {"email": "b@example.no", "preferences_url": ""}]}', [1]),
        ("[" * 100_000, None),
    ],
)
def test_an_unusable_json_body_is_a_422_that_echoes_nothing(app, client, key, newsletter, body, positions):
    response = client.post(URL, data=body, content_type="application/json", headers=bearer(key))
    assert response.status_code == 422 and response.json["error"] == "unusable-body"
    assert response.json.get("positions") == positions
    assert "example.no" not in response.text
    assert _runs(app) == []


@ONE_DIALECT
@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/xml",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "text/csv; charset=latin-1",
        "",
    ],
)
def test_other_media_types_are_a_415(post_csv, content_type):
    response = post_csv("email\nkari@example.no\n", content_type=content_type)
    assert response.status_code == 415
    assert response.json["error"] == "unsupported-media-type" and response.mimetype == "application/json"


@ONE_DIALECT
def test_csv_with_a_utf8_charset_parameter_is_fine(post_csv):
    assert post_csv("email\nkari@example.no\n", content_type="text/csv; charset=UTF-8").status_code == 200


@ONE_DIALECT
def test_a_body_declared_over_the_limit_is_a_413_before_it_is_read(post_csv):
    response = post_csv("email\n", environ_overrides={"CONTENT_LENGTH": str(FILTER_CSV_MAX_BYTES + 1)})
    assert response.status_code == 413 and response.json["error"] == "too-large"
    assert str(FILTER_CSV_MAX_BYTES) in response.json["message"]


@ONE_DIALECT
def test_a_streamed_body_over_the_limit_is_a_413_midway(app, client, key, newsletter, monkeypatch):
    monkeypatch.setattr(auth, "FILTER_CSV_MAX_BYTES", 50_000)
    listed = ("email\n" + "".join(f"p{i}@example.no\n" for i in range(5000))).encode()
    response = client.post(
        URL,
        input_stream=io.BytesIO(listed),
        headers={**bearer(key), "Content-Type": "text/csv", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413 and response.json["error"] == "too-large"
    assert _runs(app) == []


@ONE_DIALECT
def test_json_has_a_smaller_limit_than_csv(post_csv, post_json, monkeypatch):
    monkeypatch.setattr(auth, "FILTER_JSON_MAX_BYTES", 100)
    recipients = [{"email": f"p{i}@example.no"} for i in range(10)]
    response = post_json({"recipients": recipients})
    assert response.status_code == 413 and response.json["error"] == "too-large"
    assert post_csv("email\n" + "".join(r["email"] + "\n" for r in recipients)).status_code == 200


@ONE_DIALECT
def test_too_many_json_recipients_is_a_413(post_json, monkeypatch):
    monkeypatch.setattr(views, "FILTER_JSON_MAX_RECIPIENTS", 2)
    response = post_json({"recipients": [{"email": f"p{i}@example.no"} for i in range(3)]})
    assert response.status_code == 413 and "send CSV" in response.json["message"]


def test_unknown_campaign_is_a_json_404(post_csv, post_json):
    for response in (
        post_csv("email\n", url="/api/v1/campaigns/ghost/filter"),
        post_json({"recipients": []}, url="/api/v1/campaigns/ghost/filter"),
    ):
        assert response.status_code == 404 and response.json["error"] == "unknown-campaign"


@ONE_DIALECT
def test_wrong_method_and_unknown_paths_answer_json_under_the_api_only(client, key):
    response = client.get(URL, headers=bearer(key))
    assert response.status_code == 405 and response.json["error"] == "method-not-allowed"
    assert "POST" in response.headers["Allow"]
    for path in ("/api/v1/nothing", "/api/v1/campaigns/x/suppressions", "/api/v1"):
        response = client.get(path)
        assert response.status_code == 404 and response.json["error"] == "not-found"
    elsewhere = client.get("/no-such-page")
    assert elsewhere.status_code == 404 and elsewhere.mimetype == "text/html"
    assert client.get("/u/garbage").mimetype == "text/html"


def test_an_unexpected_failure_is_a_json_500_and_records_nothing(app, post_csv, monkeypatch):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(lists_service, "filter_list", broken)
    response = post_csv("email\nkari@example.no\n")
    assert response.status_code == 500 and response.json["error"] == "internal-error"
    assert "boom" not in response.text
    assert _runs(app) == []
