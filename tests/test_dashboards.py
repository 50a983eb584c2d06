"""Dashboard services: monitor data, analysis of stored or uploaded data, downloads, clusters."""

from __future__ import annotations

import base64
import io
import itertools
import json
import re
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
from sqlalchemy import Engine

from analysis.data.responses import validate_responses
from analysis.data.simulate import simulate
from analysis.pipeline import default_steps, run_analysis
from analysis.structure import aggregates
from analysis.structure.aggregates import stage_agreement_summary
from instrument import DEFAULT_INSTRUMENT, Instrument, InstrumentError, load_instrument
from instrument.codebook import codebook
from survey import dashboard_data, flow, store
from survey.dashboard_data import ResponsesError, StudyAnalysis
from survey.demo import DEMO_CSV, seed_demo
from survey.questionnaire import Questionnaire
from tests.conftest import MINIMAL_YAML
from tests.csv_support import HOSTILE_TEXT, assert_csv_safe

#: End-to-end runs (CLI, pipeline, app, database): left out of `make test-fast`.
pytestmark = pytest.mark.integration

Q = Questionnaire(load_instrument(DEFAULT_INSTRUMENT))
T0 = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)


# --------------------------------------------------------------------------- monitor
def test_monitor_counts_progress_declines_and_flags(survey_engine: Engine) -> None:
    seed_demo(survey_engine)
    flow.start(survey_engine, Q)  # consented, never answered
    going, _ = flow.start(survey_engine, Q)
    store.save_page(
        survey_engine,
        going.id,
        page_id="firm",
        answers={"sector": "other"},
        move_to="audience",
        now=T0 + timedelta(minutes=2),
    )
    flow.decline(survey_engine, Q)
    data = dashboard_data.monitor_data(survey_engine, Q)
    assert (data.n_consented, data.n_started, data.n_completed) == (402, 401, 400)
    assert data.n_demo == 400 and data.declines == 1
    assert data.funnel.loc["firm", "reached"] == 402
    assert data.funnel.loc["audience", "reached"] == 401
    assert data.funnel.loc["completed", "reached"] == 400
    assert data.page_times.loc["firm", "title"] == Q.page("firm").title
    assert data.page_times.loc["firm", "n"] == 401
    assert data.quality.loc["flagged", "n"] == len(data.flagged) > 0
    assert int(data.activity["consented"].sum()) == 402

    real = dashboard_data.monitor_data(survey_engine, Q, include_demo=False)
    assert (real.n_consented, real.n_started, real.n_completed, real.n_demo) == (2, 1, 0, 0)
    assert real.quality is None and real.flagged.empty  # nothing completed to screen
    assert real.funnel.loc["audience", "reached"] == 1


# --------------------------------------------------------------------------- analysis
def test_too_few_stored_responses_is_a_clear_error(survey_engine: Engine) -> None:
    responses = dashboard_data.stored_responses(survey_engine, Q)
    with pytest.raises(ResponsesError, match="respondents"):
        dashboard_data.analyse(responses, Q.instrument, source=dashboard_data.STORED_SOURCE)


def test_upload_is_read_and_errors_name_the_file() -> None:
    data = DEMO_CSV.read_bytes()
    frame, inst = dashboard_data.read_upload(data, "wave1.csv", default_instrument=Q.instrument)
    assert len(frame) == 400 and inst is Q.instrument
    with pytest.raises(ResponsesError) as exc:
        dashboard_data.read_upload(
            b"PK\x03\x04\x00\x00", "wave1.xlsx", default_instrument=Q.instrument
        )
    assert "responses file 'wave1.xlsx' is not a CSV text file" in str(exc.value)
    assert "/tmp" not in str(exc.value)
    _, mini = dashboard_data.read_upload(
        b"e1,e2\n1,2\n", "x.csv", instrument_text=MINIMAL_YAML, default_instrument=Q.instrument
    )
    assert mini.id == "mini"
    with pytest.raises(InstrumentError, match=r"bad\.yaml"):
        dashboard_data.read_upload(
            b"e1\n1\n",
            "x.csv",
            instrument_text="id: [",
            instrument_name="/somewhere/bad.yaml",
            default_instrument=Q.instrument,
        )


