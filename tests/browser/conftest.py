"""Shared by the browser tests: Debian chromium driven by playwright, launched once a module.

Each test module still skips itself when /usr/bin/chromium is missing (with a message).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from qitong.accounts.sms import MemorySmsBackend
from qitong.tickets.categories import seed_defaults
from qitong.tickets.models import Category, SlaPolicy
from tests import factories
from tests.browser.support import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the ORM calls the tests make
    # are still plain synchronous code.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            yield launched
            launched.close()


OpenAs = Callable[[str], Any]


@pytest.fixture
def live_world(transactional_db: None) -> factories.World:
    # A transactional test before this one flushed the seeded categories and SLA policies.
    seed_defaults(Category, SlaPolicy)
    MemorySmsBackend.outbox.clear()
    return factories.world()


@pytest.fixture
def open_as(browser: Any, live_server: Any, live_world: factories.World) -> Iterator[OpenAs]:
    """`open_as(role)` → a signed-in page in its own browser context (its own cookies); a
    console error or a script error on any page (a CSP violation, say) fails the test."""
    from tests.browser.pages import DESKTOP, EXPECTED_STATUS, enterprise_login, staff_login

    contexts = []
    problems: list[str] = []

    def on_console(msg: Any) -> None:
        if msg.type == "error" and not EXPECTED_STATUS.search(msg.text):
            problems.append(
                f"{msg.text} {msg.location.get('url', '')} @ {msg.page.url if msg.page else ''}"
            )

    def make(role: str) -> Any:
        context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.on("console", on_console)
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        if role == "enterprise":
            enterprise_login(page, live_server.url, live_world)
        else:  # a role of the world, or the username of a user the test made
            user = live_world.users.get(role)
            staff_login(page, live_server.url, user.username if user else role)
        return page

    yield make
    for context in contexts:
        context.close()
    assert problems == [], problems
