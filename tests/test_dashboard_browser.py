"""End-to-end: the dashboards in a real Chromium (Playwright), behind the log-in.

One app server (``streamlit run`` on a free port in 8650–8699) serves a temporary SQLite
database seeded with the 400 demo responses; accounts come from ``SMCAP_USER_*`` variables.
Screenshots of each dashboard page go to ``test-artifacts/``. axe-core checks every dashboard
page for accessibility violations (``make test`` fetches it; ``SMCAP_AXE_JS`` names its script).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
from argon2 import PasswordHasher
from playwright.sync_api import Browser, Page, expect, sync_playwright

from instrument import DEFAULT_INSTRUMENT, load_instrument
from survey.auth import BASE_DELAY, FREE_FAILURES
from survey.db import make_engine, migrate
from survey.demo import DEMO_CSV, seed_demo
from tests.browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DASHBOARD_PORTS,
    AppServer,
    running_app,
    screenshot,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Chromium not found at {CHROMIUM}"),
]

DESKTOP = {"width": 1400, "height": 1000}
PASSWORD = "a long test passphrase"
#: Milliseconds to wait for a page; the first visit runs the full analysis on a shared CPU.
WAIT_MS = 120_000
INSTRUMENT = load_instrument(DEFAULT_INSTRUMENT)
#: axe-core's browser script: ``SMCAP_AXE_JS`` (set by ``make test``), else ``make axe``'s cache.
AXE_JS = Path(
    os.environ.get("SMCAP_AXE_JS")
    or max(
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache").glob(
            "smcap/axe-core-*/axe.min.js"
        ),
        default="",
    )
)
#: Impacts that fail the accessibility test.
AXE_FAILING = ("critical", "serious")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    folder = tmp_path_factory.mktemp("dashboard-app")
    database_url = f"sqlite:///{folder / 'smcap.db'}"
    engine = make_engine(database_url)
    migrate(engine)
    seed_demo(engine)
    engine.dispose()
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    env = {
        "SMCAP_USER_ALICE": f"researcher:{cheap}",
        "SMCAP_USER_RITA": f"reviewer:{cheap}",
        "SMCAP_USER_LOCKY": f"reviewer:{cheap}",
    }
    with running_app(
        database_url, folder / "server.log", env=env, port_range=DASHBOARD_PORTS
    ) as server:
        yield server


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    context.set_default_timeout(WAIT_MS)
    tab = context.new_page()
    yield tab
    context.close()


def idle(page: Page) -> None:
    """Wait until the app's script has finished running (and the charts had a moment)."""
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for()
    page.wait_for_timeout(300)


def log_in(page: Page, name: str, password: str = PASSWORD) -> None:
    page.get_by_role("textbox", name="User name").fill(name)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def open_dashboard(page: Page, title: str) -> None:
    page.get_by_role("link", name=title).click()
    page.get_by_role("heading", name=title).wait_for()
    idle(page)


