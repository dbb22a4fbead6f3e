"""The API's docs page (exchange/api/docs.py) in Chromium: a padlock only on the operations
that need credentials, and a request signer that makes "Try it out" work on a signed
endpoint without the secret leaving the browser."""

from __future__ import annotations

import json

from playwright.sync_api import expect

from tests.exchange.processes import manage_many


def _key(exchange) -> dict:
    (made,) = map(json.loads, manage_many(exchange.env, ("create_api_key", "maker")))
    return made


def _operation(page, method: str, path: str):
    return (
        page.locator(f".opblock-{method}")
        .filter(has=page.locator(".opblock-summary-path", has_text=path))
        .filter(has_not=page.locator(".opblock-summary-path", has_text=f"{path}/"))
    )


def test_padlocks_mark_the_operations_that_need_credentials(browser, exchange, artifacts):
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    try:
        page.goto(exchange.base + "/api/v1/docs")
        expect(_operation(page, "get", "/api/v1/symbols")).to_have_count(1, timeout=20_000)

        public = _operation(page, "get", "/api/v1/symbols")
        private = _operation(page, "get", "/api/v1/account/balances")
        expect(public.locator(".authorization__btn")).to_have_count(0)
        expect(private.locator(".authorization__btn")).to_have_count(1)
        page.screenshot(path=str(artifacts / "50-api-docs.png"), full_page=False)
    finally:
        page.close()


def test_the_signer_signs_try_it_out_without_sending_the_secret(browser, exchange, artifacts):
    made = _key(exchange)
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    sent = []
    page.on("request", lambda request: sent.append(request))
    try:
        page.goto(exchange.base + "/api/v1/docs")
        balances = _operation(page, "get", "/api/v1/account/balances")
        expect(balances).to_have_count(1, timeout=20_000)
        page.fill("#signer-key", made["key"])
        page.fill("#signer-secret", made["secret"])
        page.click("#signer-form button[type=submit]")
        expect(page.get_by_test_id("signer-state")).to_contain_text(made["key"])

        balances.locator(".opblock-summary").click()
        balances.locator(".try-out__btn").click()
        with page.expect_response("**/api/v1/account/balances") as answer:
            balances.locator(".execute").click()
        expect(
            balances.locator(".live-responses-table td.response-col_status:not(.col_header)")
        ).to_contain_text("200")
        page.screenshot(path=str(artifacts / "51-api-docs-signed.png"), full_page=False)

        assert answer.value.status == 200, answer.value.text()
        assert isinstance(answer.value.json(), list | dict)
        request = answer.value.request
        headers = request.headers
        assert headers["x-api-key"] == made["key"]
        assert len(headers["x-api-signature"]) == 64
        for each in sent:
            assert made["secret"] not in json.dumps(each.headers)
            assert made["secret"] not in (each.post_data or "")
            assert made["secret"] not in each.url
    finally:
        page.close()
