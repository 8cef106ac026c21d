"""Security headers on every response; no-store and noindex on token pages; cookies only where
a form needs CSRF; no address and no token in any log line."""

from __future__ import annotations

import logging

import pytest

from optout.web.security import RedactTokens

pytestmark = pytest.mark.dialect_independent("response headers, cookies and log lines; no query result is checked")


@pytest.fixture
def urls(links, make_campaign):
    campaign = make_campaign("newsletter", topic="periodic")
    mine = links("liv@example.no", campaign)
    return {
        "unsubscribe": mine.unsubscribe_url,
        "preferences": mine.preferences_url,
        "bad": "https://optout.example.no/u/garbage",
        "index": "https://optout.example.no/",
    }


@pytest.mark.parametrize("page", ["unsubscribe", "preferences", "bad", "index"])
def test_security_headers_everywhere(client, urls, page):
    response = client.get(urls[page])
    csp = response.headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "frame-ancestors 'none'", "form-action 'self'", "object-src 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "charset=utf-8" in response.headers["Content-Type"]
    token_page = page != "index"
    assert (response.headers.get("Cache-Control") == "no-store") is token_page
    assert ("noindex" in response.headers.get("X-Robots-Tag", "")) is token_page


@pytest.mark.parametrize("page", ["unsubscribe", "bad", "index"])
def test_pages_without_a_form_set_no_cookie(client, urls, page):
    assert "Set-Cookie" not in client.get(urls[page]).headers


def test_pages_load_nothing_from_another_origin(client, urls):
    html = client.get(urls["preferences"]).text
    assert "<script" not in html and "style=" not in html and "<style" not in html
    for attribute in ('src="http', 'href="//', "@import"):
        assert attribute not in html
    with client.get("https://optout.example.no/static/optout.css") as stylesheet:
        assert stylesheet.status_code == 200 and "url(" not in stylesheet.text


def test_log_filter_removes_tokens_from_werkzeug_and_gunicorn_lines(urls):
    token_path = urls["preferences"].removeprefix("https://optout.example.no")
    werkzeug = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '%s - - "%s" %s',
        ("127.0.0.1", f"GET {token_path}?lang=en HTTP/1.1", "200"),
        None,
    )
    gunicorn = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%(r)s", None, None)
    gunicorn.args = {"r": f"POST {token_path} HTTP/1.1", "s": "200"}
    for record in (werkzeug, gunicorn):
        RedactTokens().filter(record)
        line = record.getMessage()
        assert token_path.split("/")[-1] not in line and ("/p/…" in line)


def test_a_whole_flow_logs_no_token_and_no_address(client, urls, caplog):
    caplog.set_level(logging.DEBUG)
    client.get(urls["unsubscribe"])
    client.post(urls["unsubscribe"], data={"List-Unsubscribe": "One-Click"})
    client.get(urls["preferences"])
    client.get(urls["bad"])
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (urls["unsubscribe"].rsplit("/", 1)[1], urls["preferences"].rsplit("/", 1)[1], "liv@example.no"):
        assert secret not in logged


def test_behind_a_trusted_proxy_the_visitors_scheme_counts(make_app):
    forwarded = {"X-Forwarded-Proto": "https"}
    proxied = make_app(OPTOUT_TRUSTED_PROXIES="1").test_client().get("http://10.0.0.5/", headers=forwarded)
    assert "Strict-Transport-Security" in proxied.headers
    direct = make_app().test_client().get("http://10.0.0.5/", headers=forwarded)
    assert "Strict-Transport-Security" not in direct.headers
