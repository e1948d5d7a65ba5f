"""What the browser tests share: signing in as each kind of user, screenshots, the viewport."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from qitong.accounts.sms import MemorySmsBackend
from tests import factories
from tests.browser.support import SCREENSHOTS
from tests.factories import PASSWORD

DESKTOP = {"width": 1366, "height": 900}
# Form errors answer 400 and conflicts 409 by design; the browser logs them, nothing else.
# 401: a request whose session had ended (accounts.middleware.HtmxLoginMiddleware)
EXPECTED_STATUS = re.compile(r"status of (400|401|409)")


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # caret="initial": hiding the caret leaves style="" on inputs, which htmx would then copy
    # onto swapped elements (a CSP violation of the test's own making).
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True, caret="initial")


def staff_login(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".user-box__name")).to_be_visible()


def enterprise_login(page: Page, base: str, world: factories.World) -> None:
    MemorySmsBackend.outbox.clear()
    page.goto(f"{base}/accounts/enterprise/login/")
    page.get_by_label("统一社会信用代码").fill(world.ent.credit_code)
    page.get_by_label("手机号码").fill("13800000001")
    page.get_by_role("button", name="获取验证码").click()
    expect(page.locator("#sms-status")).to_contain_text("验证码已发送")
    phone, text = MemorySmsBackend.outbox[-1]
    assert phone == "13800000001"
    code = re.search(r"\d{6}", text)
    assert code is not None
    page.get_by_label("短信验证码").fill(code.group(0))
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("我的诉求")
