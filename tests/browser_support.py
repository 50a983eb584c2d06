"""Helpers for the browser tests: the app server as a subprocess, and filling in pages.

Questions are found by their widget key (``st-key-<page>-<question>-<visit>`` CSS class), so
the helpers work whatever order a randomised page shows the items in.
"""

from __future__ import annotations

import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, expect

from survey.questionnaire import Question, Questionnaire

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: Ports the survey's browser tests may use.
PORT_RANGE = range(8600, 8650)
#: Ports the dashboard browser tests and benchmark may use.
DASHBOARD_PORTS = range(8650, 8700)
#: Milliseconds to wait for a page after a click (the CPU may be shared).
WAIT_MS = 30_000
# Assertions wait as long as the pages do: a chart can take seconds to draw on a busy CPU.
expect.set_options(timeout=WAIT_MS)


def free_port(port_range: range = PORT_RANGE) -> int:
    """A free TCP port in ``port_range`` (tried in random order)."""
    ports = list(port_range)
    random.shuffle(ports)
    for port in ports:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {port_range.start}-{port_range.stop - 1}")


class AppServer:
    """``streamlit run survey/app.py`` on a port, with its own database URL."""

    def __init__(
        self,
        database_url: str,
        port: int,
        log_path: Path,
        env: dict[str, str] | None = None,
    ) -> None:
        self.database_url = database_url
        self.port = port
        self.log_path = log_path
        self.env = dict(env or {})
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}/"

    def start(self, timeout: float = 60.0) -> AppServer:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SMCAP_")}
        env["SMCAP_DATABASE_URL"] = self.database_url
        env.update(self.env)
        command = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "survey/app.py",
            "--server.port",
            str(self.port),
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
        ]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"app server exited early; see {self.log_path}")
            try:
                with urllib.request.urlopen(f"{self.url}_stcore/health", timeout=2) as reply:
                    if reply.read() == b"ok":
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"app server did not answer within {timeout} s; see {self.log_path}")

    def kill(self) -> None:
        """SIGKILL: the server dies without any chance to clean up."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@contextmanager
def running_app(
    database_url: str,
    log_path: Path,
    *,
    env: dict[str, str] | None = None,
    port_range: range = PORT_RANGE,
) -> Iterator[AppServer]:
    """A started app server (extra environment ``env``), stopped afterwards."""
    server = AppServer(database_url, free_port(port_range), log_path, env).start()
    try:
        yield server
    finally:
        server.stop()


def question_box(page: Page, page_id: str, question_id: str) -> Locator:
    """The element of one question on the current page."""
    return page.locator(f'[class*="st-key-{page_id}-{question_id}-"]')


def answer(page: Page, page_id: str, question: Question, value: Any) -> None:
    """Answer one question the way a person would (click or type)."""
    box = question_box(page, page_id, question.id)
    if question.kind in ("likert", "attention", "single"):
        index = [v for v, _ in question.options].index(value)
        box.locator('[data-testid="stRadioOption"]').nth(index).click()
    elif question.kind == "multi":
        labels = question.option_labels()
        for v in value:
            box.get_by_role("button", name=labels[v], exact=True).click()
    else:
        field = box.locator("input[type=text]")
        field.fill(str(value))
        field.press("Tab")


def answer_page(
    page: Page,
    questionnaire: Questionnaire,
    page_id: str,
    plan: dict[str, Any],
    *,
    only: set[str] | None = None,
) -> None:
    """Answer the questions of the current page from ``plan`` (or only those in ``only``)."""
    for q in questionnaire.questions(page_id, seed=None):
        if only is None or q.id in only:
            answer(page, page_id, q, plan[q.id])


def shown_answer(page: Page, page_id: str, question: Question) -> Any:
    """The answer a question currently shows (``None`` if none)."""
    box = question_box(page, page_id, question.id)
    if question.kind in ("likert", "attention", "single"):
        radios = box.locator("input[type=radio]")
        for i, (value, _) in enumerate(question.options):
            if radios.nth(i).is_checked():
                return value
        return None
    if question.kind == "multi":
        labels = question.option_labels()
        chosen = [
            v
            for v, label in labels.items()
            if box.get_by_role("button", name=label, exact=True).get_attribute("aria-pressed")
            == "true"
        ]
        return chosen or None
    text = box.locator("input[type=text]").input_value()
    return int(text) if text else None


def wait_for_page(page: Page, questionnaire: Questionnaire, page_id: str) -> None:
    """Wait until the questionnaire page ``page_id`` is shown (its progress text and title)."""
    index = questionnaire.index(page_id)
    page.get_by_text(f"Page {index + 1} of {questionnaire.n_pages}", exact=True).wait_for(
        timeout=WAIT_MS
    )
    title = questionnaire.page(page_id).title
    page.get_by_role("heading", name=title).wait_for(timeout=WAIT_MS)
    # the form of this page (keys change with every visit, so wait for its first question)
    first = questionnaire.questions(page_id, seed=None)[0]
    question_box(page, page_id, first.id).wait_for(timeout=WAIT_MS)


def page_number(page: Page) -> str | None:
    """The page number in the address (``p``), or ``None``."""
    match = re.search(r"[?&]p=([^&#]*)", page.url)
    return match.group(1) if match else None


def click(page: Page, name: str) -> None:
    """Click a button by its visible name."""
    page.get_by_role("button", name=name, exact=True).click()


def screenshot(page: Page, path: Path, *, height: int = 2600) -> None:
    """A tall screenshot of the app at the page's current width (Streamlit scrolls inside)."""
    size = page.viewport_size or {"width": 375, "height": 800}
    page.set_viewport_size({"width": size["width"], "height": height})
    page.evaluate(
        "for (const e of document.querySelectorAll('*')) if (e.scrollTop) e.scrollTop = 0"
    )
    page.wait_for_timeout(600)
    page.screenshot(path=str(path))
    page.set_viewport_size(size)


def main_scroll_top(page: Page) -> float:
    """How far Streamlit's main container is scrolled (pixels)."""
    return page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollTop")


def assert_opens_at_top(page: Page, heading: str) -> None:
    """The page is scrolled to its top and its first heading is in the viewport."""
    with suppress(PlaywrightError):  # the offset is reported below
        page.wait_for_function(
            "() => document.querySelector('[data-testid=\"stMain\"]').scrollTop === 0",
            timeout=5_000,
        )
    page.wait_for_timeout(2_500)  # late layout changes must not scroll it away again
    assert main_scroll_top(page) == 0
    first = page.locator('[data-testid="stMain"] :is(h1, h2, h3)').first
    assert first.inner_text().strip().startswith(heading)
    box = first.bounding_box()
    size = page.viewport_size
    assert box is not None and size is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= size["height"]
