"""The trading page as a test drives it: log in, fill the order form, read the panels, save a
screenshot of each step."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from playwright.sync_api import Browser, Locator, Page, expect

from tests.page.conftest import PASSWORD

TIMEOUT_MS = 15_000


class TradingPage:
    def __init__(self, page: Page, base: str, artifacts: Path) -> None:
        self.page, self.base, self.artifacts = page, base, artifacts
        self.script_errors: list[str] = []
        page.on("pageerror", lambda error: self.script_errors.append(str(error)))
        page.set_default_timeout(TIMEOUT_MS)
        expect.set_options(timeout=TIMEOUT_MS)

    @classmethod
    def open(cls, browser: Browser, base: str, artifacts: Path) -> TradingPage:
        context = browser.new_context(
            viewport={"width": 1440, "height": 940}, accept_downloads=True
        )
        return cls(context.new_page(), base, artifacts)

    def assert_no_script_errors(self) -> None:
        assert self.script_errors == []

    def close(self) -> None:
        self.page.context.close()

    def shot(self, name: str) -> None:
        self.page.screenshot(path=self.artifacts / f"{name}.png", full_page=True)

    def visit(self, path: str = "/") -> None:
        self.page.goto(self.base + path)
        if path == "/":
            self.wait_ready()

    def wait_ready(self) -> None:
        expect(self.page.locator("#app")).to_have_attribute("data-ready", "true")

    def log_in(self, username: str, password: str = PASSWORD) -> None:
        self.page.goto(self.base + "/accounts/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.page.click("button[type=submit]")
        self.wait_ready()

    # ---- the order form ----

    def place(self, side: str, price: str | None, quantity: str, order_type: str = "limit") -> None:
        self.page.click(f"label[for=side-{side}]")
        self.page.select_option("#f-type", order_type)
        if price is not None:
            self.page.fill("#f-price", price)
        self.page.fill("#f-quantity", quantity)
        self.page.click("#f-submit")

    def error_for(self, field: str) -> Locator:
        return self.page.locator(f'#order-form [data-error-for="{field}"]')

    # ---- the panels ----

    def ask(self, price: str) -> Locator:
        return self.page.locator(f'#book-asks .level[data-price="{price}"]')

    def open_order(self, price_text: str) -> Locator:
        return self.page.locator("[data-pane=open] tbody tr", has_text=price_text)

    def tab(self, name: str) -> None:
        self.page.click(f"[data-tab={name}]")

    def available(self, asset: str) -> Locator:
        return self.page.locator(f"[data-testid=balances] tr[data-asset={asset}] .available")

    def latest_trade(self) -> Locator:
        return self.page.locator("#trades li").first

    def export_csv(self, button: str) -> list[dict]:
        """Clicks an export button; the rows of the downloaded CSV file."""
        with self.page.expect_download() as download:
            self.page.click(button)
        path = download.value.path()
        assert download.value.suggested_filename.endswith(".csv")
        return list(csv.DictReader(io.StringIO(Path(path).read_text("utf-8"))))
