"""The OpenAPI document: served without a key, a valid OpenAPI 3.1 document, and a true one: its
operations are the app's routes, its error codes the ones the API sends, its schemas fit real
answers."""

from __future__ import annotations

import re

import pytest
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from optout.api import ENDPOINT_SCOPES, PREFIX, ErrorCode, Scope
from optout.lists.filter import LINK_COLUMNS, PHONE_COLUMN, Reason
from tests.api import bearer, create_key
from tests.helpers.phones import decide_number

pytestmark = pytest.mark.dialect_independent("the OpenAPI document and the shape of answers")

DOC = f"{PREFIX}/openapi.json"


@pytest.fixture
def document(client):
    response = client.get(DOC)
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.json


def _check(document: dict, name: str, instance: object) -> None:
    schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
    OAS31Validator(schema).validate(instance)


def test_document_is_served_without_a_key_and_is_valid_openapi_3_1(document):
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_operations_are_exactly_the_routes_under_the_api(app, document):
    served = {
        (method, PREFIX + re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix(PREFIX)))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(PREFIX + "/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    (server,) = document["servers"]
    documented = {(method.upper(), server["url"] + path) for path, item in document["paths"].items() for method in item}
    assert documented == served
    assert ("POST", f"{PREFIX}/campaigns/{{slug}}/filter") in served


def test_nothing_lists_recipients(app):
    readable = {
        rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith(PREFIX) and "GET" in rule.methods
    }
    assert readable == {DOC}


def test_every_operation_but_the_document_needs_a_bearer_key(document):
    scheme = document["components"]["securitySchemes"]["bearer"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert document["security"] == [{"bearer": []}]
    assert document["paths"]["/openapi.json"]["get"]["security"] == []
    for path in ("/campaigns/{slug}/filter", "/campaigns/{slug}/links"):
        operation = document["paths"][path]["post"]
        assert {"200", "401", "403", "404", "413", "415", "422"} <= set(operation["responses"])


def test_each_operation_names_the_scope_its_route_needs(app, document):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/campaigns/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix(PREFIX))
        operation = document["paths"][path]["post"]
        assert operation["security"] == [{"bearer": [ENDPOINT_SCOPES[rule.endpoint].value]}], rule.endpoint
    assert set(ENDPOINT_SCOPES.values()) == set(Scope)
    assert "insufficient-scope" in document["components"]["schemas"]["Error"]["properties"]["error"]["enum"]


def test_request_bodies_name_the_media_types_the_api_reads(document):
    filtering = document["paths"]["/campaigns/{slug}/filter"]["post"]
    assert set(filtering["requestBody"]["content"]) == {"text/csv", "application/json"}
    assert set(filtering["responses"]["200"]["content"]) == {"text/csv", "application/json"}
    assert set(filtering["responses"]["200"]["headers"]) == {
        "X-Optout-Rows-Read",
        "X-Optout-Rows-Kept",
        "X-Optout-Dropped",
        "X-Optout-Malformed-Lines",
    }
    links = document["paths"]["/campaigns/{slug}/links"]["post"]
    assert set(links["requestBody"]["content"]) == {"application/json"}


def test_error_codes_and_drop_reasons_are_the_ones_the_code_uses(document):
    schemas = document["components"]["schemas"]
    assert schemas["Error"]["properties"]["error"]["enum"] == [code.value for code in ErrorCode]
    assert list(schemas["Summary"]["properties"]["dropped"]["properties"]) == [reason.value for reason in Reason]
    kept_links, kept_call = schemas["FilterResult"]["properties"]["kept"]["items"]["allOf"][1]["anyOf"]
    assert tuple(kept_links["properties"]) == LINK_COLUMNS and tuple(kept_call["properties"]) == (PHONE_COLUMN,)


def test_a_call_list_answer_fits_the_schemas(app, client, document, make_campaign):
    make_campaign("calls", topic="phone")
    decide_number(app, "98260580", "topic:phone")
    recipients = [{"phone": "+47 982 60 580", "n": 1}, {"phone": "12"}, {"phone": "41234567", "email": "x@y.no"}]
    filtered = client.post(
        f"{PREFIX}/campaigns/calls/filter", json={"recipients": recipients}, headers=bearer(create_key(app))
    )
    assert filtered.json["kept"] == [{**recipients[0], PHONE_COLUMN: "+4798260580"}]
    _check(document, "FilterRequest", {"recipients": recipients})
    _check(document, "FilterResult", filtered.json)


def test_real_answers_fit_the_schemas(app, client, document, make_campaign, decide):
    make_campaign("newsletter", topic="periodic")
    decide("gone@example.no", "everything")
    key = create_key(app)
    base = f"{PREFIX}/campaigns/newsletter"
    recipients = [{"email": "kari@example.no", "n": 1}, {"email": "gone@example.no"}, {"email": "bad"}]
    filtered = client.post(f"{base}/filter", json={"recipients": recipients, "lang": "en"}, headers=bearer(key))
    _check(document, "FilterRequest", {"recipients": recipients, "lang": "en"})
    _check(document, "FilterResult", filtered.json)
    minted = client.post(f"{base}/links", json={"emails": ["kari@example.no"]}, headers=bearer(key))
    _check(document, "LinksResult", minted.json)
    errors = [
        client.post(f"{base}/links", json={"emails": ["bad"]}, headers=bearer(key)),
        client.post(f"{base}/links", json={"emails": []}),
        client.post(f"{PREFIX}/campaigns/ghost/links", json={"emails": []}, headers=bearer(key)),
        client.post(f"{base}/links", data="x", content_type="text/plain", headers=bearer(key)),
        client.get(f"{PREFIX}/nothing"),
    ]
    assert [e.status_code for e in errors] == [422, 401, 404, 415, 404]
    for error in errors:
        _check(document, "Error", error.json)


def test_the_document_says_recipients_hold_scalars_only(document):
    from jsonschema.exceptions import ValidationError

    _check(document, "Recipient", {"email": "a@example.no", "n": 1, "vip": True, "none": None})
    for nested in ({}, [], ["a"]):
        with pytest.raises(ValidationError):
            _check(document, "Recipient", {"email": "a@example.no", "x": nested})
