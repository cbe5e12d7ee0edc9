"""Browser journeys: the real app on a live server, driven by Debian's Chromium through Playwright.

- `live_server` serves the session's `app` (same database as the other tests) on 127.0.0.1 from a
  background thread. The root conftest empties the tables after each test, so each journey seeds what
  it needs (app.demo / app.factories) and commits.
- `page` is a phone-sized, French-speaking tab, with JavaScript on and off (`js` / `nojs` ids).
- `audit(step)` takes a full-page screenshot into test-results/screens/ and runs axe-core on what is on
  the screen, failing on any serious or critical WCAG 2.1 A/AA violation.

See /work/shared/browser.md: never `playwright install`; Chromium comes from apt.
"""

import os
import re
import shutil
import socket
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "locale": "fr-FR",
    "timezone_id": "Europe/Paris",
}
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: Screenshots of every audited page (and of failures); `.ci/run` gives each database its own folder.
SCREENS = ROOT / os.environ.get("BROWSER_SCREENS_DIR", "test-results/screens")
#: Milliseconds Playwright waits for an element, a navigation or an assertion.
TIMEOUT = 10_000


def _chromium_problem() -> str | None:
    if not (os.path.isfile(CHROMIUM) or shutil.which(CHROMIUM)):
        return (
            f"BROWSER TESTS SKIPPED: no Chromium at {CHROMIUM!r}. Install it with "
            "`apt-get install -y chromium fonts-liberation` (or set CHROMIUM_PATH); CI (.ci/run) does."
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "BROWSER TESTS SKIPPED: the playwright package is missing (pip install -r requirements-dev.txt)."
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so `page` can tell whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def live_server(app):
    """The app served on 127.0.0.1:<free port> by a threaded werkzeug server; yields its base URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, kept off the network; skips loudly when it is not installed."""
    problem = _chromium_problem()
    if problem:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(problem.replace("SKIPPED", "CANNOT RUN IN CI"), pytrace=False)
        print("\n" + "!" * 100 + "\n" + problem + "\n" + "!" * 100)
        pytest.skip(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture(params=[True, False], ids=["js", "nojs"])
def js(request) -> bool:
    """Each journey runs with JavaScript (htmx) and without it."""
    return request.param


@pytest.fixture
def page(request, browser, live_server, js):
    """A fresh phone tab (no cookies) on the live server."""
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT)
    context = browser.new_context(base_url=live_server, java_script_enabled=js, bypass_csp=True, **PHONE)
    context.set_default_timeout(TIMEOUT)
    tab = context.new_page()
    yield tab
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        SCREENS.mkdir(parents=True, exist_ok=True)
        shot = SCREENS / f"FAILED-{re.sub(r'[^A-Za-z0-9_.-]+', '-', request.node.name).strip('-')}.png"
        tab.screenshot(path=str(shot), full_page=True)
        print(f"\nScreenshot of the failure: {shot} (at {tab.url})")
    context.close()


class Audit:
    """Screenshot plus axe-core check of the current page, named `<journey>-<js|nojs>-<step>`."""

    def __init__(self, browser, page, js: bool, journey: str):
        self.browser = browser
        self.page = page
        self.js = js
        self.journey = journey
        self._axe_context = None
        self.screens: list[Path] = []

    def __call__(self, step: str) -> None:
        SCREENS.mkdir(parents=True, exist_ok=True)
        path = SCREENS / f"{self.journey}-{'js' if self.js else 'nojs'}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.screens.append(path)
        violations = self._run_axe()
        serious = [v for v in violations if v.get("impact") in ("serious", "critical")]
        assert not serious, f"axe on {step} ({self.page.url}):\n" + "\n".join(
            f"- [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})\n    "
            + "\n    ".join(", ".join(node["target"]) for node in v["nodes"])
            for v in serious
        )

    def _run_axe(self) -> list[dict]:
        run = f"axe.run(document, {{runOnly: {{type: 'tag', values: {AXE_TAGS!r}}}, resultTypes: ['violations']}})"
        if self.js:
            if not self.page.evaluate("typeof window.axe !== 'undefined'"):
                self.page.add_script_tag(path=str(AXE))
            return self.page.evaluate(run)["violations"]
        # Without JavaScript the tab cannot run axe: audit the same HTML, served at the same URL with
        # the same styles (scripts blocked, as the no-JS visitor has them), in a JavaScript-enabled tab.
        html = self.page.content()
        url = self.page.url
        if self._axe_context is None:
            self._axe_context = self.browser.new_context(bypass_csp=True, **PHONE)
            self._axe_context.route("**/*.js", lambda route: route.abort())
        tab = self._axe_context.new_page()
        served = []

        def serve_snapshot(route):
            served.append(route.request.url)
            route.fulfill(status=200, content_type="text/html", body=html)

        try:
            tab.route(lambda candidate: candidate == url.split("#")[0], serve_snapshot)
            tab.goto(url)
            assert served, f"the snapshot of {url} was not served to the axe tab"
            tab.add_script_tag(path=str(AXE))
            return tab.evaluate(run)["violations"]
        finally:
            tab.close()

    def close(self) -> None:
        if self._axe_context is not None:
            self._axe_context.close()


def check_layout(tab, step: str) -> list[str]:
    """One page, one header, one h1, nothing wider than the screen; returns the tables wider than
    their wrapper (or than the page), by caption, for the journey to judge."""
    assert tab.locator("header.site-header").count() == 1, f"{step}: a page inside the page"
    assert tab.locator("h1").count() == 1, f"{step}: {tab.locator('h1').count()} h1"
    width = tab.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{step}: the page is {width[0]} px wide on a {width[1]} px screen"
    return tab.evaluate(
        """() => [...document.querySelectorAll('table')].filter(table => {
            const wrap = table.closest('.table-wrap');
            return wrap ? wrap.scrollWidth > wrap.clientWidth + 1 : table.scrollWidth > table.clientWidth + 1;
        }).map(table => (table.caption && table.caption.textContent.trim()) || table.className)"""
    )


@pytest.fixture
def audit(request, browser, page, js):
    """`audit("step")`: screenshot and accessibility check of the page as it is now."""
    journey = request.node.originalname.removeprefix("test_").replace("_", "-")
    checker = Audit(browser, page, js, journey)
    yield checker
    checker.close()
