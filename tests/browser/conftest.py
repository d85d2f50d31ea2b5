"""Playwright driving Debian's Chromium, with axe-core run on every page visited."""

import os

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

# Playwright's sync API runs an event loop in the test thread; the test database calls
# it makes are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
BLOCKING_IMPACTS = {"serious", "critical"}
_axe = Axe()


def axe_check(page) -> None:
    results = _axe.run(page)
    bad = [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    if bad:
        details = "\n".join(
            f"- {v['id']} ({v['impact']}): {v['help']} at "
            f"{[node['target'] for node in v['nodes']][:3]}" for v in bad)
        raise AssertionError(f"axe found serious accessibility problems on {page.url}:\n"
                             f"{details}")


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: run `make browser` "
                    "(apt-get install chromium).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"],
        )
        yield browser
        browser.close()


class CheckedPage:
    """A page that runs axe after every navigation it is asked to make."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url

    def goto(self, path: str):
        response = self.page.goto(self.base_url + path)
        axe_check(self.page)
        return response

    def check(self):
        self.page.wait_for_load_state()
        axe_check(self.page)

    def __getattr__(self, name):
        return getattr(self.page, name)


@pytest.fixture(params=["desktop", "phone"])
def viewport(request):
    return {"desktop": {"width": 1280, "height": 900},
            "phone": {"width": 375, "height": 740}}[request.param]


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield CheckedPage(page, live_server.url)
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield CheckedPage(page, live_server.url)
    context.close()


def sign_in(page, email: str, password: str, totp: str | None = None) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    if totp is not None:
        page.get_by_label("Code", exact=True).fill(totp)
        page.check()
        page.get_by_role("button", name="Sign In").click()
        page.wait_for_load_state()
        assert "Two-Factor" not in page.title(), page.content()[-3000:]
    page.check()