def test_default_group_is_offering_when_it_can_be_tested() -> None:
    frame = pd.read_csv(DEMO_CSV)
    assert dashboard_data.default_group(Q.instrument, frame) == ("offering", "")
    group, note = dashboard_data.default_group(Q.instrument, frame.head(150))
    assert group is None
    assert note.startswith("Invariance across 'offering' is not tested yet")
    small = dashboard_data.analyse(
        frame.head(150), Q.instrument, source="wave1.csv", group=dashboard_data.AUTO_GROUP
    )
    assert small.note == note and small.result.results["invariance"]["status"] == "not run"


def test_group_columns_are_the_small_categorical_ones(demo_analysis: StudyAnalysis) -> None:
    columns = dashboard_data.group_columns(
        demo_analysis.validated.data, demo_analysis.validated.instrument
    )
    assert {"sector", "offering", "employees", "country"} <= set(columns)
    assert not {"op_ai_1", "ac_1", "page_time_firm", "completed_at", "channels"} & set(columns)


# --------------------------------------------------------------------------- downloads
def test_downloads(demo_analysis: StudyAnalysis, tmp_path: Path) -> None:
    report = dashboard_data.report_bytes(demo_analysis).decode()
    assert report.startswith("<!DOCTYPE html>") and "How far does the model generalise?" in report
    results = json.loads(dashboard_data.results_bytes(demo_analysis))
    assert results["n_respondents"] == 400 and results["invariance"]["group"] == "offering"
    clean = pd.read_csv(io.BytesIO(dashboard_data.clean_csv_bytes(demo_analysis)))
    assert len(clean) == 400 and {"respondent_id", "op_ai_1", "stage_cluster"} <= set(clean)
    path = tmp_path / "clean.sav"
    path.write_bytes(dashboard_data.clean_sav_bytes(demo_analysis))
    data, meta = pyreadstat.read_sav(str(path))
    assert len(data) == 400 and meta.file_label == "smcap-b2b 2.0"
    assert meta.column_names_to_labels["stage_cluster"].startswith("Data-driven stage")
    codebook = pd.read_csv(io.BytesIO(dashboard_data.codebook_csv_bytes(Q.instrument)))
    assert "op_ai_1" in set(codebook["variable"])
    assert dashboard_data.codebook_md_bytes(Q.instrument).startswith(b"# Codebook")
    script = dashboard_data.lavaan_bytes(demo_analysis).decode()
    assert results["cfa"]["lavaan_syntax"] in script
    assert results["cfa"]["second_order"]["lavaan_syntax"] in script
    assert 'data <- data[lavNames(model, "ov")]' in script
    assert '"op_ai_3"' in script and "(1 + 7) - data[reverse]" in script
    assert "data[data == 99] <- NA" in script or "<- NA" in script  # 2.0's don't-know code
    assert f'read.csv("{dashboard_data.download_name(demo_analysis, "clean_data.csv")}")' in script


def test_uploaded_text_cannot_become_a_formula(instrument_2_0) -> None:
    frame = pd.read_csv(DEMO_CSV, dtype={"channels": "string"}).head(120)
    hostile = list(HOSTILE_TEXT)
    frame["note"] = hostile + ["ok"] * (120 - len(hostile))
    analysis = dashboard_data.analyse(
        frame, instrument_2_0, source="upload.csv", id_column="respondent_id"
    )
    rows = assert_csv_safe(dashboard_data.clean_csv_bytes(analysis), n_rows=120)
    notes = [row[rows[0].index("note")] for row in rows[1:]]
    assert notes[: len(hostile)] == [
        f"'{t}" if t.lstrip().startswith(("=", "+", "-", "@")) else t for t in hostile
    ]
    assert_csv_safe(
        dashboard_data.codebook_csv_bytes(instrument_2_0), n_rows=len(codebook(instrument_2_0))
    )


HOSTILE_R = 'T\nsystem("touch pwned")\r\nunlink(".")\u2028q()\n# \' " \\'


