"""Dashboard pages with AppTest: log-in, roles, and each page's logic on the demo database."""

from __future__ import annotations

import copy
import dataclasses
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import plotly.io
import pytest
from argon2 import PasswordHasher
from streamlit.testing.v1 import AppTest

from survey import cache
from survey import dashboard_tables as tables
from survey.auth import FREE_FAILURES, User
from survey.dashboard_data import StudyAnalysis
from survey.staff import USER_KEY

#: End-to-end runs (CLI, pipeline, app, database): left out of `make test-fast`.
pytestmark = pytest.mark.integration

APP = str(Path(__file__).resolve().parent.parent / "survey" / "app.py")
PASSWORD = "a long test passphrase"
CHEAP_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
ALICE = User("alice", "researcher", CHEAP_HASH)
RITA = User("rita", "reviewer", CHEAP_HASH)


@pytest.fixture(autouse=True)
def keep_main_module() -> Iterator[None]:
    """AppTest leaves ``sys.modules["__main__"]`` pointing at the app script; put it back."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


def configure(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> None:
    for var in ("SMCAP_INSTRUMENT", "SMCAP_CLOSES", "SMCAP_MAX_RESPONSES", "SMCAP_DEMO"):
        monkeypatch.delenv(var, raising=False)
    (tmp_path / "none.toml").write_text("[study]\n", encoding="utf-8")
    monkeypatch.setenv("SMCAP_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("SMCAP_DATABASE_URL", database_url)
    monkeypatch.setenv("SMCAP_USER_ALICE", f"researcher:{CHEAP_HASH}")
    monkeypatch.setenv("SMCAP_USER_RITA", f"reviewer:{CHEAP_HASH}")


@pytest.fixture
def demo(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, demo_db_url: str) -> str:
    configure(monkeypatch, tmp_path, demo_db_url)
    return demo_db_url


@pytest.fixture
def empty(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    configure(monkeypatch, tmp_path, url)
    return url


def start(user: User | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if user is not None:
        at.session_state[USER_KEY] = user
    return at.run()


def open_page(at: AppTest, script: str) -> AppTest:
    at.switch_page(f"app_pages/{script}").run()
    assert not at.exception, at.exception
    return at


def log_in(at: AppTest, name: str, password: str) -> AppTest:
    fields = {t.label: t for t in at.text_input}
    fields["User name"].input(name)
    fields["Password"].input(password)
    next(b for b in at.button if b.label == "Log in").click().run()
    return at


def texts(elements: Any) -> str:
    return " ".join(str(e.value) for e in elements)


def chart_types(at: AppTest) -> list[set[str]]:
    out = []
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        out.append({trace.get("type", "scatter") for trace in spec["data"]})
    return out


# --------------------------------------------------------------------------- access
def test_respondents_see_the_survey_and_no_dashboard(demo: str) -> None:
    at = start()
    assert at.title[0].value == "Social media capabilities in B2B firms"
    assert len(at.sidebar) == 0  # no navigation, no log-out
    for script in ("clusters.py", "analysis.py", "monitor.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(f"app_pages/{script}")
    assert "staff_user" not in at.session_state


def test_log_in_leads_to_the_role_s_first_page_and_log_out_ends_it(demo: str) -> None:
    at = open_page(start(), "login.py")
    assert at.title[0].value == "Log in"
    log_in(at, "Rita", PASSWORD)
    assert not at.error and at.title[0].value == "Stages and strategies"
    assert at.session_state[USER_KEY].role == "reviewer"
    assert "rita" in texts(at.sidebar.caption)
    with pytest.raises(ValueError):  # researcher pages are not registered for reviewers
        at.switch_page("app_pages/analysis.py")
    next(b for b in at.sidebar.button if b.label == "Log out").click().run()
    assert USER_KEY not in at.session_state
    assert at.title[0].value == "Log in"
    assert {t.label for t in at.text_input} == {"User name", "Password"}


def test_wrong_passwords_are_refused_and_then_slowed_down(demo: str) -> None:
    at = open_page(start(), "login.py")
    for _ in range(FREE_FAILURES):
        log_in(at, "alice", "guess")
        assert at.error[0].value == "Wrong user name or password."
    log_in(at, "alice", "guess")
    assert "Too many failed attempts: please wait 5 seconds" in at.error[0].value
    log_in(at, "alice", PASSWORD)  # right password, but locked
    assert "Too many failed attempts for this user name" in at.error[0].value
    assert USER_KEY not in at.session_state and at.title[0].value == "Log in"


def test_log_in_without_accounts_or_with_a_bad_one(
    demo: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SMCAP_USER_ALICE")
    monkeypatch.delenv("SMCAP_USER_RITA")
    at = open_page(start(), "login.py")
    assert "No dashboard accounts are configured" in texts(at.info)
    assert not at.text_input  # no form to guess at
    monkeypatch.setenv("SMCAP_USER_EVE", "admin:$argon2id$v=19$x")
    at = open_page(start(), "login.py")
    assert "Log-in is not configured correctly" in at.error[0].value
    assert "SMCAP_USER_EVE: role 'admin'" in at.error[0].value


# --------------------------------------------------------------------------- clusters
def test_reviewer_sees_aggregates_that_follow_the_filters(demo: str) -> None:
    at = open_page(start(RITA), "clusters.py")
    assert at.metric[0].label == "Firms analysed" and at.metric[0].value == "400"
    types = chart_types(at)
    assert len(types) >= 5
    assert all("scattergl" not in t for t in types)  # no individual firms on the map
    assert "Aggregates only" in texts(at.caption)
    # combined with the size filter, sector and country would single out small groups
    disabled = {m.label for m in at.multiselect if m.proto.disabled}
    assert disabled == {"Sector", "Products or services", "Country"}
    size = next(m for m in at.multiselect if m.label == "Size (employees)")
    size.set_value(["e1000_plus"]).run()
    assert at.metric[0].label == "Firms matching the filters"
    shown = int(at.metric[0].value.replace(",", ""))
    assert 5 <= shown < 400
    assert not at.exception
    assert "cross-tables are rounded to multiples of 5" in texts(at.caption)
    assert "How far does the model generalise?" in texts(at.header)


def test_researcher_sees_firms_on_the_map_and_theory_stages(demo: str) -> None:
    at = open_page(start(ALICE), "clusters.py")
    assert any("scattergl" in t for t in chart_types(at))
    radio = next(r for r in at.radio if r.label == "Stages from")
    radio.set_value("stage_theory").run()
    assert not at.exception
    assert "Firms per stage (the theory's stage rule)" in json.dumps(
        [json.loads(c.proto.spec)["layout"]["title"] for c in at.get("plotly_chart")]
    )


def test_stage_agreement_is_the_scorecard_s_on_the_same_firms(
    demo: str, demo_analysis: StudyAnalysis
) -> None:
    at = open_page(start(ALICE), "clusters.py")
    metrics = {m.label: m.value for m in at.metric}
    agreement = demo_analysis.result.results["stages"]["agreement"]
    assert metrics["ARI"] == tables.coefficient(agreement["ari"])
    assert metrics["κ (linear)"] == tables.coefficient(agreement["kappa_linear"])
    assert metrics["Same stage"] == f"{agreement['exact']:.0%}"
    assert f"among all {agreement['n']} firms that have both stages" in texts(at.caption)
    # the scorecard on the same page says the same numbers, the same way
    card = next(t.value for t in at.table if "Verdict" in t.value.columns)
    evidence = card.loc["Theory vs data", "Evidence"]
    assert f"ARI = {metrics['ARI']}; κ (linear) = {metrics['κ (linear)']}" in evidence
    assert f"{metrics['Same stage']} of firms get the same stage number" in evidence
    # and the cross-table under them counts those firms
    cross = next(
        fig
        for fig in (plotly.io.from_json(c.proto.spec) for c in at.get("plotly_chart"))
        if fig.layout.title.text == "Theory stage × data-driven stage"
    )
    table = agreement["crosstab"]
    expected = [[str(table[str(t)][str(c)]) for c in range(1, 5)] for t in range(1, 5)]
    assert [list(row) for row in cross.data[1].text] == expected


# --------------------------------------------------------------------------- researcher pages
def test_monitor_page(demo: str) -> None:
    at = open_page(start(ALICE), "monitor.py")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Completed"] == "400" and metrics["Declined"] == "0"
    assert int(metrics["Flagged completions"]) > 0
    assert len(at.get("plotly_chart")) == 4
    next(t for t in at.toggle if t.label == "Include simulated demo responses").set_value(
        False
    ).run()
    assert "Nobody has started the survey yet" in texts(at.info)


def test_validation_page_shows_results_and_offers_downloads(
    demo: str, demo_analysis: StudyAnalysis
) -> None:
    at = open_page(start(ALICE), "analysis.py")
    assert at.selectbox[0].value == "auto"  # offering, when its groups are large enough
    labels = {b.label for b in at.get("download_button")}
    assert labels == {
        "Report (HTML)",
        "Results (JSON)",
        "lavaan model (R)",
        "Codebook (CSV)",
        "Codebook (Markdown)",
    }
    # respondent rows never become a download button's /media/ file: the browser saves them
    clean = next(b for b in at.button if b.label == "Clean data (CSV)")
    assert not any("<script>" in h.proto.body for h in at.get("html"))
    clean.click().run()
    scripts = [h.proto.body for h in at.get("html") if "<script>" in h.proto.body]
    assert len(scripts) == 1 and "smcap-b2b_clean_data.csv" in scripts[0]
    assert {b.label for b in at.button} >= {"Clean data (CSV)", "Clean data (SPSS .sav)"}
    assert "400 respondents analysed" in texts(at.caption)
    results = demo_analysis.result.results
    n_cfa = results["cfa"]["n"]
    assert f"400 respondents analysed (of 400); the CFA uses the {n_cfa} with complete" in texts(
        at.caption
    )
    # why the CFA has fewer respondents, stated beside its table (not folded away)
    assert f"CFA on {n_cfa} respondents with complete answers of 400 analysed" in texts(at.markdown)
    fit = next(t.value for t in at.table if "RMSEA 90% CI" in t.value.columns)
    assert list(fit["n"]) == [str(n_cfa)] * len(fit)
    assert texts(at.warning).count("- ") == len(demo_analysis.result.warnings)
    assert not at.expander  # nothing about the numbers is collapsed
    # reliability per construct and per item, constructs by name
    construct = demo_analysis.instrument.constructs[1]
    items = next(s for s in at.selectbox if s.label == "Items of")
    assert items.format_func(construct.id) == construct.label
    items.set_value(construct.id).run()
    shown = next(t.value for t in at.table if "Item-rest r" in t.value.columns)
    stats = results["reliability"][construct.id]["items"]
    assert list(shown["Item"]) == list(stats)
    assert list(shown["Item-rest r"]) == [tables.coefficient(s["r_drop"]) for s in stats.values()]
    assert [t.label for t in at.tabs] == [
        "Scorecard",
        "Reliability",
        "Factor structure",
        "Validity",
        "Invariance",
    ]
    assert "Groups of **offering**" in texts(at.markdown)
    at.selectbox[0].select_index(1).run()  # no grouping
    assert "no grouping column" in texts(at.info)


def test_group_names_and_values_from_the_data_are_shown_as_typed(
    demo: str, demo_analysis: StudyAnalysis, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = copy.deepcopy(demo_analysis.result.results)
    link = "[click](http://evil.example)"
    results["invariance"]["group"] = link
    results["invariance"]["group_sizes"] = {link: 200, "**b**": 200}
    hostile = dataclasses.replace(
        demo_analysis,
        result=dataclasses.replace(demo_analysis.result, results=results, warnings=(link,)),
    )
    monkeypatch.setattr(cache, "stored_analysis", lambda *args, **kwargs: hostile)
    at = open_page(start(ALICE), "analysis.py")
    shown = texts(at.markdown)
    assert "\\[click\\]\\(http\\:\\/\\/evil\\.example\\) 200\\, \\*\\*b\\*\\* 200" in shown
    assert "[click](http" not in shown


def test_reviewer_cannot_open_researcher_pages_even_by_address(demo: str) -> None:
    at = start(RITA)
    at.switch_page("app_pages/login.py")  # the gate pages at /monitor and /analysis
    pages = at.session_state["pages"]
    assert pages["analysis"]._page.name == "login.py"
    assert pages["monitor"]._page.name == "login.py"
    assert pages["clusters"]._page.name == "clusters.py"


def test_pages_without_responses(empty: str) -> None:
    at = open_page(start(ALICE), "monitor.py")
    assert "Nobody has started the survey yet" in texts(at.info)
    at = open_page(start(ALICE), "analysis.py")
    assert "The responses cannot be analysed" in at.error[0].value
    at = open_page(start(RITA), "clusters.py")
    assert "There is nothing to show yet" in texts(at.info)
