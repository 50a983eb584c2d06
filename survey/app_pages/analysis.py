"""Validation page (researchers): the full analysis of the stored or an uploaded data set.

Shows the scorecard, reliability, factor structure, validity and invariance, and offers the
downloads: the HTML report, results.json, the clean data (formula-safe CSV and labelled SPSS
file), the codebook and an R script with the CFA's lavaan syntax.
"""

import secrets

import streamlit as st

from analysis.criteria import (
    AVE_MIN,
    CR_MIN,
    DELTA_CFI_MIN,
    DELTA_RMSEA_MAX,
    HTMT_STRICT,
    fmt_cut,
)
from analysis.report.tables import (
    scorecard_table,
)
from survey import cache, charts, dashboard_data
from survey import dashboard_tables as tables
from survey.dashboard_data import InstrumentError, ResponsesError
from survey.ui import escape_markdown

context = cache.app_context()
version = cache.data_version(context)
st.title("Validation")

STORED, UPLOAD = "stored", "upload"
source = st.radio(
    "Data",
    [STORED, UPLOAD],
    format_func={
        STORED: f"Stored survey responses ({version.n_completed:,} completed)",
        UPLOAD: "Upload a responses CSV (and optionally its instrument)",
    }.__getitem__,
    horizontal=True,
    key="analysis-source",
)

upload = None
if source == UPLOAD:
    left, right = st.columns(2)
    upload = left.file_uploader("Responses (CSV, one row per respondent)", type=["csv", "txt"])
    yaml_file = right.file_uploader(
        "Instrument (YAML; default: the study's instrument)", type=["yaml", "yml"]
    )
    if upload is None:
        st.info("Upload a CSV file with a column per item id to validate it.")
        st.stop()
    yaml_name = yaml_file.name if yaml_file is not None else "instrument.yaml"
    try:
        yaml_text = yaml_file.getvalue().decode("utf-8") if yaml_file is not None else None
        responses, instrument = cache.uploaded_responses(
            context,
            upload.getvalue(),
            upload.name,
            instrument_text=yaml_text,
            instrument_name=yaml_name,
        )
    except (ResponsesError, InstrumentError, UnicodeDecodeError) as exc:
        st.error(f"The file cannot be analysed:\n\n{escape_markdown(exc)}")
        st.stop()
    groups = dashboard_data.group_columns(responses, instrument)
else:
    instrument = context.instrument
    groups = [q.id for q in instrument.firmographics if q.type == "single"]

left, right = st.columns([2, 1])
offering = instrument.firmographic_measuring("offering")
auto_label = (
    f"automatic: {offering.id}, when its groups are large enough" if offering else "automatic"
)
group = left.selectbox(
    "Measurement invariance across",
    [dashboard_data.AUTO_GROUP, None, *groups],
    format_func=lambda g: {dashboard_data.AUTO_GROUP: auto_label, None: "— no grouping —"}.get(
        g, g
    ),
    key="analysis-group",
)
exclude_flagged = right.checkbox(
    "Leave out flagged respondents",
    key="analysis-exclude",
    help="All respondents keep their scores and flags in the clean data.",
)

try:
    if source == UPLOAD:
        analysis = cache.uploaded_analysis(
            context,
            upload.getvalue(),
            upload.name,
            instrument_text=yaml_text,
            instrument_name=yaml_name,
            group=group,
            exclude_flagged=exclude_flagged,
        )
    else:
        analysis = cache.stored_analysis(context, group=group, exclude_flagged=exclude_flagged)
except ResponsesError as exc:
    st.error(f"The responses cannot be analysed:\n\n{escape_markdown(exc)}")
    st.stop()

results = analysis.result.results
typed = analysis.result.typed  # the same results, read by attribute
cfa, about = typed.cfa, typed.instrument
complete = (
    f"; the CFA uses the {cfa.n:,} with complete answers"
    if cfa is not None and cfa.status == "ok" and cfa.n != typed.n_respondents
    else ""
)
st.caption(
    f"{typed.n_respondents or 0:,} respondents analysed (of {typed.n_respondents_total or 0:,})"
    f"{complete} · {escape_markdown(about.id if about else '')} "
    f"{escape_markdown(about.version if about else '')} · seed {typed.seed}"
)
if analysis.result.warnings:
    st.warning("\n".join(f"- {escape_markdown(w)}" for w in analysis.result.warnings))

