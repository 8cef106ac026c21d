"""The test client and template cache every test app uses, and reading a form's CSRF token."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from werkzeug.routing.rules import Rule
from werkzeug.test import TestResponse


class PublicOriginClient(FlaskClient):
    """A test client that sends relative URLs to the app's public origin, as a browser following
    its links would: the app refuses every other ``Host`` (``TRUSTED_HOSTS``), and the test client's
    default, ``localhost``, is another."""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        if args and isinstance(args[0], str) and args[0].startswith("/") and "base_url" not in kwargs:
            kwargs["base_url"] = self.application.extensions["optout.settings"].public_origin
        return super().open(*args, **kwargs)


CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in *html*."""
    match = CSRF_FIELD.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


class SharedTemplateCache(BytecodeCache):
    """Compiled templates kept in memory for every app of the run. Each test builds its own app,
    whose new Jinja environment would otherwise parse and compile every template it renders again
    (a tenth of a web test's CPU). Jinja checks each entry against the template's source."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if (code := self.compiled.get(bucket.key)) is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


def share_url_builders() -> None:
    """Let every app of the run share the URL builders Werkzeug compiles for each rule.

    Each test builds its own app, and Werkzeug compiles two builder functions (Python source,
    through ``compile``) for each of its 66 rules: three quarters of ``create_app``'s CPU. A builder
    is a function of the rule's text, its trace, its defaults' names and ``append_unknown``; it
    reaches its converters through the rule it is bound to, so one compiled function serves every
    app. A rule whose defaults fill one of its own variables gets a constant from its converter
    compiled in, and is left to Werkzeug.
    """
    compile_builder: Callable[[Rule, bool], Callable[..., tuple[str, str]]] = Rule._compile_builder
    shared: dict[tuple[object, ...], Callable[..., tuple[str, str]]] = {}

    def shared_builder(rule: Rule, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        defaults = rule.defaults or {}
        if any(is_dynamic and name in defaults for is_dynamic, name in rule._trace):
            return compile_builder(rule, append_unknown)
        key = (rule.rule, tuple(rule._trace), tuple(defaults), append_unknown)
        if key not in shared:
            shared[key] = compile_builder(rule, append_unknown)
        return shared[key]

    Rule._compile_builder = shared_builder  # type: ignore[method-assign]
