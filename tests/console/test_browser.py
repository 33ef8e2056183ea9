"""The console in a real browser (Debian's chromium) against the real services, NATS and PostgreSQL.

One stack and one browser for the session; each test makes the appeals and visits it reads (the world of
`tests.console.world` is all they share), so each passes alone and in any order. One test moves the services'
clock forward (past an appeal's limit); what the others assert holds on either side of that move.
"""

import io
import re
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import zxingcpp
from axe_playwright_python.async_playwright import Axe
from PIL import Image
from playwright.async_api import Browser, Page, expect

from jingzhang.shared.auth import Role
from tests.assignment.e2e.scenario import getter, until
from tests.assignment.unit.samples import ENTERPRISE_ID
from tests.auth import bearer
from tests.console.conftest import RequestLog
from tests.console.helpers import ARTIFACTS, PHONE, assert_overview_shows, shot, signed_in, within
from tests.console.stack import Stack
from tests.console.world import OTHER_ID, POLICE_CHIEF
from tests.console.zone import START

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]
LIVE_WITHIN = 2.0
"""Seconds from an event to the open page showing it (the issue's promise)."""
WCAG_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],  # what the test reads; axe then details nothing else (faster)
}
CONTACT = {"role": "enterprise_contact", "enterprise_id": ENTERPRISE_ID}
OPENED = (
    "/enterprises",
    f"/enterprises/{ENTERPRISE_ID}",
    "/appeals",
    f"/officers/{POLICE_CHIEF}",
    f"/rankings/2025/officers/{POLICE_CHIEF}",
    f"/enterprises/{ENTERPRISE_ID}/notice-card",
    "/lang/en?next=/overview",
    "/lang/zh?next=/overview",
)
"""Pages the host check opens itself (the overview, where signing in lands, in both languages)."""


async def services(stack: Stack, service: str, path: str, **params: str) -> object:
    async with httpx.AsyncClient(headers=bearer(), timeout=30) as client:
        answer = await client.get(stack.url(service) + path, params=params)
        assert answer.status_code == 200, answer.text
        return answer.json()


async def test_overview_shows_the_figure_table_of_the_services_year(
    stack: Stack, browser: Browser, request_log: RequestLog
) -> None:
    year = {"from": "2025-01-01", "to": "2026-01-01"}
    before = await services(stack, "evaluation", "/figures", **year)
    page = await signed_in(browser, stack.console, "bureau", log=request_log)
    assert urlsplit(page.url).path == "/overview"
    figures = await services(stack, "evaluation", "/figures", **year)
    deadline = time.monotonic() + 30
    while _counted(figures) != _counted(before):  # what earlier tests did may still be being counted
        assert time.monotonic() < deadline, "the year's figures kept changing for 30 s"
        before = figures
        await page.reload()
        figures = await services(stack, "evaluation", "/figures", **year)
    assert isinstance(figures, dict)
    assert figures["officers_in_scheme"]["total"] == 7
    assert figures["leaflets"]["total"] == 500
    await assert_overview_shows(page, figures)
    await expect(page.locator("#chart-work canvas")).to_have_count(1)  # ECharts drew, from the console's own copy
    await shot(page, "overview")
    await page.goto(f"{stack.console}/lang/en?next=/overview")
    await expect(page.locator("h1")).to_have_text("Overview")
    await page.goto(f"{stack.console}/lang/zh?next=/overview")
    await page.context.close()


async def test_a_contact_sees_only_their_own_enterprise(
    stack: Stack, browser: Browser, request_log: RequestLog
) -> None:
    page = await signed_in(browser, stack.console, **CONTACT, log=request_log)
    assert urlsplit(page.url).path == "/portal"
    before = len(await _appeals(stack, ENTERPRISE_ID))
    await expect(page.locator("#my-appeals li")).to_have_count(before)
    await page.fill("#description", "隔壁工地夜间施工噪音")
    await page.click("#raise button[type=submit]")
    await expect(page.locator("#my-appeals li")).to_have_count(before + 1)
    await expect(page.locator("#my-appeals li", has_text="隔壁工地夜间施工噪音")).to_have_count(1)
    other = await _raise(stack, OTHER_ID, "另一家企业的诉求")
    await expect(page.locator("#my-appeals")).not_to_contain_text("另一家企业的诉求")
    for path in (f"/enterprises/{OTHER_ID}", f"/appeals/{other}", f"/enterprises/{OTHER_ID}/notice-card"):
        assert await status(page, stack.console + path) == 403, path
        await expect(page.locator("h1")).to_contain_text("403")
    await shot(page, "forbidden")
    assert await status(page, f"{stack.console}/appeals") == 200
    await expect(page.locator("#board")).not_to_contain_text("另一家企业的诉求")
    await page.goto(f"{stack.console}/portal")
    await shot(page, "portal-enterprise")
    await page.context.close()


