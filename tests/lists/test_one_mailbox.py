"""An opt-out recorded under one spelling of a mailbox stops a send to every other spelling of it,
however it was recorded (one-click, the CLI, a suppression import) and however the list is
filtered (one process, workers, the API); the record and the access package find the same person;
what is not a mailbox is never sent and is refused with a message saying where it was
(audit 2026-12, finding 1)."""

from __future__ import annotations

import csv
import io
import json
import unicodedata

import pytest

from tests.api import bearer, create_key


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def full_width(text: str) -> str:
    return "".join(chr(ord(ch) - 0x21 + 0xFF01) if ch.isascii() and ch.isalnum() else ch for ch in text)


# (the spelling opted out, the spelling on the next list): every row of the audit's table that must be one person
SAME = [
    ("idn@blåbær.no", "idn@xn--blbr-roah.no"),
    ("idn2@xn--blbr-roah.no", "idn2@blåbær.no"),
    ("kåre@example.no", nfd("kåre@example.no")),
    ("dom@blåbær.no", nfd("dom@blåbær.no")),
    ("fwd@example.no", f"fwd@{full_width('example')}.no"),
    ("øyvind@blåbær.no", "ØYVIND@BLÅBÆR.NO"),
    ("nbsp@example.no", "\u00a0nbsp@example.no\u00a0"),
    ("straße@example.no", "STRAẞE@example.no"),
    ("Øyvind.Hansen@BLÅBÆR.no", "øyvind.hansen@Xn--Blbr-Roah.No"),
    ("ærlig@ÆRØ.dk", "ÆRLIG@XN--R-3FA9C.DK"),
]
# Other mailboxes than the opted-out ones: they are sent.
DISTINCT = [
    f"{full_width('fwl')}@example.no",
    "idn+x@blåbær.no",
    "i.dn@blåbær.no",
    "idn@xn--blbr-roa0a.no",  # blåbré.no
    "strasse@example.no",
]
# Not mailboxes: never sent, and never another person.
NOT_MAILBOXES = [
    "mailto:idn@blåbær.no",
    "MAILTO:kåre@example.no",
    "Kari <fwd@example.no>",
    "<nbsp@example.no>",
    "idn(comment)@blåbær.no",
    "idn@@blåbær.no",
    "idn@blåbær.no.",
    "kå\u200bre@example.no",
    "\ufeffstraße@example.no",
]


def _list(addresses: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["email", "n"])
    writer.writerows([address, n] for n, address in enumerate(addresses, 1))
    return out.getvalue()


@pytest.fixture(params=["one-click", "recipient opt-out", "suppress import"])
def opt_out(request, optout, client, tmp_path, newsletter):
    """Record an opt-out of *spellings*, as the person or the operator would."""

    def record(spellings: list[str]) -> None:
        if request.param == "one-click":
            result = optout("links", "--campaign", "newsletter", *spellings)
            assert result.exit_code == 0, result.output
            for line in result.stdout.splitlines():
                url = json.loads(line)["unsubscribe_url"]
                assert client.post(url, data={"List-Unsubscribe": "One-Click"}).status_code == 200
        elif request.param == "recipient opt-out":
            for spelling in spellings:
                result = optout("recipient", "opt-out", spelling, "--scope", "topic:periodic")
                assert result.exit_code == 0, result.output
        else:
            path = tmp_path / "suppress.csv"
            path.write_text(_list(spellings))
            result = optout("suppress", "import", str(path), "--scope", "topic:periodic")
            assert result.exit_code == 0, result.output
            assert json.loads(result.stdout)["recorded"] == len(spellings)

    return record


def test_an_opt_out_under_one_spelling_drops_every_other_spelling(opt_out, run):
    opt_out([a for a, _b in SAME])
    listed = [b for _a, b in SAME] + DISTINCT + NOT_MAILBOXES
    result, rows, summary = run(_list(listed))
    assert result.exit_code == 0, result.output
    assert [row["email"] for row in rows] == DISTINCT
    dropped = {reason: n for reason, n in summary["dropped"].items() if n}
    assert dropped == {"opted-out-topic": len(SAME), "invalid-address": len(NOT_MAILBOXES)}


