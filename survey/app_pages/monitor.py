"""Response monitor (researchers): fieldwork progress, drop-out, page times, data quality."""

import plotly.graph_objects as go
import streamlit as st

from analysis.quality.fieldwork import FLAG_NAMES
from survey import cache, charts

context = cache.app_context()
st.title("Response monitor")

version = cache.data_version(context)
include_demo = True
if version.n_respondents:
    include_demo = st.toggle(
        "Include simulated demo responses",
        value=True,
        key="monitor-demo",
        help="The demo database holds 400 simulated respondents; a study database holds none.",
    )
data = cache.monitor(context, include_demo=include_demo)

if data.n_consented == 0:
    st.info(
        "Nobody has started the survey yet"
        + (f" ({data.declines} declined)." if data.declines else ".")
    )
    st.stop()

rate = data.n_completed / data.n_consented
a, b, c, d, e = st.columns(5)
a.metric("Consented", f"{data.n_consented:,}")
b.metric("Started answering", f"{data.n_started:,}")
c.metric("Completed", f"{data.n_completed:,}", help=f"{rate:.0%} of those who consented")
d.metric("Declined", f"{data.declines:,}", help="Counted anonymously; nothing else is stored")
flagged = len(data.flagged)
e.metric(
    "Flagged completions",
    f"{flagged:,}",
    help="Completed responses flagged by at least one data-quality screen",
)
if data.n_demo:
    st.caption(f"{data.n_demo:,} of these are simulated demo responses.")


def show(fig: go.Figure, *, key: str) -> None:
    """Draw a chart, its title also its name for screen readers."""
    st.plotly_chart(fig, key=key, alt=charts.title_of(fig))


left, right = st.columns(2)
with left:
    show(charts.activity_figure(data.activity), key="activity")
with right:
    show(charts.funnel_figure(data.funnel), key="funnel")
left, right = st.columns(2)
with left:
    show(charts.page_time_figure(data.page_times), key="page-times")
with right:
    if data.quality is None:
        st.info("Quality screens run once at least two responses are complete.")
    else:
        show(charts.quality_figure(data.quality), key="quality")
        not_run = data.quality[data.quality["checked"] != "run"]
        for screen, why in zip(not_run["screen"], not_run["checked"], strict=True):
            st.caption(f"{screen}: {why}")

if flagged:
    with st.expander(f"Flagged respondents ({flagged})"):
        st.dataframe(
            data.flagged,
            column_config={
                "_index": st.column_config.TextColumn("Respondent", width="medium"),
                **{c: st.column_config.CheckboxColumn(name) for c, name in FLAG_NAMES.items()},
            },
        )
        st.caption(
            "The validation page can leave them out of the statistics; the clean data keeps "
            "their flags."
        )