async def test_an_officer_records_a_visit_on_a_phone_and_it_is_in_the_file(
    stack: Stack, browser: Browser, request_log: RequestLog
) -> None:
    page = await signed_in(browser, stack.console, "officer", officer_id=POLICE_CHIEF, viewport=PHONE, log=request_log)
    assert urlsplit(page.url).path == "/portal"
    started = (stack.clock.now() - timedelta(hours=2)).astimezone(START.tzinfo)
    await page.select_option("#v-enterprise", ENTERPRISE_ID)
    await page.fill("#v-start", started.strftime("%Y-%m-%dT%H:%M"))
    await page.fill("#v-location", "二号车间")
    await page.fill("#v-findings", "消防通道畅通")
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await shot(page, "portal-officer-375")
    await page.click("#visit button[type=submit]")
    await expect(page.locator(".notice")).to_be_visible()
    await page.goto(f"{stack.console}/enterprises/{ENTERPRISE_ID}")
    await expect(page.locator("#timeline")).to_contain_text("消防通道畅通", timeout=LIVE_WITHIN * 1000 + 3000)
    await shot(page, "enterprise-file-375")
    await page.context.close()


async def test_an_officer_resolves_and_the_contact_answers_the_callback_and_rates_the_chief(
    stack: Stack, browser: Browser, request_log: RequestLog
) -> None:
    appeal_id = await _raise(stack, ENTERPRISE_ID, "仓库卸货区夜间照明不足")
    appeal = {"appeal_id": appeal_id}
    officer = await signed_in(browser, stack.console, "officer", officer_id=POLICE_CHIEF, log=request_log)
    await officer.goto(f"{stack.console}/appeals/{appeal['appeal_id']}")
    await officer.fill("#done", "已协调施工方夜间停工")
    await officer.click("form[action$='/resolve'] button")
    await expect(officer.locator(".timeline")).to_contain_text("AppealResolved")
    await officer.context.close()
    contact = await signed_in(browser, stack.console, **CONTACT, viewport=PHONE, log=request_log)
    card = contact.locator(f'#my-appeals li[data-appeal="{appeal["appeal_id"]}"]')
    await card.locator("input[name=rating]").fill("4")
    await card.locator("button").click()
    await expect(contact.locator(".notice")).to_be_visible()
    await expect(card.locator("form")).to_have_count(0)  # answered: no callback form any more
    answered = await services(stack, "appeals", f"/appeals/{appeal['appeal_id']}")
    assert isinstance(answered, dict)
    assert answered["callback_rating"] == 4
    await contact.select_option("#chief", f"{POLICE_CHIEF}|police_chief")
    await contact.fill("#level", "5")
    await contact.click("form[action='/portal/ratings'] button")
    await expect(contact.locator(".notice")).to_be_visible()
    await shot(contact, "portal-enterprise-375")
    await contact.context.close()


async def test_the_notice_card_prints_on_one_a4_page_with_a_working_qr_code(
    stack: Stack, browser: Browser, request_log: RequestLog
) -> None:
    page = await signed_in(browser, stack.console, "bureau", log=request_log)
    await page.goto(f"{stack.console}/enterprises/{ENTERPRISE_ID}/notice-card")
    await expect(page.locator("#notice-card")).to_contain_text("局长110直通车")
    pdf = await page.pdf(format="A4", print_background=True)
    (ARTIFACTS / "notice-card.pdf").write_bytes(pdf)
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1
    await shot(page, "notice-card", full_page=False)
    qr = await page.locator("#qr svg").screenshot()
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr)))
    assert found, "no QR code could be read from the card"
    link = found[0].text
    assert link == f"{stack.console}/portal/appeal?enterprise_id={ENTERPRISE_ID}"
    contact = await signed_in(browser, stack.console, **CONTACT, log=request_log)
    await contact.goto(link)
    await expect(contact.locator("#raise")).to_be_visible()
    await shot(contact, "appeal-form-from-qr")
    await contact.context.close()
    await page.context.close()


