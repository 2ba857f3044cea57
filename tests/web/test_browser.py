"""A guest's whole visit in headless Chromium (Debian's, driven by Playwright): search with the
autocomplete, open a hotel, book it, see the confirmation, cancel it. Every page is screenshotted
(into .ibe/test-artifacts/web/) and checked with axe-core: no serious or critical violation."""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import WebEnv

CHROMIUM = Path(os.environ.get("IBE_CHROMIUM", "/usr/bin/chromium"))
AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(os.environ.get("IBE_TEST_ARTIFACTS", ".ibe/test-artifacts")) / "web"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def busiest_region(catalog: list[dict[str, Any]]) -> dict[str, Any]:
    counts = Counter(r["region"]["id"] for r in catalog)
    region_id = counts.most_common(1)[0][0]
    return next(r["region"] for r in catalog if r["region"]["id"] == region_id)


class Visit:
    """The browser page plus what every step does: wait, screenshot, run axe."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.violations: dict[str, list[str]] = {}
        self.shots: list[Path] = []

    async def check(self, name: str) -> None:
        await self.page.wait_for_load_state("domcontentloaded")
        shot = ARTIFACTS / f"{len(self.shots) + 1:02d}-{name}.png"
        await self.page.screenshot(path=str(shot), full_page=True)
        self.shots.append(shot)
        await self.page.add_script_tag(path=str(AXE))
        result = await self.page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
            ".map(v => v.id + ': ' + v.help + ' (' + v.nodes.map(n => n.target.join(' ')).join(', ') + ')')"
        )
        if result:
            self.violations[name] = result


@pytest.mark.timeout(150)
async def test_search_book_confirm_cancel_in_chromium(web_env: WebEnv):
    from playwright.async_api import async_playwright, expect

    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: `make test` installs Debian's chromium (apt-get install chromium)"
        )
    assert AXE.exists(), "axe-core missing: run `make install` (npm ci in tests/web/axe)"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    region = busiest_region(web_env.sim.catalog)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-GB",
                                                timezone_id="Europe/Berlin")  # fmt: skip
            # No internet here: the CDN's photos fail to load, and the page must show its placeholder.
            await context.route("https://cdn.worldota.net/**", lambda route: route.abort())
            page = await context.new_page()
            page.set_default_timeout(20_000)
            visit = Visit(page)

            # 1. Home: the destination comes from the autocomplete.
            await page.goto(web_env.url + "/")
            await expect(page).to_have_title("Hotels worldwide: search and book | ETG Hotels")
            await page.fill("#dest", region["name"][:4])
            option = page.locator("#dest-list li[data-kind=region]").first
            await expect(option).to_be_visible()
            await visit.check("home-autocomplete")
            await option.click()
            assert await page.input_value("#region_id") == str(region["id"])
            await page.click("form.search button[type=submit]")

            # 2. Results: a price per night and a total for each hotel.
            await page.wait_for_url("**/search?**")
            cards = page.locator(".hotel-card")
            await expect(cards.first).to_be_visible()
            assert "per night" in await cards.first.inner_text()
            assert "total" in await cards.first.inner_text()
            await visit.check("results")

            # 3. The hotel page: content, photos (placeholder when they fail), rates loaded apart.
            await cards.first.locator("h2 a").click()
            await page.wait_for_url("**/hotels/*-*")
            await expect(page.locator("h1")).to_be_visible()
            await expect(page.locator("#pol-h")).to_have_text("Hotel policies")
            await expect(page.locator("#rates .rate-card").first).to_be_visible()
            first_photo = page.locator(".photos img").first
            await expect(first_photo).to_have_attribute("src", re.compile(r"^/static/placeholder\.svg"))
            assert await first_photo.get_attribute("alt")
            await visit.check("hotel")
            rate = page.locator("#rates .rate-card").filter(has_text="Free cancellation").first
            if await rate.count() == 0:
                rate = page.locator("#rates .rate-card").first
            await rate.locator("button").click()

            # 4. Guest details: messages next to the fields, then the real names.
            await page.wait_for_url("**/book/prebook")
            await expect(page.locator("h1")).to_have_text("Guest details")
            await page.click("form.details button[type=submit]")
            await expect(page.locator("#email-error")).to_contain_text("email address")
            await expect(page.locator("#g-0-0-first-error")).to_be_visible()
            await visit.check("details-errors")
            for field in await page.locator("form.details input[type=text]").all():
                name = await field.get_attribute("name")
                await field.fill("Ada" if name.endswith("first") else "Lovelace")
            await page.fill("#email", "ada@example.com")
            if await page.locator("#accept_price").count():
                await page.check("#accept_price")
            await page.click("form.details button[type=submit]")

            # 5. Payment with the simulator's test card, then the confirmation page follows the saga.
            await expect(page.locator("h1")).to_have_text("Payment")
            await visit.check("payment")
            await page.click("form.payment button[type=submit]")
            await page.wait_for_url("**/bookings/bk_*")
            await expect(page.locator("h1")).to_have_text("Booking confirmed", timeout=45_000)
            booking_id = page.url.split("/bookings/")[1].split("?")[0]
            await visit.check("confirmed")

            # 6. My booking by number and email, then cancel: the penalty is shown before confirming.
            await page.goto(web_env.url + "/my-booking")
            await page.fill("#booking_id", booking_id)
            await page.fill("#email", "ADA@example.com")
            await visit.check("my-booking")
            await page.click("form.details button[type=submit]")
            await expect(page.locator("h1")).to_have_text("Booking confirmed")
            await page.click("text=Cancel this booking")
            await expect(page.locator("#penalty")).to_contain_text("You get back")
            await visit.check("cancel")
            await page.click("button.danger")
            await expect(page.locator("h1")).to_have_text("Booking cancelled", timeout=45_000)
            await visit.check("cancelled")
        finally:
            await browser.close()
    print(f"screenshots: {', '.join(str(s) for s in visit.shots)}")
    assert all(s.stat().st_size > 1000 for s in visit.shots)
    assert not visit.violations, f"axe found serious or critical violations: {visit.violations}"