# --------------------------------------------------------------------------- downloads
st.header("Downloads")
# Files with respondent rows (private) never get a /media/ URL, which anyone could read without
# logging in while the session lasts: their bytes come over this session's websocket instead.
requested = None
with st.container(horizontal=True):
    files = (
        ("Report (HTML)", "report.html", "text/html", dashboard_data.report_bytes, False),
        ("Results (JSON)", "results.json", "application/json", dashboard_data.results_bytes, False),
        ("Clean data (CSV)", "clean_data.csv", "text/csv", dashboard_data.clean_csv_bytes, True),
        (
            "Clean data (SPSS .sav)",
            "clean_data.sav",
            "application/x-spss-sav",
            dashboard_data.clean_sav_bytes,
            True,
        ),
        ("lavaan model (R)", "cfa_lavaan.R", "text/plain", dashboard_data.lavaan_bytes, False),
    )
    for label, suffix, mime, make, private in files:
        if private:
            if st.button(label, icon=":material/download:", key=f"download-{suffix}"):
                requested = (suffix, mime, make)
            continue
        st.download_button(
            label,
            data=lambda make=make: make(analysis),
            file_name=dashboard_data.download_name(analysis, suffix),
            mime=mime,
            on_click="ignore",
            icon=":material/download:",
        )
    inst = analysis.instrument
    st.download_button(
        "Codebook (CSV)",
        data=lambda: dashboard_data.codebook_csv_bytes(inst),
        file_name=dashboard_data.download_name(analysis, "codebook.csv"),
        mime="text/csv",
        on_click="ignore",
        icon=":material/download:",
    )
    st.download_button(
        "Codebook (Markdown)",
        data=lambda: dashboard_data.codebook_md_bytes(inst),
        file_name=dashboard_data.download_name(analysis, "codebook.md"),
        mime="text/markdown",
        on_click="ignore",
        icon=":material/download:",
    )
if requested is not None:
    suffix, mime, make = requested
    st.html(
        dashboard_data.browser_download_html(
            make(analysis),
            dashboard_data.download_name(analysis, suffix),
            mime,
            nonce=secrets.token_hex(8),
        ),
        unsafe_allow_javascript=True,
    )

# --------------------------------------------------------------------------- results
names = tables.construct_names(analysis.instrument)
figures = {s.key: s.figures for s in analysis.result.sections}
tabs = st.tabs(["Scorecard", "Reliability", "Factor structure", "Validity", "Invariance"])
with tabs[0]:
    card = results.get("generalisability")
    if card:
        st.table(charts.scorecard_styler(scorecard_table(card)))
    else:
        st.info("The generalisability scorecard was not computed.")
with tabs[1]:
    reliability = results["reliability"]
    st.markdown(tables.reliability_sample(typed))
    st.table(tables.reliability_display(reliability, analysis.instrument), hide_index=True)
    st.caption("Cronbach's α with Feldt's 95% CI, standardised α and McDonald's ω total (R psych).")
    construct = st.selectbox(
        "Items of", list(reliability), format_func=lambda c: names.get(c, c), key="items-of"
    )
    st.table(tables.item_display(reliability, construct, analysis.instrument), hide_index=True)
    st.caption(
        "Item-rest r: the item's correlation with the sum of the construct's other items. "
        "α if dropped: the construct's α without the item (↑: higher than with it, so the item "
        "lowers the consistency). As R psych's alpha()."
    )
with tabs[2]:
    sa, efa = results["sampling_adequacy"], results["efa"]
    a, b, c = st.columns(3)
    a.metric("KMO", tables.coefficient(sa["kmo"]), help=sa.get("kmo_label"))
    b.metric("Factors (parallel analysis)", efa["n_factors_parallel"])
    c.metric("Constructs in the instrument", efa["n_factors_theory"])
    if cfa is None or cfa.status != "ok":
        st.warning(cfa.reason if cfa is not None and cfa.reason else "The CFA was not run.")
    else:
        st.markdown(tables.cfa_sample(typed))
        st.table(tables.fit_display(results["cfa"]), hide_index=True)
        st.caption("ML CFA; fit judged against Hu & Bentler (1999). Same values as lavaan.")
    for i, fig in enumerate(figures.get("efa", ())):
        st.plotly_chart(fig, key=f"factor-{i}", alt=charts.title_of(fig))
    if cfa is not None and cfa.status == "ok" and cfa.std_loadings:
        loadings = charts.loadings_figure(cfa.std_loadings, analysis.instrument)
        st.plotly_chart(loadings, key="loadings", alt=charts.title_of(loadings))
with tabs[3]:
    validity = results["validity"]
    if validity.get("status") != "ok":
        st.warning(validity.get("reason", "Validity was not computed."))
    else:
        st.table(tables.validity_display(validity, analysis.instrument), hide_index=True)
        st.caption(
            f"Convergent: CR ≥ {fmt_cut(CR_MIN)} and AVE ≥ {fmt_cut(AVE_MIN)}. "
            f"Discriminant: HTMT < {fmt_cut(HTMT_STRICT)} (semTools)."
        )
        for i, fig in enumerate(figures.get("validity", ())):
            shown = charts.with_construct_names(fig, names)
            st.plotly_chart(shown, key=f"validity-{i}", alt=charts.title_of(shown))
with tabs[4]:
    invariance = results["invariance"]
    if invariance.get("status") != "ok":
        st.info(
            escape_markdown(analysis.note or invariance.get("reason", "Invariance was not tested."))
        )
    else:
        # group names and values come from the data: shown as text, never as Markdown
        sizes = ", ".join(f"{k} {v:,}" for k, v in invariance["group_sizes"].items())
        st.markdown(
            f"Groups of **{escape_markdown(invariance['group'])}**: {escape_markdown(sizes)}."
        )
        st.table(tables.invariance_display(invariance), hide_index=True)
        st.caption(
            "Each model's changes (Δ) are from the model before it; the configural model is the "
            f"reference, so it has none ({tables.MISSING}). Invariant when ΔCFI ≥ "
            f"{fmt_cut(DELTA_CFI_MIN, 3)} and ΔRMSEA ≤ {fmt_cut(DELTA_RMSEA_MAX, 3)} (Chen, 2007)."
        )