def metric_value(page: Page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def assert_charts_named(page: Page, n_charts: int) -> None:
    """The page's ``n_charts`` charts are figures whose accessible name is their title."""
    charts = page.locator('[data-testid="stPlotlyChart"]')
    expect(charts).to_have_count(n_charts)
    for chart in charts.all():
        title = (chart.locator(".gtitle").text_content() or "").strip()
        assert title
        expect(chart).to_have_attribute("role", "figure")
        expect(chart).to_have_accessible_name(title)


def axe_violations(page: Page) -> list[str]:
    """The critical and serious axe-core violations of the page as shown, one line each."""
    page.add_script_tag(path=str(AXE_JS))
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
            .map(v => ({id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 3)}))"""
    )
    return [
        f"{v['impact']} {v['id']}: {v['help']} ({'; '.join(v['nodes'])})"
        for v in found
        if v["impact"] in AXE_FAILING
    ]


def test_dashboards_and_downloads_are_refused_without_log_in(app: AppServer, page: Page) -> None:
    page.goto(app.url)
    page.get_by_role("heading", name=INSTRUMENT.title).wait_for()
    expect(page.locator('[data-testid="stSidebarNav"]')).to_have_count(0)
    for address in ("monitor", "analysis", "clusters"):
        page.goto(app.url + address)
        page.get_by_role("heading", name="Log in").wait_for()
        idle(page)
        expect(page.get_by_text("Please log in")).to_be_visible()
        expect(page.locator('[data-testid="stDownloadButton"]')).to_have_count(0)
        expect(page.locator('[data-testid="stPlotlyChart"]')).to_have_count(0)
        expect(page.locator('[data-testid="stSidebarNav"]')).to_have_count(0)


def test_reviewer_sees_the_cluster_dashboard_and_filters_change_the_counts(
    app: AppServer, page: Page, artifacts_dir: Path
) -> None:
    page.goto(app.url + "clusters")
    log_in(page, "rita")
    page.get_by_role("heading", name="Stages and strategies").wait_for()
    idle(page)
    # sizes, profiles, map, stage × quadrant, agreement, stability, threshold sensitivity
    expect(page.locator('[data-testid="stPlotlyChart"]')).to_have_count(7)
    expect(page.get_by_text("Aggregates only")).to_be_visible()
    assert_charts_named(page, 7)
    expect(page.get_by_role("figure", name="Stage profiles: mean level scores")).to_be_visible()
    assert metric_value(page, "Firms analysed") == "400"
    # only their page in the navigation
    nav = page.locator('[data-testid="stSidebarNav"]')
    expect(nav.get_by_role("link", name="Stages and strategies")).to_be_visible()
    expect(nav.get_by_role("link", name="Validation")).to_have_count(0)
    expect(nav.get_by_role("link", name="Response monitor")).to_have_count(0)
    screenshot(page, artifacts_dir / "dashboard-clusters-reviewer.png")

    # sector cannot be combined with size for reviewers (some combinations hold < 5 firms)
    page.get_by_role("combobox", name=re.compile("Size")).click()
    page.get_by_role("option", name="250–999").click()
    page.keyboard.press("Escape")
    expect(page.get_by_text("Firms matching the filters")).to_be_visible()
    idle(page)
    shown = int(metric_value(page, "Firms matching the filters").replace(",", ""))
    assert 5 <= shown < 400
    screenshot(page, artifacts_dir / "dashboard-clusters-reviewer-filtered.png")


def test_researcher_pages_and_the_spss_download(
    app: AppServer, page: Page, artifacts_dir: Path, tmp_path: Path
) -> None:
    page.goto(app.url + "login")
    log_in(page, "alice")
    page.get_by_role("heading", name="Response monitor").wait_for()
    idle(page)
    assert metric_value(page, "Completed") == "400"
    assert_charts_named(page, 4)
    screenshot(page, artifacts_dir / "dashboard-monitor.png")

    open_dashboard(page, "Validation")
    button = page.get_by_role("button", name="Clean data (SPSS .sav)")
    with page.expect_download() as info:
        button.click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.name == "smcap-b2b_clean_data.sav"
    data, meta = pyreadstat.read_sav(str(path))
    assert len(data) == 400
    item = INSTRUMENT.constructs[0].items[0]
    assert meta.column_names_to_labels[item.id] == item.text
    assert meta.variable_value_labels[item.id][1.0] == INSTRUMENT.scale.labels[0]
    assert meta.variable_value_labels["sector"][1.0] == INSTRUMENT.firmographics[0].options[0].label
    screenshot(page, artifacts_dir / "dashboard-validation.png")
    for tab in ("Reliability", "Factor structure", "Validity", "Invariance"):
        page.get_by_role("tab", name=tab).click()
        page.wait_for_timeout(300)
        name = tab.lower().replace(" ", "-")
        screenshot(page, artifacts_dir / f"dashboard-validation-{name}.png", height=1800)

    open_dashboard(page, "Stages and strategies")
    expect(page.locator('[data-testid="stPlotlyChart"]')).to_have_count(7)
    expect(page.get_by_text("Aggregates only")).to_have_count(0)
    assert_charts_named(page, 7)
    screenshot(page, artifacts_dir / "dashboard-clusters-researcher.png")

    # an uploaded file is validated on the same page
    open_dashboard(page, "Validation")
    page.get_by_text("Upload a responses CSV").click()
    upload = tmp_path / "wave1.csv"
    pd.read_csv(DEMO_CSV).head(150).to_csv(upload, index=False)
    page.locator('[data-testid="stFileUploader"]').first.locator(
        "input[type=file]"
    ).set_input_files(upload)
    page.get_by_text("150 respondents analysed (of 150)").wait_for()
    idle(page)
    expect(page.get_by_role("button", name="Report (HTML)")).to_be_visible()


def test_wrong_passwords_are_refused_and_repeated_failures_slowed(
    app: AppServer, page: Page
) -> None:
    page.goto(app.url + "login")
    page.get_by_role("heading", name="Log in").wait_for()
    alert = page.locator('[data-testid="stAlertContentError"]')
    for _ in range(FREE_FAILURES):
        log_in(page, "locky", "not the password")
        expect(alert).to_have_text("Wrong user name or password.")
        idle(page)
    log_in(page, "locky", "not the password")
    expect(alert).to_contain_text(f"please wait {BASE_DELAY:.0f} seconds")
    idle(page)
    log_in(page, "locky")  # the right password is not even checked while locked
    expect(alert).to_contain_text("Too many failed attempts for this user name")
    idle(page)
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.wait_for_timeout(BASE_DELAY * 1000)
    log_in(page, "locky")  # after the wait it works
    page.get_by_role("heading", name="Stages and strategies").wait_for()


@pytest.mark.skipif(
    not AXE_JS.is_file(),
    reason="axe-core not found: `make axe` fetches it (`make test` does so itself)",
)
def test_every_dashboard_page_passes_axe_core(app: AppServer, browser: Browser) -> None:
    """No critical or serious axe-core violation on the log-in page, every researcher page
    (every tab of the validation page) and the reviewer's pages."""
    problems: dict[str, list[str]] = {}

    def check(page: Page, name: str) -> None:
        idle(page)
        problems[name] = axe_violations(page)

    for user, pages in (
        ("alice", ["Response monitor", "Validation", "Stages and strategies"]),
        ("rita", ["Stages and strategies"]),
    ):
        context = browser.new_context(viewport=DESKTOP)
        context.set_default_timeout(WAIT_MS)
        page = context.new_page()
        page.goto(app.url + "login")
        page.get_by_role("heading", name="Log in").wait_for()
        check(page, "log-in")
        log_in(page, user)
        page.get_by_role("heading", name=pages[0]).wait_for()
        for title in pages:
            open_dashboard(page, title)
            check(page, f"{title} ({user})")
            if title == "Validation":
                for tab in ("Reliability", "Factor structure", "Validity", "Invariance"):
                    page.get_by_role("tab", name=tab).click()
                    check(page, f"{title}, {tab} tab ({user})")
        context.close()
    assert len(problems) == 9
    assert not {k: v for k, v in problems.items() if v}
