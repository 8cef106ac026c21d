"""``OPTOUT_SESSION_KEY``: the console's sessions and CSRF tokens signed apart from the links, so a
host that holds only the link keys (a CLI filter, an API server) cannot forge a console login."""

from __future__ import annotations

import pytest

from optout import create_app
from optout.config import ConfigError
from tests.helpers.officers import console, log_in
from tests.helpers.settings import NEW_KEY, settings_for

pytestmark = pytest.mark.dialect_independent("cookie signing")

SESSION_KEY = "console-session-key-0123456789-abcdefghijk"
COOKIE = "__Host-optout"
HOST = "optout.example.no"


def test_a_session_signed_with_a_link_key_is_refused_and_the_console_login_works(make_app, officer):
    links_only = make_app()  # no session key: sessions signed with the newest link key
    separate = make_app(OPTOUT_SESSION_KEY=SESSION_KEY)
    other_host = links_only.test_client()
    assert log_in(other_host).status_code == 303
    cookie = other_host.get_cookie(COOKIE, domain=HOST)
    assert cookie is not None
    console_client = separate.test_client()
    console_client.set_cookie(COOKIE, cookie.value, domain=HOST, secure=True, httponly=True)
    refused = console_client.get(console("/"))
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/officer/login")
    assert log_in(console_client).status_code == 303
    assert console_client.get(console("/")).status_code == 200
    own = console_client.get_cookie(COOKIE, domain=HOST)
    assert own is not None
    links_client = links_only.test_client()
    links_client.set_cookie(COOKIE, own.value, domain=HOST, secure=True, httponly=True)
    assert links_client.get(console("/")).status_code == 302  # and the other way round


@pytest.mark.parametrize("key", ["short", f"{'a' * 40} {'b' * 40}", NEW_KEY])
def test_a_session_key_must_be_one_long_key_of_its_own(tmp_path, key):
    with pytest.raises(ConfigError, match="OPTOUT_SESSION_KEY"):
        create_app(settings_for(f"sqlite:///{tmp_path}/x.sqlite3", OPTOUT_SESSION_KEY=key))
