"""Only the public origin's host is answered, and no redirect ever leaves it: a client's
``Host`` or ``X-Forwarded-Host`` cannot send a visitor (and a link's token) to another site."""

from __future__ import annotations

import pytest

from optout import create_app
from optout.config import ConfigError
from tests.helpers.settings import BASE_URL, settings_for

pytestmark = pytest.mark.dialect_independent("the host and redirect checks answer before any query")

SLASH_REDIRECTS = ["/officer", "/p//{token}", "/u//{token}"]


@pytest.fixture
def proxied(make_app):
    """The app as the README deploys it: behind one TLS proxy, reached over plain HTTP."""
    return make_app(OPTOUT_TRUSTED_PROXIES="1")


@pytest.fixture
def token(links, make_campaign):
    return links("kari@example.no", make_campaign("spring")).unsubscribe_url.rsplit("/", 1)[1]


def _internal(client, path, **headers):
    """A request as the proxy forwards it: plain HTTP inside, the public host, HTTPS outside."""
    return client.get(path, base_url="http://optout.example.no", headers={"X-Forwarded-Proto": "https", **headers})


@pytest.mark.parametrize("path", SLASH_REDIRECTS)
def test_a_forwarded_host_is_ignored_and_redirects_stay_on_the_public_origin(proxied, token, path):
    response = _internal(proxied.test_client(), path.format(token=token), **{"X-Forwarded-Host": "evil.example"})
    assert response.status_code == 308
    assert response.headers["Location"].startswith(f"{BASE_URL}/")
    assert "evil.example" not in response.headers["Location"]


@pytest.mark.parametrize("path", SLASH_REDIRECTS)
def test_another_host_is_refused(proxied, app, token, path):
    for client in (proxied.test_client(), app.test_client()):
        response = client.get(path.format(token=token), base_url="https://evil.example")
        assert response.status_code == 400
        assert "Location" not in response.headers
        response = client.get(f"{BASE_URL}{path.format(token=token)}", headers={"Host": "evil.example"})
        assert response.status_code == 400 and "Location" not in response.headers


def test_redirects_get_the_public_scheme_even_when_the_proxy_is_not_trusted(app):
    response = app.test_client().get("/officer", base_url="http://optout.example.no")
    assert response.status_code == 308
    assert response.headers["Location"] == f"{BASE_URL}/officer/"


def test_a_trusted_forwarded_host_must_still_be_the_public_one(make_app):
    opted_in = make_app(OPTOUT_TRUSTED_PROXIES="1", OPTOUT_TRUST_FORWARDED_HOST="1").test_client()
    public = _internal(opted_in, "/officer", Host="127.0.0.1:8000", **{"X-Forwarded-Host": "optout.example.no"})
    assert public.status_code == 308 and public.headers["Location"] == f"{BASE_URL}/officer/"
    evil = _internal(opted_in, "/officer", **{"X-Forwarded-Host": "evil.example"})
    assert evil.status_code == 400 and "Location" not in evil.headers


def test_trusting_the_forwarded_host_is_a_yes_or_no(tmp_path):
    with pytest.raises(ConfigError, match="OPTOUT_TRUST_FORWARDED_HOST"):
        create_app(settings_for(f"sqlite:///{tmp_path}/x.sqlite3", OPTOUT_TRUST_FORWARDED_HOST="maybe"))
