"""End-to-end in headless Chromium: the review page as a DSL and a Setting Manager use it.

A real uvicorn server on a random loopback port, the real Facebook connector against the
fake Graph API for take-downs, and Playwright driving Debian's /usr/bin/chromium.
Screenshots go to tests/artifacts/ (kept by CI as artefacts). Every page is also checked
for Content-Security-Policy violations reported on the console.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from connectors.fakes.server import FakePlatformServer
from tests.web import factories
from tests.web.conftest import ARTIFACTS, build_app
from tests.web.fake_platform import connector_factory, flagged_comment

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium"),
]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


class ServerThread:
    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)
        self.sock.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def fake() -> Iterator[FakePlatformServer]:
    srv = FakePlatformServer().start()
    yield srv
    srv.stop()


@pytest.fixture
def site(engine, fake) -> Iterator[tuple[str, object]]:  # type: ignore[no-untyped-def]
    factories.seed_org(engine)
    from monitor.clock import utcnow

    app = build_app(engine, utcnow, connector_factory=connector_factory(fake))  # type: ignore[arg-type]
    with ServerThread(app) as url:
        yield url, app


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = ctx.new_page()
    pg.csp_errors = []  # type: ignore[attr-defined]
    pg.on("console", lambda m: pg.csp_errors.append(m.text)  # type: ignore[attr-defined]
          if "Content Security Policy" in m.text else None)
    yield pg
    assert pg.csp_errors == [], pg.csp_errors  # type: ignore[attr-defined]
    ctx.close()


def shot(pg, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(pg, url: str, username: str) -> None:  # type: ignore[no-untyped-def]
    pg.goto(f"{url}/queue")
    assert "/login" in pg.url
    pg.fill("input[name=username]", username)
    pg.fill("input[name=password]", factories.PASSWORD)
    pg.click("button[type=submit]")
    pg.wait_for_url(f"{url}/queue")


def test_dsl_triages_and_dismisses_a_case(site, page, engine):
    """Sign in, open the most urgent case from the queue, acknowledge, dismiss with a reason."""
    url, _ = site
    sg = factories.make_case(engine, categories=["safeguarding"], severity="critical",
                             text="Can Lily message me privately? Don't tell mum.",
                             spans=[{"start": 4, "end": 8, "type": "child_name"},
                                    {"start": 9, "end": 29, "type": "contact_request"}])
    fp = factories.make_case(engine, categories=["abuse"], severity="medium",
                             text="bloody weather ruined sports day",
                             spans=[{"start": 0, "end": 6, "type": "insult"}])
    sign_in(page, url, "dsl")
    shot(page, "01-queue-dsl")
    first = page.locator("a.case-link").first
    assert first.inner_text() == f"#{sg}"  # critical first
    page.click(f"a[href='/cases/{fp}']")
    page.wait_for_url(f"{url}/cases/{fp}")
    assert page.locator("mark").first.inner_text() == "bloody"
    page.click("#acknowledge")
    page.wait_for_selector("text=Case acknowledged")
    assert page.inner_text("#case-status") == "in review"
    page.select_option("#dismiss-form select[name=reason]", "false positive: wrong name or word")
    page.fill("#dismiss-form input[name=detail]", "weather, not a person")
    page.click("#dismiss")
    page.wait_for_selector("text=Case dismissed")
    assert page.inner_text("#case-status") == "dismissed"
    shot(page, "02-case-dismissed")
    page.goto(f"{url}/queue")
    assert page.locator(f"a[href='/cases/{fp}']").count() == 0


def test_dsl_hides_a_comment_on_the_fake_platform(site, page, engine, fake):
    """Take-down with its confirmation step, against the fake Graph API."""
    url, _ = site
    fc = flagged_comment(fake, engine, "You're a useless cow, Miss Sarah")
    sign_in(page, url, "dsl")
    page.goto(f"{url}/cases/{fc.case_id}")
    page.click("#takedown-hide")
    page.wait_for_url(f"{url}/cases/{fc.case_id}/takedown?action=hide")
    shot(page, "03-takedown-confirm")
    assert not fake.world.comment(fc.comment_id).hidden
    page.click("button[name=confirm]")
    page.wait_for_selector("text=The platform confirmed the take-down")
    assert fake.world.comment(fc.comment_id).hidden
    assert "done" in page.inner_text("#takedowns")
    shot(page, "04-takedown-done")


def test_setting_manager_is_refused_a_safeguarding_case(site, page, engine):
    """The manager's queue omits the safeguarding case and its URL answers Not found."""
    url, _ = site
    sg = factories.make_case(engine, categories=["safeguarding"], severity="critical",
                             text="he hurts me when mum is at work")
    mine = factories.make_case(engine, categories=["complaint"], text="the gate was left open")
    sign_in(page, url, "manager")
    assert page.locator(f"a[href='/cases/{mine}']").count() == 1
    assert page.locator(f"a[href='/cases/{sg}']").count() == 0
    assert "he hurts me" not in page.content()
    resp = page.goto(f"{url}/cases/{sg}")
    assert resp.status == 404
    assert page.inner_text("h1") == "Not found" and "hurts" not in page.content()
    shot(page, "05-manager-refused")


def test_hostile_comments_run_nothing_in_a_real_browser(site, page, engine):
    """Script, handler and javascript: payloads open no dialog and break no CSP rule."""
    from tests.web.test_hostile_content import HOSTILE

    url, _ = site
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    ids = {k: factories.make_case(engine, categories=["abuse"], text=v[:20_000],
                                  author=f'<img src=x onerror=alert("{k}")>',
                                  permalink="javascript:alert('link')",
                                  spans=[{"start": 0, "end": 12, "type": "insult"}])
           for k, v in HOSTILE.items()}
    sign_in(page, url, "dsl")
    for key, cid in ids.items():
        page.goto(f"{url}/cases/{cid}")
        page.hover("mark")
        assert page.locator("script").count() == 0, key
        assert page.locator("img").count() == 0, key
        if key == "rtl":
            shot(page, "06-hostile-rtl")
    page.goto(f"{url}/queue")
    shot(page, "07-queue-hostile")
    assert dialogs == []
