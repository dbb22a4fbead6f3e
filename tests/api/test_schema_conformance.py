"""The OpenAPI schema matches the real responses: schemathesis generates requests for every
operation (signed, against a live server and a real matcher) and checks that no response is
a 5xx, and that every status, content type and body is the one the schema documents."""

from __future__ import annotations

import itertools
import json

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.clients import SignedClient, signed_headers

pytestmark = [pytest.mark.django_db(transaction=True)]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 15  # per mode: valid requests, then invalid ones


def test_the_schema_is_openapi_3_and_lists_the_api(client) -> None:
    schema = client.get("/api/v1/schema?format=json").json()

    assert schema["openapi"].startswith("3.")
    for path in ("/api/v1/orders", "/api/v1/orders/{order_id}", "/api/v1/book/{symbol}",
                 "/api/v1/health", "/api/v1/symbols", "/api/v1/account/trades"):  # fmt: skip
        assert path in schema["paths"], path


def test_only_operations_that_need_credentials_list_them(client) -> None:
    """Public operations have no security (the docs page shows no padlock); the account's
    and orders' need a key or a session."""
    paths = client.get("/api/v1/schema?format=json").json()["paths"]

    assert paths["/api/v1/symbols"]["get"]["security"] == []
    assert paths["/api/v1/book/{symbol}"]["get"]["security"] == []
    assert paths["/api/v1/health"]["get"]["security"] == []
    for path, method in (("/api/v1/orders", "post"), ("/api/v1/account/balances", "get"),
                         ("/api/v1/orders/cancel-after", "get")):  # fmt: skip
        assert paths[path][method]["security"] == [{"apiKey": []}, {"session": []}]


def test_the_docs_page_is_served_without_a_cdn(client) -> None:
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger" in page.lower()
    assert "cdn." not in page and "unpkg" not in page


def _send(base_url: str, signer: SignedClient, case) -> requests.Response:
    """Sends `case` signed over the path exactly as it goes on the wire (percent-encoded)."""
    body = b"" if case.body is None or not isinstance(case.body, (dict, list)) else (
        json.dumps(case.body).encode()
    )  # fmt: skip
    prepared = requests.Request(
        case.method, base_url + case.formatted_path, params=case.query or None, data=body
    ).prepare()
    prepared.headers.update(
        signed_headers(signer.key, signer.secret, case.method, prepared.path_url, body)
    )
    prepared.headers["Content-Type"] = "application/json"
    with requests.Session() as session:
        return session.send(prepared, timeout=30)


def test_generated_requests_get_documented_responses(live_server, matcher, traders) -> None:
    signer = SignedClient.for_user(traders[0])
    raw = requests.get(live_server.url + "/api/v1/schema?format=json", timeout=30).json()
    schema = schemathesis.openapi.from_dict(raw)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation, mode in itertools.product(operations, GenerationMode):

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def check(case) -> None:
            response = _send(live_server.url, signer, case)
            case.validate_response(response, checks=CHECKS)

        try:
            check()
        except Unsatisfiable:
            continue  # nothing in this operation can be made invalid (no parameters or body)
        except Exception as error:  # collect every operation's failure, then report them all
            failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}): {error}")
    assert not failures, "\n\n".join(failures)
