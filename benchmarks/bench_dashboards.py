"""Page-render benchmark of the dashboards in Chromium, on the demo data of ``make run``.

Starts the app (``streamlit run survey/app.py``) on a temporary SQLite database seeded with
the 400 demo responses, as ``make run`` does, logs in with Chromium (Playwright) and prints,
for every dashboard page,

* the **first load** — the first visit after the server started, which runs the full
  validation of the stored responses (it is then kept for every session until the responses
  change), and
* the **render time after the first load** over ``--runs`` visits (median, 90th percentile,
  maximum): from the click on the page's link in the sidebar to the moment the page's script
  has finished and every Plotly chart has been drawn,

plus the time a filter change takes on the cluster dashboard, and whether every page
rendered in under 3 s after its first load. The browser runs on the same machine as the
server, so the figures include Chromium's own drawing time.

Usage::

    .venv/bin/python benchmarks/bench_dashboards.py            # 5 visits per page
    .venv/bin/python benchmarks/bench_dashboards.py --runs 10
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from survey.auth import hash_password  # noqa: E402
from survey.db import make_engine, migrate  # noqa: E402
from survey.demo import seed_demo  # noqa: E402
from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, DASHBOARD_PORTS, running_app  # noqa: E402

#: Target: every page renders in under this many seconds after its first load.
TARGET_SECONDS = 3.0
PASSWORD = "benchmark passphrase"
WAIT_MS = 300_000
CHARTS_DRAWN = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
    .every(e => e.querySelector('.main-svg'))"""


def rendered(page: Page, heading: str) -> None:
    """Wait for ``heading``, the end of the script run and every chart drawn."""
    page.get_by_role("heading", name=heading).wait_for(timeout=WAIT_MS)
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(
        timeout=WAIT_MS
    )
    page.wait_for_function(CHARTS_DRAWN, timeout=WAIT_MS)


def timed(action: Callable[[], None]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def visit(page: Page, title: str) -> float:
    """Seconds from the click on ``title`` in the sidebar to the drawn page."""

    def go() -> None:
        page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title).click()
        rendered(page, title)

    return timed(go)


def log_in(page: Page, url: str, name: str, first_page: str) -> float:
    page.goto(url + "login")
    page.get_by_role("textbox", name="User name").fill(name)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)

    def go() -> None:
        page.get_by_role("button", name="Log in").click()
        rendered(page, first_page)

    return timed(go)


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return f"{statistics.median(ordered):6.2f} s {p90:6.2f} s {ordered[-1]:6.2f} s"


RESEARCHER_PAGES = ("Response monitor", "Validation", "Stages and strategies")
REVIEWER_PAGE = "Stages and strategies (reviewer)"


def measure(url: str, runs: int) -> tuple[dict[str, float], dict[str, list[float]], list[float]]:
    """First loads, later visits per page and filter changes, in seconds."""
    first: dict[str, float] = {}
    later: dict[str, list[float]] = {p: [] for p in (*RESEARCHER_PAGES, REVIEWER_PAGE)}
    filters: list[float] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        # first loads: the monitor right after logging in, then the others in turn
        first["Response monitor"] = log_in(page, url, "bench", "Response monitor")
        for title in RESEARCHER_PAGES[1:]:
            first[title] = visit(page, title)
        for _ in range(runs):
            for title in RESEARCHER_PAGES:
                later[title].append(visit(page, title))
        reviewer = browser.new_page(viewport={"width": 1400, "height": 1000})
        first[REVIEWER_PAGE] = log_in(reviewer, url, "review", "Stages and strategies")
        sectors = ["1–9", "250–999", "1,000 or more"]  # size bands: a filter reviewers have
        for run in range(runs):
            # leave and come back: the survey is the other page a reviewer has
            nav = reviewer.locator('[data-testid="stSidebarNav"]')
            nav.get_by_role("link", name="Survey").click()
            reviewer.locator(
                '[data-testid="stApp"][data-test-script-state="notRunning"]'
            ).wait_for()
            later[REVIEWER_PAGE].append(visit(reviewer, "Stages and strategies"))
            sector = sectors[run % len(sectors)]

            def choose(sector: str = sector) -> None:
                reviewer.get_by_role("combobox", name="Size (employees)").click()
                reviewer.get_by_role("option", name=sector).click()
                reviewer.keyboard.press("Escape")
                reviewer.get_by_text("Firms matching the filters").wait_for(timeout=WAIT_MS)
                rendered(reviewer, "Stages and strategies")

            filters.append(timed(choose))
        browser.close()
    return first, later, filters


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="visits per page (default 5)")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"Chromium not found at {CHROMIUM}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as folder:
        database_url = f"sqlite:///{Path(folder) / 'smcap.db'}"
        engine = make_engine(database_url)
        migrate(engine)
        seed_demo(engine)
        engine.dispose()
        hashed = hash_password(PASSWORD)
        env = {
            "SMCAP_USER_BENCH": f"researcher:{hashed}",
            "SMCAP_USER_REVIEW": f"reviewer:{hashed}",
        }
        log = Path(folder) / "server.log"
        with running_app(database_url, log, env=env, port_range=DASHBOARD_PORTS) as server:
            first, later, filters = measure(server.url, args.runs)

    cpus = os.cpu_count()
    load = os.getloadavg()
    print(
        f"smcap dashboards: 400 demo responses, Chromium on the same machine ({cpus} CPUs, load "
        f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f})"
    )
    print(f"{'page':<36} {'first load':>10}   {'after the first load':>28}")
    print(f"{'':<36} {'':>10}   {'median':>8} {'p90':>8} {'max':>8}   ({args.runs} visits)")
    for title, values in later.items():
        print(f"{title:<36} {first[title]:8.2f} s   {summary(values)}")
    print(f"{'filter change (reviewer, clusters)':<36} {'':>10}   {summary(filters)}")
    worst = max(max(v) for v in later.values())
    verdict = "yes" if worst < TARGET_SECONDS else "NO"
    print(
        f"every page under {TARGET_SECONDS:.0f} s after the first load: {verdict} "
        f"(slowest visit {worst:.2f} s)"
    )
    return 0 if worst < TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
