"""The mailto: entry of List-Unsubscribe: its code, and every place links are minted."""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import re
from collections.abc import Callable

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st

from optout.cli import cli
from optout.config import ConfigError, load_settings
from optout.tokens import Purpose, TokenInvalid, TokenService, mailcode
from tests.api import bearer, create_key

DOMAIN = "unsub.example.no"
KEYS = [b"a-signing-key-that-is-long-enough-0123456789"]
HEADER = re.compile(
    r"<(https://optout\.example\.no/u/[A-Za-z0-9_.-]+)>, "
    r"<mailto:(u\+[a-z2-7]{61})@unsub\.example\.no\?subject=unsubscribe>"
)
forks = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="workers are forked")


@given(pid=st.binary(min_size=16, max_size=16), campaign=st.integers(0, 2**32 - 1), lang=st.sampled_from(["nb", "en"]))
def test_the_code_carries_the_token_through_any_case_within_64_octets(pid: bytes, campaign: int, lang: str) -> None:
    tokens = TokenService(KEYS)
    token = tokens.mint_pair(pid, campaign, lang)[0]
    local = mailcode.local_part(token)
    assert len(local.encode()) == 63 <= 64 and local == local.lower() and local.startswith("u+")
    for spelling in (local, local.upper(), local.title()):
        assert mailcode.token_of(spelling) == token
    claims = tokens.read(Purpose.UNSUBSCRIBE, mailcode.token_of(local.upper()))
    assert (claims.pid_bytes, claims.campaign_id, claims.lang) == (pid, campaign, lang)


def test_a_spoiled_code_is_no_token() -> None:
    tokens = TokenService(KEYS)
    local = mailcode.local_part(tokens.mint_pair(bytes(16), 7, "nb")[0])
    last = "abcdefghijklmnopqrstuvwxyz234567".index(local[-1])
    non_canonical = local[:-1] + "abcdefghijklmnopqrstuvwxyz234567"[last ^ 1]  # only padding bits differ
    for bad in (local[:-1], local + "a", "x+" + local[2:], local[:-1] + "1", local[:-1] + "=", non_canonical):
        with pytest.raises(TokenInvalid):
            tokens.read(Purpose.UNSUBSCRIBE, mailcode.token_of(bad))


def test_the_setting_is_a_domain_in_a_label_form(tmp_path) -> None:
    base = {"OPTOUT_SECRET_KEYS": KEYS[0].decode(), "OPTOUT_ID_KEY": "x" * 40, "OPTOUT_BASE_URL": "https://a.no"}

    def load(**extra: str):
        return load_settings({**base, **extra}, instance_path=tmp_path, development=False)

    assert load().mailto_domain is None
    assert load(OPTOUT_MAILTO_DOMAIN=" Avmeld.Blåbær.NO. ").mailto_domain == "avmeld.xn--blbr-roah.no"
    for bad in ("localhost", "not a domain", "a..no", "-x.no"):
        with pytest.raises(ConfigError, match="OPTOUT_MAILTO_DOMAIN"):
            load(OPTOUT_MAILTO_DOMAIN=bad)
    with pytest.raises(ConfigError, match="OPTOUT_MAIL_MAX_BYTES"):
        load(OPTOUT_MAIL_MAX_BYTES="12")


@pytest.fixture
def mail_app(app: Flask, make_app: Callable[..., Flask], make_campaign) -> Flask:
    make_campaign("newsletter", topic="periodic")
    return make_app(OPTOUT_MAILTO_DOMAIN=DOMAIN)


def _check(header: str, unsubscribe_url: str) -> None:
    found = HEADER.fullmatch(header)
    assert found, header
    assert found.group(1) == unsubscribe_url  # HTTPS first: Gmail and others act on the first entry
    assert "\n" not in header and len("List-Unsubscribe: " + header) <= 998


def test_optout_links_prints_the_https_entry_then_the_mailto_entry(mail_app: Flask) -> None:
    result = mail_app.test_cli_runner().invoke(cli, ["links", "--campaign", "newsletter", "kari@example.no"])
    assert result.exit_code == 0, result.output
    made = json.loads(result.output.splitlines()[-1])
    _check(made["list_unsubscribe"], made["unsubscribe_url"])


@forks
@pytest.mark.parametrize("workers", ["1", "2"])
def test_the_filter_adds_the_mailto_entry_in_one_process_and_in_workers(mail_app: Flask, tmp_path, workers) -> None:
    source = tmp_path / "list.csv"
    source.write_text("email,name\n" + "".join(f"p{n}@example.no,P {n}\n" for n in range(40)))
    out = tmp_path / "out.csv"
    result = mail_app.test_cli_runner().invoke(
        cli, ["filter", "--campaign", "newsletter", "--workers", workers, "--output", str(out), str(source)]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == 40
    for row in rows:
        _check(row["list_unsubscribe"], row["unsubscribe_url"])
    codes = {HEADER.fullmatch(row["list_unsubscribe"]).group(2) for row in rows}  # type: ignore[union-attr]
    assert len(codes) == 40


def test_the_api_links_carry_the_mailto_entry(mail_app: Flask) -> None:
    key = create_key(mail_app)
    answer = mail_app.test_client().post(
        "/api/v1/campaigns/newsletter/links", json={"emails": ["kari@example.no"]}, headers=bearer(key)
    )
    assert answer.status_code == 200, answer.text
    made = answer.json["links"][0]  # type: ignore[index]
    _check(made["list_unsubscribe"], made["unsubscribe_url"])