async def test_the_roster_on_a_phone_is_one_card_per_officer_with_their_posts_summed_up_and_listed(
    stack: Stack, browser: Browser, request_log: RequestLog
) -> None:
    listed = await services(stack, "assignment", "/officers", limit="500")
    assert isinstance(listed, dict)
    officers = {o["officer_id"]: o for o in listed["officers"]}
    chief = officers[POLICE_CHIEF]
    assert chief["posts"], "the world gives the police chief posts"
    page = await signed_in(browser, stack.console, "bureau", viewport=PHONE, log=request_log)
    await page.goto(f"{stack.console}/officers")
    await expect(page.locator("#roster tbody tr")).to_have_count(len(officers))
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    row = page.locator(f'#roster tr[data-officer="{POLICE_CHIEF}"]')
    name = row.locator("th a")
    # a card: the name on one line across the card, not a character a line in a squeezed column
    box, card = await name.bounding_box(), await row.bounding_box()
    assert box is not None
    assert card is not None
    assert box["height"] < 40, box
    assert card["width"] > PHONE["width"] * 0.9, card
    for tier in {p["tier"] for p in chief["posts"]}:
        held = [p for p in chief["posts"] if p["tier"] == tier]
        summary = row.locator(f'summary .tier[data-tier="{tier}"]')
        for slot in {p["slot"] for p in held}:
            count = sum(p["slot"] == slot for p in held)
            await expect(summary).to_contain_text(f"{slot}\u00a0{count}")
    await expect(row.locator("summary")).to_contain_text(f"{len(chief['posts'])} 家企业")
    links = row.locator(".post-list a")
    await expect(links.first).not_to_be_visible()  # folded until asked for
    await row.locator("summary").click()
    await expect(links).to_have_count(len(chief["posts"]))
    for post in chief["posts"]:
        link = row.locator(f'.post-list li[data-enterprise="{post["enterprise_id"]}"] a')
        await expect(link).to_be_visible()
        assert await link.get_attribute("href") == f"/enterprises/{post['enterprise_id']}"
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await shot(page, "roster-375")
    await page.context.close()


async def test_the_ranking_and_the_enterprise_file_name_officers_as_the_roster_does(
    stack: Stack, browser: Browser, request_log: RequestLog
) -> None:
    ranking = await services(stack, "evaluation", "/rankings/2025")
    assert isinstance(ranking, dict)
    ranked = [r["officer_id"] for group in ("models", "laggards") for r in ranking[group]]
    unranked = [u["officer_id"] for u in ranking["unranked_on_rates"]]  # too few verdicts in the small world
    assert ranked + unranked, "the world's year has officers in the scheme"
    page = await signed_in(browser, stack.console, "bureau", log=request_log)
    await page.goto(f"{stack.console}/rankings/2025")
    for officer_id in ranked:
        await expect(page.locator(f'tr[data-officer="{officer_id}"] th a').first).to_have_text(f"name of {officer_id}")
    for officer_id in unranked:
        await expect(page.locator(f'li[data-officer="{officer_id}"] a')).to_have_text(f"name of {officer_id}")
    first = (ranked + unranked)[0]
    await page.goto(f"{stack.console}/rankings/2025/officers/{first}")
    await expect(page.locator("h1")).to_contain_text(f"name of {first}")
    await page.goto(f"{stack.console}/enterprises/{ENTERPRISE_ID}")
    await expect(page.locator(f'.chiefs li[data-officer="{POLICE_CHIEF}"] a')).to_have_text(f"name of {POLICE_CHIEF}")
    await page.context.close()


async def test_the_main_pages_have_no_serious_accessibility_violation(
    stack: Stack, browser: Browser, request_log: RequestLog
) -> None:
    axe = Axe()
    page = await signed_in(browser, stack.console, "bureau", log=request_log)
    appeal = await _raise(stack, ENTERPRISE_ID, "园区东门监控画面模糊")
    paths = [
        "/overview",
        "/officers",
        "/rankings/2025",
        "/enterprises",
        f"/enterprises/{ENTERPRISE_ID}",
        "/appeals",
        f"/appeals/{appeal}",
        f"/officers/{POLICE_CHIEF}",
        f"/rankings/2025/officers/{POLICE_CHIEF}",
        f"/enterprises/{ENTERPRISE_ID}/notice-card",
    ]
    found: dict[str, list[str]] = {}
    for path in paths:
        assert await status(page, stack.console + path) == 200, path
        await page.wait_for_load_state("networkidle")
        await shot(page, "page" + path.replace("/", "-"))
        result = await axe.run(page, options=WCAG_AA)
        bad = [v["id"] for v in result.response["violations"] if v.get("impact") in ("serious", "critical")]
        if bad:
            found[path] = bad
    phone = await signed_in(browser, stack.console, "officer", officer_id=POLICE_CHIEF, viewport=PHONE, log=request_log)
    result = await axe.run(phone, options=WCAG_AA)
    bad = [v["id"] for v in result.response["violations"] if v.get("impact") in ("serious", "critical")]
    if bad:
        found["/portal (officer, 375 px)"] = bad
    assert not found, found
    await phone.context.close()
    await page.context.close()


