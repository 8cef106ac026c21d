"""Odd input to the console answers 4xx or a safe redirect, never 500."""

from __future__ import annotations

import pytest

from tests.helpers.officers import console, log_in
from tests.helpers.settings import BASE_URL

pytestmark = pytest.mark.dialect_independent("odd input is answered before any query")


@pytest.mark.parametrize(
    "before", ["99999999999999999999999", "9223372036854775808", "2147483648", "-1", "0", "abc", "", "١٢"]
)
def test_an_audit_page_start_that_cannot_be_an_entry_is_not_found(signed_in, before):
    assert signed_in.get(console(f"/audit?before={before}")).status_code == 404


@pytest.mark.parametrize(
    "target", ["/officer/%0d%0aSet-Cookie:%20x=1", "/officer/%0a", "/officer/%09ledger", "/officer/%00", "/officer/%7f"]
)
def test_a_next_address_with_control_characters_leads_to_the_console_home(client, officer, target):
    response = log_in(client, query=f"?next={target}")
    assert response.status_code == 303
    assert response.headers["Location"] == "/officer/"
    assert "Set-Cookie: x" not in str(response.headers)


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_api_routing_errors_are_never_cached(client, method):
    response = client.open(f"{BASE_URL}/api/v1/nothing-here", method=method)
    assert response.status_code == 404 and response.json["error"] == "not-found"
    assert response.headers["Cache-Control"] == "no-store"
    response = client.open(f"{BASE_URL}/api/v1/campaigns/spring/filter", method="PUT")
    assert response.status_code == 405 and response.json["error"] == "method-not-allowed"
    assert response.headers["Cache-Control"] == "no-store"
