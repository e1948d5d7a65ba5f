"""Every role logs in through the real login form in Debian chromium and lands on its home page;
a full-page screenshot of each goes to test-artifacts/screenshots/ (git-ignored) for people to
look at. The browser also proves what the test client cannot: the pages run under the strict
CSP without a single console error, htmx really swaps the caller lookup as one types, and the
keyboard shortcuts work."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from qitong.accounts.services import token_create
from qitong.accounts.sms import MemorySmsBackend
from tests import factories
from tests.browser.support import CHROMIUM

if not CHROMIUM.exists():
    pytest.skip(
        "browser tests need Debian chromium at /usr/bin/chromium (apt-get install chromium)",
        allow_module_level=True,
    )

from playwright.sync_api import Browser, Page, expect

from tests.browser.pages import enterprise_login, shoot, staff_login

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}

HEADINGS = {
    "operator": "专席工作台",
    "desk_lead": "专席工作台",
    "handler": "部门待办",
    "dept_leader": "部门待办",
    "specialist": "专员队列",
    "enterprise": "我的诉求",
    "supervisor": "监督总览",
    "admin": "配置总览",
    "auditor": "台账审计",
}


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    tab = context.new_page()
    problems: list[str] = []

    def on_console(msg: Any) -> None:
        # A form answered with its field errors is a 400 by design; anything else is a problem.
        if msg.type == "error" and "status of 400" not in msg.text:
            problems.append(f"{msg.text} {msg.location.get('url', '')}")

    tab.on("console", on_console)
    tab.on("pageerror", lambda exc: problems.append(str(exc)))
    yield tab
    context.close()
    # A CSP violation (inline script/style), a missing file or a script error shows up here.
    assert problems == [], problems


@pytest.fixture(autouse=True)
def empty_outbox() -> Iterator[None]:
    MemorySmsBackend.outbox.clear()
    yield
    MemorySmsBackend.outbox.clear()


@pytest.mark.parametrize("role", list(HEADINGS))
def test_role_home_screenshot(
    live_server: Any, live_world: factories.World, page: Page, role: str
) -> None:
    base = live_server.url
    if role == "auditor":  # something for the auditor to read (and the chain to verify)
        for name in ("政务服务平台对接", "统计分析系统"):
            token_create(
                user=live_world.users["operator"], name=name, actor=live_world.users["admin"]
            )
    if role == "enterprise":
        enterprise_login(page, base, live_world)
    else:
        staff_login(page, base, live_world.users[role].username)
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(HEADINGS[role])
    expect(page.locator(".user-box__name")).to_have_text(live_world.users[role].get_full_name())
    if role == "auditor":
        expect(page.locator(".verify")).to_contain_text("台账完整")
        expect(page.locator("table")).to_contain_text("创建 API 令牌")
    shoot(page, role)


def test_login_pages_screenshot(live_server: Any, live_world: factories.World, page: Page) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#err-id_username")).to_have_text("请填写用户名")
    shoot(page, "login")
    page.goto(f"{live_server.url}/accounts/enterprise/login/")
    page.get_by_label("统一社会信用代码").fill("914403001922038217")
    page.get_by_label("手机号码").fill("13800000001")
    page.get_by_role("button", name="获取验证码").click()
    expect(page.locator("#err-id_credit_code")).to_contain_text("校验位（第 18 位）不正确")
    assert MemorySmsBackend.outbox == []
    shoot(page, "enterprise_login")


def test_desk_lookup_as_you_type(live_server: Any, live_world: factories.World, page: Page) -> None:
    staff_login(page, live_server.url, "operator")
    expect(page.get_by_role("heading", level=1)).to_have_text("专席工作台")
    page.keyboard.press("/")
    search = page.locator("#caller-q")
    expect(search).to_be_focused()
    search.press_sequentially("测试", delay=50)  # no Enter: htmx queries while typing
    results = page.locator("#caller-results")
    expect(results).to_contain_text(live_world.ent.name)
    expect(results).to_contain_text("138****0001")
    expect(results).not_to_contain_text(live_world.baotou_ent.name)
    assert "q=" not in page.url  # the page did not reload
    shoot(page, "operator-lookup")

    page.set_viewport_size(PHONE)
    shoot(page, "operator-phone")
    page.set_viewport_size(DESKTOP)


def test_admin_shortcut_opens_the_admin(
    live_server: Any, live_world: factories.World, page: Page
) -> None:
    staff_login(page, live_server.url, "admin")
    expect(page.get_by_role("heading", level=1)).to_have_text("配置总览")
    page.keyboard.press("Alt+2")  # the second navigation item: 基础数据管理
    page.wait_for_url(re.compile(r"/admin/$"))

    # Alt+1 on a page with a query string goes to the bare first navigation item.
    page.goto(f"{live_server.url}/config/?from=test")
    page.keyboard.press("Alt+1")
    page.wait_for_url(re.compile(r"/config/$"))