def test_instrument_text_in_the_r_script_stays_in_comments(
    instrument_2_0: Instrument, tmp_path: Path
) -> None:
    dk = instrument_2_0.scale.dont_know
    assert dk is not None
    scale = instrument_2_0.scale.model_copy(
        update={"dont_know": dk.model_copy(update={"label": HOSTILE_R})}
    )
    inst = instrument_2_0.model_copy(
        update={"title": HOSTILE_R, "version": HOSTILE_R, "scale": scale}
    )
    data = simulate(instrument_2_0, 120, random_state=9).responses
    validated = validate_responses(data, inst, source="sim")
    steps = [s for s in default_steps() if s.name in ("quality", "scores")]
    script = dashboard_data.lavaan_bytes(
        StudyAnalysis(validated, run_analysis(validated, inst, steps=steps))
    )
    lines = script.decode().splitlines()
    # the text is only ever after a comment sign, on the comment's own line
    assert all(-1 < line.find("#") < line.find("system") or "system" not in line for line in lines)
    assert lines[0].startswith('# CFA of T system("touch pwned")  unlink(".") q()')
    path = tmp_path / "cfa_lavaan.R"
    path.write_bytes(script)
    # R parses the script and finds no call that the instrument's text put there
    names = subprocess.run(
        ["Rscript", "-e", f"cat(unique(all.names(parse({str(path)!r}))), sep='\\n')"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert not {"system", "unlink", "q"} & set(names)
    assert {"library", "cfa", "read.csv"} <= set(names)
    assert not (tmp_path / "pwned").exists()


# --------------------------------------------------------------------------- clusters
def test_cluster_data(demo_analysis: StudyAnalysis) -> None:
    data = dashboard_data.cluster_data(demo_analysis)
    assert [f.column for f in data.filters] == ["sector", "offering", "employees", "country"]
    assert data.filters[2].options[0] == ("e1_9", "1–9")
    assert data.n_total == 400
    assert {"level_networking", "axis_control", "stage_cluster", "quadrant", "sector"} <= set(
        data.respondents.columns
    )
    assert data.stages is not None and data.stages["status"] == "ok"
    assert data.quadrants is not None and data.generalisability is not None
    assert data.scale == (1.0, 7.0) and data.quadrant_cuts == (4.0, 4.0)
    assert data.sector_labels["it_software"] == "IT and software"


def test_downloads_keep_dont_know_apart_from_skipped(
    instrument_2_0: Instrument, tmp_path: Path
) -> None:
    data = simulate(instrument_2_0, 120, random_state=9).responses
    item = instrument_2_0.construct("sensing").items[0].id
    data.loc[data.index[:4], item] = 99
    data.loc[data.index[4], item] = None
    validated = validate_responses(data, instrument_2_0, source="sim")
    steps = [s for s in default_steps() if s.name in ("quality", "scores")]
    analysis = StudyAnalysis(validated, run_analysis(validated, instrument_2_0, steps=steps))
    clean = pd.read_csv(io.BytesIO(dashboard_data.clean_csv_bytes(analysis)))
    assert clean[item].iloc[:4].tolist() == [99] * 4 and pd.isna(clean[item].iloc[4])
    path = tmp_path / "clean.sav"
    path.write_bytes(dashboard_data.clean_sav_bytes(analysis))
    coded, meta = pyreadstat.read_sav(str(path), user_missing=True)
    assert coded[item].iloc[:4].tolist() == [99.0] * 4 and pd.isna(coded[item].iloc[4])
    assert meta.variable_value_labels[item][99.0] == "Don't know / not applicable"
    script = dashboard_data.lavaan_bytes(analysis).decode()
    recode = "data[data == 99] <- NA  # Don't know / not applicable"
    assert recode in script and script.index(recode) < script.index("reverse <-")


# --------------------------------------------------------------------------- reviewer differencing
STAGES = [1, 2, 3, 4]


def reviewer_view(
    frame: pd.DataFrame, filters: dict[str, list[str]], scope: aggregates.FilterCells | None
) -> dict[str, object] | None:
    """What the reviewer's page shows for ``filters``: firms, and firms per stage (both stage
    sources), through the functions the page calls; None when the page refuses the filters
    or says "fewer than 5"."""
    try:
        subset = aggregates.apply_filters(frame, filters, scope=scope)
    except ValueError:
        return None
    if len(subset) < aggregates.MIN_CELL:
        return None
    shown: dict[str, object] = {"n": len(subset)}
    for column in ("stage_cluster", "stage_theory"):
        counts = aggregates.category_counts(subset[column], STAGES, scope=scope)
        for stage in STAGES:
            value = counts[stage]
            shown[f"{column}={stage}"] = None if pd.isna(value) else int(value)
    return shown


def combine(views: list[tuple[int, dict[str, object] | None]]) -> dict[str, int]:
    """Signed sum of views, number by number; a number hidden in any view drops out."""
    if any(view is None for _, view in views):
        return {}
    out = {}
    for key in views[0][1]:
        values = [view[key] for _, view in views]
        if all(v is not None for v in values):
            out[key] = sum(sign * v for (sign, _), v in zip(views, values, strict=True))
    return out


def truth(frame: pd.DataFrame) -> dict[str, int]:
    out = {"n": len(frame)}
    for column in ("stage_cluster", "stage_theory"):
        for stage in STAGES:
            out[f"{column}={stage}"] = int((frame[column] == stage).sum())
    return out


def hidden_cells_recovered(
    frame: pd.DataFrame, options: dict[str, list[str]], scope: aggregates.FilterCells | None
) -> list[tuple[str, str, str, str, dict[str, int]]]:
    """Mount the audit's attack on every two-filter cell of 1 to 4 firms: subtract allowed
    views (a filter, the same filter without one value of another, and the complements) and
    list the cells whose size and stage counts come out exactly."""
    recovered = []
    for (d1, values1), (d2, values2) in itertools.combinations(options.items(), 2):
        for v1, v2 in itertools.product(values1, values2):
            cell = frame[(frame[d1] == v1) & (frame[d2] == v2)]
            if not 0 < len(cell) < aggregates.MIN_CELL:
                continue
            not1 = [v for v in values1 if v != v1]
            not2 = [v for v in values2 if v != v2]

            def view(filters: dict[str, list[str]]) -> dict[str, object] | None:
                return reviewer_view(frame, filters, scope)

            attempts = [
                [(1, view({d1: [v1]})), (-1, view({d1: [v1], d2: not2}))],
                [(1, view({d2: [v2]})), (-1, view({d2: [v2], d1: not1}))],
                [
                    (1, view({})),
                    (-1, view({d1: not1})),
                    (-1, view({d2: not2})),
                    (1, view({d1: not1, d2: not2})),
                ],
            ]
            want = truth(cell)
            for attempt in attempts:
                got = combine(attempt)
                if got.get("n") == want["n"] and any(
                    got.get(k) == v for k, v in want.items() if k != "n" and v
                ):
                    recovered.append((d1, v1, d2, v2, got))
    return recovered


@pytest.fixture(scope="module")
def cluster_frame(demo_analysis: StudyAnalysis) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    data = dashboard_data.cluster_data(demo_analysis)
    options = {f.column: [value for value, _ in f.options] for f in data.filters}
    return data.respondents, options


def reviewer_scope(frame: pd.DataFrame, options: dict[str, list[str]]) -> aggregates.FilterCells:
    return aggregates.filter_cells(frame, list(options), by=["stage_theory", "stage_cluster"])


def test_differencing_filter_views_recovers_no_small_cell_of_the_demo_data(
    cluster_frame: tuple[pd.DataFrame, dict[str, list[str]]],
) -> None:
    frame, options = cluster_frame
    unprotected = hidden_cells_recovered(frame, options, scope=None)
    assert len(unprotected) >= 20  # the audit's attack works on cell-by-cell suppression
    scope = reviewer_scope(frame, options)
    assert 1 <= len(scope.columns) < len(options)
    assert hidden_cells_recovered(frame, options, scope=scope) == []


def all_views(
    options: dict[str, list[str]], columns: tuple[str, ...]
) -> Iterator[dict[str, list[str]]]:
    """Every filter setting over ``columns``: each column unfiltered or any non-empty subset."""
    choices = [
        [
            [],
            *(
                list(c)
                for k in range(1, len(options[col]))
                for c in itertools.combinations(options[col], k)
            ),
        ]
        for col in columns
    ]
    for picked in itertools.product(*choices):
        yield dict(zip(columns, picked, strict=True))


def small_differences(
    frame: pd.DataFrame,
    options: dict[str, list[str]],
    columns: tuple[str, ...],
    scope: aggregates.FilterCells | None,
) -> list[tuple[str, int]]:
    """Subtract every allowed view over ``columns`` from every view holding it: the numbers
    that come out between 1 and 4."""
    views = []
    for filters in all_views(options, columns):
        rows = frozenset(aggregates.apply_filters(frame, filters).index)
        views.append((rows, reviewer_view(frame, filters, scope)))
    small = []
    for (rows_a, a), (rows_b, b) in itertools.permutations(views, 2):
        if rows_b < rows_a:
            for key, value in combine([(1, a), (-1, b)]).items():
                if 0 < value < aggregates.MIN_CELL:
                    small.append((key, value))
    return small


def test_no_pair_of_allowed_views_differs_by_a_small_count(
    cluster_frame: tuple[pd.DataFrame, dict[str, list[str]]],
) -> None:
    frame, options = cluster_frame
    scope = reviewer_scope(frame, options)
    assert small_differences(frame, options, scope.columns, scope) == []
    # Filtering by sector alone: every sector holds ≥ 5 firms, but some hold 1 to 4 of a
    # stage. Cell-by-cell suppression hides those in the sector's own view, and subtracting
    # two views gives them back; the linked rule withholds them wherever they would.
    by_sector = aggregates.filter_cells(frame, ["sector"])
    assert by_sector.columns == ("sector",)
    assert small_differences(frame, options, ("sector",), scope=None)
    assert small_differences(frame, options, ("sector",), scope=by_sector) == []


def test_reviewer_cross_table_shows_the_agreement(
    cluster_frame: tuple[pd.DataFrame, dict[str, list[str]]],
) -> None:
    frame, options = cluster_frame
    scope = reviewer_scope(frame, options)
    shown = aggregates.count_table(
        frame,
        "stage_theory",
        "stage_cluster",
        row_values=STAGES,
        column_values=STAGES,
        scope=scope,
    )
    exact = pd.crosstab(frame["stage_theory"], frame["stage_cluster"]).reindex(
        index=STAGES, columns=STAGES, fill_value=0
    )
    for stage in STAGES:
        assert exact.at[stage, stage] >= 40
        assert shown.at[stage, stage] % 5 == 0
        assert abs(shown.at[stage, stage] - exact.at[stage, stage]) <= 2
    small = (exact > 0) & (exact < aggregates.MIN_CELL)
    assert small.to_numpy().any()
    assert not (shown.notna() & small & (shown == exact)).to_numpy().any()  # never exact
    old = aggregates.suppress_counts(exact)  # cell-by-cell hiding hid most of the diagonal
    assert sum(pd.isna(old.at[s, s]) for s in STAGES) >= 2


def test_browser_download_carries_the_bytes_and_no_text_can_end_the_script() -> None:
    data = bytes(range(256)) * 3
    html = dashboard_data.browser_download_html(
        data, 'x</script><img src=x onerror=alert(1)>".csv', "text/csv", nonce="n1"
    )
    assert html.startswith("<script>") and html.endswith("</script>")
    assert html.count("</script>") == 1 and "<img" not in html
    payload = re.search(r'atob\("([A-Za-z0-9+/=]+)"\)', html)
    assert payload is not None and base64.b64decode(payload.group(1)) == data
    assert r"x\u003c/script>\u003cimg src=x onerror=alert(1)>\".csv" in html
    again = dashboard_data.browser_download_html(data, "a.csv", "text/csv", nonce="n2")
    assert again != dashboard_data.browser_download_html(data, "a.csv", "text/csv", nonce="n3")


def test_agreement_of_the_compared_firms_is_the_results_agreement(
    demo_analysis: StudyAnalysis,
) -> None:
    data = dashboard_data.cluster_data(demo_analysis)
    expected = demo_analysis.result.results["stages"]["agreement"]
    careless = int(data.respondents["careless"].sum())
    assert careless > 0  # the demo has careless answers: all firms would give other numbers
    summary = stage_agreement_summary(data.respondents, compared=~data.respondents["careless"])
    assert summary is not None and summary["n"] == expected["n"]
    for key in ("ari", "kappa_linear", "exact"):
        assert summary[key] == pytest.approx(expected[key], abs=1e-12)
    everyone = stage_agreement_summary(data.respondents)
    assert everyone is not None and everyone["n"] > expected["n"]
