"""Pages whose HTML differs between requests only in a few strings: rendered once, then filled in.

The unsubscribe link's pages (above all the answer to a one-click) are the same for every
recipient of a campaign, in one language and state, except for the link's token in the buttons'
URLs, the change id that Undo and the reason form carry, and the language switch's query. The
preference page is the same for everyone with the same choices, but for those and the CSRF token
and the dates in "Why did I get this?". So the template is rendered once per process for each
combination of everything else it reads, with a unique marker in place of each of those strings
(the slots), and each later answer replaces the markers with the request's own values, escaped
as Jinja would have escaped them.

What the key holds is everything else a template can see: its name and values, the response's
language, ``?lang=`` when it names a language, the mount point, and the policy the footer names
(the rest of the shared page context is the app's settings, fixed for its life). A request whose
``?lang=`` names a language we do not have is rendered as usual (its notice echoes the value).
Only templates that read the session, the CSRF token or the request through a slot, or not at
all, may be given here.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Hashable, Mapping
from typing import Any

from flask import current_app, g, render_template, request
from markupsafe import escape

from ..languages import SUPPORTED
from ..policy.service import PolicyState
from . import i18n
from .pages import switch_url

_MAX_PAGES = 1024  # combinations kept per process; past it the cache starts again


class PageCache:
    """Rendered pages by key, each with its markers (one app's, shared by its threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pages: dict[Hashable, str] = {}
        self.marker = f"optout-slot-{secrets.token_hex(8)}-"  # appears in no page by chance

    def get(self, key: Hashable) -> str | None:
        return self._pages.get(key)

    def held(self) -> list[str]:
        """Every page kept, with markers in place of the slots: no link, CSRF token, change id or reason."""
        return list(self._pages.values())

    def put(self, key: Hashable, html: str) -> None:
        with self._lock:
            if len(self._pages) >= _MAX_PAGES:
                self._pages.clear()
            self._pages[key] = html


def _cache() -> PageCache:
    cache: PageCache | None = current_app.extensions.get("optout.page_cache")
    if cache is None:
        cache = current_app.extensions.setdefault("optout.page_cache", PageCache())
    return cache


def render(
    template: str,
    values: Mapping[str, Hashable],
    slots: Mapping[str, str],
    build: Callable[[Mapping[str, str]], Mapping[str, Any]],
) -> str:
    """*template* rendered with *values*, the strings in *slots* filled in per request.

    *build* turns the slots (each name to a string, a marker or the request's own value) into
    the rest of the template's values, such as URLs that hold the token. A slot is put in
    escaped, as Jinja escapes a value (a marker is the same escaped or not), so a slot may stand
    only where the template writes a value with ``{{ }}``, never inside a filter or a test."""
    if i18n.unknown_language() is not None:
        return render_template(template, **values, **build(slots))
    cache = _cache()
    policy: PolicyState | None = g.get("optout_policy")
    key = (
        template,
        i18n.current_language(),
        i18n.explicit_language(),
        request.script_root,
        (policy.current.url, policy.current.effective_on) if policy else None,
        tuple(sorted(values.items())),
        tuple(sorted(slots)),
    )
    marker = cache.marker
    html = cache.get(key)
    if html is None:
        markers = {name: f"{marker}{name}-" for name in slots}
        html = render_template(
            template,
            **values,
            **build(markers),
            switch_url=lambda lang: f"{marker}switch-{lang}-",
        )
        cache.put(key, html)
    for name, value in slots.items():
        html = html.replace(f"{marker}{name}-", str(escape(value)))
    for lang in SUPPORTED:
        switch = f"{marker}switch-{lang}-"
        if switch in html:
            html = html.replace(switch, str(escape(switch_url(lang))))
    return html
