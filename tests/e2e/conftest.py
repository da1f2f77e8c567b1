"""Browser fixtures: Debian's headless Chromium driven by Playwright (sync API) against live_server."""
from __future__ import annotations

import os

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM would refuse to run in it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run ./scripts/ensure-browser.sh (make test does)")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        yield browser
        browser.close()


@pytest.fixture
def login(browser, live_server):
    """Open a fresh browser context logged in as ``user`` through the admin login form."""
    contexts = []

    def page_for(user, password="pw"):
        user.set_password(password)
        user.save()
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/admin/login/?next=/review/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        page.click("input[type=submit]")
        return page

    yield page_for
    for context in contexts:
        context.close()
