"""End-to-end: files with respondent rows reach the logged-in researcher and nobody else.

Streamlit serves ``st.download_button`` data at ``/media/<hash>.<ext>`` to anyone who has the
address while the session lasts, without a log-in. The clean data (CSV and ``.sav``) must not
be among those files: a researcher downloads both in Chromium, then every ``/media/`` address
the page used is fetched again without the session's cookies.
"""

from __future__ import annotations

import csv
import urllib.error
import urllib.request
from pathlib import Path

import pandas as pd
import pyreadstat
from playwright.sync_api import Page

from tests.browser_support import AppServer
from tests.test_dashboard_browser import (  # noqa: F401  (fixtures)
    app,
    browser,
    idle,
    log_in,
    open_dashboard,
    page,
    pytestmark,  # Chromium-only, marked browser
)

N_DEMO = 400


def fetch_without_session(url: str) -> tuple[int, bytes]:
    """GET ``url`` with no cookies and no browser: what anyone holding the address gets."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def test_clean_data_downloads_have_no_address_anyone_can_fetch(
    app: AppServer,  # noqa: F811
    page: Page,  # noqa: F811
    tmp_path: Path,
) -> None:
    addresses: set[str] = set()
    page.on("request", lambda request: addresses.add(request.url))
    page.on("download", lambda download: addresses.add(download.url))
    page.goto(app.url + "login")
    log_in(page, "alice")
    page.get_by_role("heading", name="Response monitor").wait_for()
    idle(page)
    open_dashboard(page, "Validation")

    saved = {}
    every = (
        "Clean data (CSV)",
        "Clean data (SPSS .sav)",
        "Report (HTML)",
        "Results (JSON)",
        "lavaan model (R)",
        "Codebook (CSV)",
        "Codebook (Markdown)",
    )
    for name in every:
        with page.expect_download() as info:
            page.get_by_role("button", name=name).click()
        path = tmp_path / info.value.suggested_filename
        info.value.save_as(path)
        saved[name] = (path, info.value.url)
        idle(page)

    clean_csv, csv_url = saved["Clean data (CSV)"]
    assert clean_csv.name == "smcap-b2b_clean_data.csv"
    assert csv_url.startswith("blob:")  # made in the browser: the server never had a URL for it
    frame = pd.read_csv(clean_csv)
    assert len(frame) == N_DEMO and frame["respondent_id"].is_unique
    with clean_csv.open(newline="", encoding="utf-8") as handle:
        assert len(list(csv.reader(handle))) == N_DEMO + 1
    sav, sav_url = saved["Clean data (SPSS .sav)"]
    assert sav_url.startswith("blob:")
    data, _ = pyreadstat.read_sav(str(sav))
    assert len(data) == N_DEMO

    addresses.update(
        page.evaluate("performance.getEntriesByType('resource').map((entry) => entry.name)")
    )
    media = sorted(a for a in addresses if "/media/" in a)
    assert len(media) >= 5  # the aggregated files still come from /media/, one address each
    ids = [str(i).encode() for i in frame["respondent_id"]]
    for address in media:
        status, body = fetch_without_session(address)
        leaked = [i for i in ids if i in body]
        assert status in (403, 404) or not leaked, (address, status, len(leaked))
    # the aggregated downloads are still what they were
    report, _ = saved["Report (HTML)"]
    assert report.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")
    codebook = pd.read_csv(saved["Codebook (CSV)"][0])
    assert len(codebook) > 0
