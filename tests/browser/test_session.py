"""Never losing typed work: the enterprise's session ends while it types an appeal; on submit
the page says 登录已过期 with a login beside it, the text stays, and after logging in again the
same form submits once."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from qitong.tickets.models import Ticket
from tests import factories
from tests.browser.support import CHROMIUM

if not CHROMIUM.exists():
    pytest.skip(
        "browser tests need Debian chromium at /usr/bin/chromium (apt-get install chromium)",
        allow_module_level=True,
    )

from playwright.sync_api import expect

from tests.browser.conftest import OpenAs
from tests.browser.pages import shoot

pytestmark = pytest.mark.browser

APPEAL = "今年以来同一事项被不同部门重复检查 5 次，影响正常生产，希望统一安排联合检查。"


def test_an_expired_session_keeps_the_appeal_and_it_submits_after_login(
    open_as: OpenAs, live_server: Any, live_world: factories.World
) -> None:
    ent = open_as("enterprise")
    ent.goto(f"{live_server.url}/my/tickets/new/")
    ent.get_by_label("诉求类型").select_option("complaint")
    ent.get_by_label("诉求分类").select_option("enforcement.inspection")
    ent.get_by_label("诉求内容").fill(APPEAL)

    ent.context.clear_cookies(name="sessionid")  # the session ends while typing
    ent.get_by_role("button", name="提交诉求").click()
    banner = ent.locator("#session-expired")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("登录已过期")
    login = banner.get_by_role("link")
    expect(login).to_have_attribute("href", re.compile(r"^/accounts/enterprise/login/\?next="))
    expect(ent.get_by_label("诉求内容")).to_have_value(APPEAL)  # nothing typed is lost
    assert Ticket.objects.count() == 0
    shoot(ent, "session-expired-enterprise")

    # Log in beside the page (as the link does, in another tab of the same browser: the SMS
    # login itself is tested elsewhere and allows one code a minute), come back, submit again.
    staff = Client()
    staff.force_login(live_world.users["enterprise"])
    ent.context.add_cookies(
        [{"name": "sessionid", "value": staff.cookies["sessionid"].value, "url": live_server.url}]
    )
    ent.get_by_role("button", name="提交诉求").click()
    ent.wait_for_url(re.compile(r"/my/tickets/\d+/$"))
    ticket = Ticket.objects.get()
    assert ticket.content == APPEAL
