"""Reading the unsubscribe pages as a person would: the title, the heading, the buttons, and
pressing one (its form's hidden fields and no cookie, since these pages need none)."""

from __future__ import annotations

import re

from tests.helpers.settings import BASE_URL

TAG = re.compile(r"<[^>]+>")
ONE_CLICK = {"List-Unsubscribe": "One-Click"}  # the RFC 8058 body
CHANGE = re.compile(r'name="change" value="([0-9a-f]{32})"')  # a page's undo form


def title(html: str) -> str:
    return re.search("<title>(.*?) \u2013 ", html)[1]  # without the organisation after the dash


def h1(html: str) -> str:
    return TAG.sub("", re.search(r"<h1>(.*?)</h1>", html, re.S)[1])


def buttons(html: str) -> list[str]:
    return [TAG.sub("", b).strip() for b in re.findall(r"<button[^>]*>(.*?)</button>", html, re.S)]


def press(client, html: str, button: str, **fields: str):
    """Send the form that holds *button* with its hidden fields, as a browser would (no cookie needed)."""
    for url, form in re.findall(r"<form method=\"post\" action=\"([^\"]+)\"[^>]*>(.*?)</form>", html, re.S):
        if f">{button}</button>" in form:
            hidden = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', form))
            return client.post(BASE_URL + url.replace("&amp;", "&"), data={**hidden, **fields})
    raise AssertionError(f"no form with the button {button!r}")