async def test_a_raised_appeal_is_on_the_board_within_2s_and_turns_warning_then_breach(
    stack: Stack, browser: Browser, request_log: RequestLog
) -> None:
    board = await signed_in(browser, stack.console, "bureau", log=request_log)
    await board.goto(f"{stack.console}/appeals")
    await expect(board.locator("body[data-live-ready]")).to_have_count(1)
    contact = await signed_in(browser, stack.console, **CONTACT, log=request_log)
    await contact.fill("#description", "厂区门口道路被占用，货车无法进出")
    await contact.click("#raise button[type=submit]")
    await expect(contact.locator(".notice")).to_be_visible()
    row = board.locator("#board tr", has_text="货车无法进出")

    async def shown() -> bool:
        return await row.count() == 1

    took = await within(LIVE_WITHIN, shown, "the new appeal on the board")
    print(f"appeal on the board {took:.2f} s after the portal's answer")
    await expect(row.locator(".timer")).to_contain_text("天")
    assert await row.get_attribute("data-state") == "ok"
    appeal = next(a for a in await _appeals(stack, ENTERPRISE_ID) if "货车" in a["description"])
    await shot(board, "board")
    officer = await signed_in(browser, stack.console, "officer", officer_id=POLICE_CHIEF, log=request_log)
    await officer.goto(f"{stack.console}/appeals/{appeal['appeal_id']}")
    await officer.fill("#ack-note", "已联系企业，今日到场")  # the first response, in time: no breach for it
    await officer.click("form[action$='/acknowledge'] button")
    await expect(officer.locator(".timeline")).to_contain_text("AppealAcknowledged")
    await shot(officer, "appeal-acknowledged")
    await officer.context.close()

    # the services' clock passes the warning, then the limit; each time the appeals service records it and
    # its read model shows it (which may take a while on a busy machine), the open board follows within 2 s
    await stack.move_clock(_instant(appeal["warning_at"]) + timedelta(minutes=1))
    await _until_appeal(stack, appeal["appeal_id"], lambda a: a["warned"])
    await expect(row).to_have_attribute("data-state", "warning", timeout=LIVE_WITHIN * 1000)
    await shot(board, "board-warning")
    await stack.move_clock(_instant(appeal["due_at"]) + timedelta(minutes=1))
    await _until_appeal(stack, appeal["appeal_id"], lambda a: a["escalations"] > 0)
    await expect(row).to_have_attribute("data-state", "breach", timeout=LIVE_WITHIN * 1000)
    # escalated to the station chief, with a grace window; the board names them as the roster does
    await expect(row.locator('td[data-officer="li-suozhang"]')).to_have_text("name of li-suozhang")
    await shot(board, "board-breach")
    await contact.context.close()
    await board.context.close()


async def test_no_page_asked_any_host_but_the_console(stack: Stack, browser: Browser, request_log: RequestLog) -> None:
    """Every page this session's tests opened (whichever ran before) and the pages this test opens itself."""
    bureau = await signed_in(browser, stack.console, "bureau", log=request_log)
    for path in OPENED:
        assert await status(bureau, stack.console + path) == 200, path
    await bureau.context.close()
    officer = await signed_in(browser, stack.console, "officer", officer_id=POLICE_CHIEF, log=request_log)
    contact = await signed_in(browser, stack.console, **CONTACT, log=request_log)
    for portal in (officer, contact):
        assert urlsplit(portal.url).path == "/portal"
        await portal.context.close()
    assert len(request_log.urls) > 50
    assert request_log.hosts() == {urlsplit(stack.console).netloc}


async def status(page: Page, url: str) -> int:
    answer = await page.goto(url)
    assert answer is not None
    return answer.status


async def _raise(stack: Stack, enterprise_id: str, text: str) -> str:
    async with httpx.AsyncClient(headers=bearer(Role.BUREAU), timeout=30) as client:
        body = {
            "enterprise_id": enterprise_id,
            "channel": "phone",
            "category": "other",
            "description": text,
            "raised_by": "x",
        }
        answer = await client.post(f"{stack.url('appeals')}/appeals", json=body)
        assert answer.status_code == 201, answer.text
        appeal_id = str(answer.json()["id"])
        await until(getter(client, f"{stack.url('appeals')}/appeals/{appeal_id}"), lambda found: found is not None)
        return appeal_id


async def _until_appeal(stack: Stack, appeal_id: str, holds: Callable[[dict[str, Any]], bool]) -> None:
    async with httpx.AsyncClient(headers=bearer(Role.BUREAU), timeout=30) as client:
        await until(getter(client, f"{stack.url('appeals')}/appeals/{appeal_id}"), lambda a: a is not None and holds(a))


async def _appeals(stack: Stack, enterprise_id: str) -> list[dict[str, str]]:
    found = await services(stack, "appeals", f"/enterprises/{enterprise_id}/appeals")
    assert isinstance(found, list)
    return found


def _counted(figures: object) -> object:
    """The figures without when they were read (the page loaded between two equal readings shows them)."""
    assert isinstance(figures, dict)
    return {name: value for name, value in figures.items() if name not in ("period", "as_of")}


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