def test_spellings_of_one_mailbox_in_one_list_are_duplicates(run, newsletter):
    spellings = ["idn@blåbær.no", "IDN@xn--blbr-roah.no", nfd("idn@blåbær.no"), f"idn@{full_width('blåbær')}.no"]
    result, rows, summary = run(_list(spellings))
    assert result.exit_code == 0, result.output
    assert [row["n"] for row in rows] == ["1"] and summary["dropped"]["duplicate"] == 3


def test_the_api_filter_drops_the_other_spelling_too(app, client, links, newsletter):
    client.post(links("idn@blåbær.no", newsletter).unsubscribe_url, data={"List-Unsubscribe": "One-Click"})
    recipients = [{"email": "IDN@XN--BLBR-ROAH.NO"}, {"email": "mailto:idn@blåbær.no"}, {"email": "ola@blåbær.no"}]
    response = client.post(
        "/api/v1/campaigns/newsletter/filter",
        data=json.dumps({"recipients": recipients}),
        content_type="application/json",
        headers=bearer(create_key(app)),
    )
    assert response.status_code == 200
    assert [r["email"] for r in response.json["kept"]] == ["ola@blåbær.no"]
    dropped = {reason: n for reason, n in response.json["summary"]["dropped"].items() if n}
    assert dropped == {"opted-out-topic": 1, "invalid-address": 1}


def test_the_record_and_the_access_package_find_the_person_under_any_spelling(
    optout, client, links, newsletter, tmp_path
):
    client.post(links("øyvind@blåbær.no", newsletter).unsubscribe_url, data={"List-Unsubscribe": "One-Click"})
    optout("recipient", "opt-out", nfd("Øyvind@BLÅBÆR.no"), "--scope", "channel:phone")
    shown = [json.loads(optout("recipient", "show", s).stdout) for s in ("ØYVIND@XN--BLBR-ROAH.NO", "øyvind@blåbær.no")]
    assert shown[0] == shown[1]
    assert shown[0]["email"] == "øyvind@xn--blbr-roah.no"
    assert [(e["scope"], e["source"]) for e in shown[0]["history"]] == [
        ("topic:periodic", "one-click"),
        ("channel:phone", "cli"),
    ]
    path = tmp_path / "package.json"
    result = optout("subject", "export", f"øyvind@{full_width('blåbær')}.no", "--output", str(path))
    assert result.exit_code == 0, result.output
    package = json.loads(path.read_text())
    assert package["subject"]["pseudonymous_id"] == shown[0]["pseudonymous_id"]
    assert len(package["history"]) == 2


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["links", "--campaign", "newsletter", "kari@blåbær.no", "mailto:ola@example.no"], "argument 2 of 2"),
        (["links", "--campaign", "newsletter", "Kari <kari@example.no>", "ola@example.no"], "argument 1 of 2"),
        (["recipient", "show", "kari(x)@example.no"], "a comment in parentheses"),
        (["recipient", "opt-out", "ka\u200bri@example.no"], "zero-width space"),
        (["subject", "export", "kari@@example.no"], "more than one @"),
        (["requests", "add", "kari@example.no."], "a dot at the end of the domain"),
    ],
)
def test_the_cli_refuses_a_non_mailbox_saying_which_and_why(optout, newsletter, ledger, args, said):
    result = optout(*args)
    assert result.exit_code == 2
    assert "is not an email address" in result.stderr and said in result.stderr
    assert result.stdout == "" and ledger() == []


def test_an_import_names_the_lines_of_addresses_that_are_not_mailboxes(optout, tmp_path, newsletter):
    path = tmp_path / "suppress.csv"
    path.write_text(_list(["kari@blåbær.no", "mailto:ola@example.no", "ok@example.no", "per@exa\u200bmple.no"]))
    result = optout("suppress", "import", str(path))
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["recorded"] == 2 and summary["invalid-address"] == 2
    assert [(row["line"], row["problem"]) for row in summary["invalid_addresses"]] == [
        (3, "a mailto: prefix: give the address alone"),
        (5, "a control, format or space character (a zero-width space, for one)"),
    ]
    assert "ola@" not in result.stdout and "per@" not in result.stdout
