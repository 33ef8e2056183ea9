"""What the console's browser tests (and the demo's) share: the browser, signing in, reading the overview,
screenshots. The demo's check, given a console on the demo's services (`tests.console.stack.serving`):

    async with chromium() as browser:
        page = await signed_in(browser, console_url, "bureau")   # lands on /overview: the services' year
        await assert_overview_shows(page, figures)               # figures: GET /figures for that year
"""

import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

ARTIFACTS = Path(__file__).parent / "artifacts"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1366, "height": 900}


CHROMIUM = os.environ.get("JZ_CHROMIUM", "/usr/bin/chromium")


@contextlib.asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """Debian's chromium under Playwright (never the browsers Playwright downloads itself)."""
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            yield browser
        finally:
            await browser.close()


async def signed_in(
    browser: Browser, console: str, role: str, *, viewport: dict[str, int] = DESKTOP, log: Any = None, **ids: str
) -> Page:
    """A new browser context signed in through the console's `/dev-login` as `role` with `ids`."""
    context: BrowserContext = await browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = await context.new_page()
    if log is not None:
        page.on("request", log)
    await page.goto(f"{console}/dev-login?{urlencode({'role': role, **ids})}")
    return page


def figure_text(value: Any) -> str:
    """How a figure should read: a count with thousands separators, a rate as percent and its parts."""
    if isinstance(value, dict) and "total" in value:
        return f"{value['total']:,}"
    if isinstance(value, dict) and "denominator" in value:
        shown = "—" if value.get("percent") is None else f"{value['percent']}%"
        return f"{shown} ({value['numerator']}/{value['denominator']})"
    return "—" if value is None else str(value)


async def assert_overview_shows(page: Page, figures: dict[str, Any]) -> None:
    """The overview on `page` shows every figure of `figures` (a GET /figures answer) as it should read."""
    table = page.locator("#figures")
    await expect(table).to_be_visible()
    for name, value in figures.items():
        if name in ("period", "as_of"):
            continue
        cell = table.locator(f'tr[data-figure="{name}"] td')
        await expect(cell).to_have_text(figure_text(value))


async def shot(page: Page, name: str, full_page: bool = True) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=full_page)
    return path


async def within(seconds: float, check: Callable[[], Awaitable[bool]], what: str) -> float:
    """Waits until `check()` holds, at most `seconds`; how long it took."""
    started = time.monotonic()
    while not await check():
        assert time.monotonic() - started < seconds, f"not within {seconds} s: {what}"
        await asyncio.sleep(0.05)
    return time.monotonic() - started
