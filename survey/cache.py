"""The one Streamlit-facing data module: cached engine, instrument and query results.

``st.cache_resource`` holds the SQLAlchemy engine (one per database URL and process, migrated
on first use — never a connection: the engine's pool hands out connections per query) and the
instrument; ``st.cache_data`` with a ``ttl`` holds query results that may be a little stale
(the response count behind "study full", the sample medians). Everything per respondent is read
fresh on every run.

The dashboards' results are keyed on the study's data version
(:func:`survey.store.data_version`), so they are computed once per change of the responses
and shared by every session of the process: fieldwork statistics and the cluster dashboard's
table with ``st.cache_data``; the full analysis, which takes long enough to be interrupted by
a click, in a background :class:`survey.jobs.JobRegistry` (``st.cache_resource``) that keeps
the latest results.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from instrument import Instrument, load_instrument
from survey import dashboard_data, flow, store
from survey.config import Settings, load_settings
from survey.db import make_engine, migrate
from survey.jobs import JobRegistry, Progress, ProgressCallback
from survey.questionnaire import Questionnaire


@dataclass(frozen=True)
class AppContext:
    """What every page needs: settings, the questionnaire and the database engine."""

    settings: Settings
    questionnaire: Questionnaire
    engine: Engine

    @property
    def instrument(self) -> Instrument:
        """The instrument being served."""
        return self.questionnaire.instrument


def app_context() -> AppContext:
    """Settings (read on every run, so configuration changes apply at once) and resources."""
    settings = load_settings()
    questionnaire = _questionnaire(str(settings.instrument_path), _mtime(settings.instrument_path))
    return AppContext(settings, questionnaire, engine(settings.database_url))


@st.cache_resource(show_spinner=False)
def engine(database_url: str) -> Engine:
    """The engine of ``database_url``, with the schema migrated to the latest revision."""
    created = make_engine(database_url)
    migrate(created)
    return created


@st.cache_resource(show_spinner=False)
def _questionnaire(path: str, mtime: float) -> Questionnaire:
    # ``mtime`` is part of the cache key: an edited instrument file is reloaded.
    return Questionnaire(load_instrument(path))


@st.cache_data(ttl=30, show_spinner=False)
def completed_count(database_url: str, instrument_id: str) -> int:
    """Completed real responses (cached 30 s; used for the response limit)."""
    return store.count_completed(engine(database_url), instrument_id=instrument_id)


@st.cache_data(ttl=300, show_spinner=False)
def comparison(database_url: str, instrument_path: str, mtime: float) -> flow.Comparison | None:
    """The sample medians of the completed responses (cached 5 minutes)."""
    questionnaire = _questionnaire(instrument_path, mtime)
    return flow.comparison(engine(database_url), questionnaire)


def comparison_for(context: AppContext) -> flow.Comparison | None:
    """:func:`comparison` for the study of ``context``."""
    path = context.settings.instrument_path
    return comparison(context.settings.database_url, str(path), _mtime(path))


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


# --------------------------------------------------------------------------- dashboards
# Keyed on the data version (survey.store.DataVersion): a new answer, completion, withdrawal
# or decline gives a new key, so nothing is stale, and switching filters reuses the entry.
def data_version(context: AppContext) -> store.DataVersion:
    """The current data version of the study (one small query, run on every page run)."""
    return store.data_version(context.engine, instrument_id=context.instrument.id)


@st.cache_data(max_entries=4, show_spinner=False)
def _monitor(
    database_url: str, instrument_path: str, mtime: float, version: str, include_demo: bool
) -> dashboard_data.MonitorData:
    questionnaire = _questionnaire(instrument_path, mtime)
    return dashboard_data.monitor_data(
        engine(database_url), questionnaire, include_demo=include_demo
    )


def monitor(context: AppContext, *, include_demo: bool) -> dashboard_data.MonitorData:
    """Fieldwork statistics, recomputed when any response changes."""
    path = context.settings.instrument_path
    version = data_version(context).responses_key
    return _monitor(context.settings.database_url, str(path), _mtime(path), version, include_demo)


@st.cache_resource(show_spinner=False)
def jobs() -> JobRegistry:
    """The process's background computations (shared by every session)."""
    return JobRegistry(max_results=4, max_workers=2)


def _run(key: Hashable, compute: Callable[[ProgressCallback], Any], what: str) -> Any:
    """The result of ``compute`` for ``key``, computing it in the background if needed.

    While it runs, a progress bar shows the pipeline's steps. If the user leaves the page,
    the computation goes on, and coming back (or any other session asking for the same key)
    picks it up where it is.
    """
    registry = jobs()
    job = registry.submit(key, compute)
    if job.done():
        return registry.wait(job)
    bar = st.progress(0.0, text=f"{what}: starting")

    def show(progress: Progress) -> None:
        step, n_steps, label = progress.snapshot()
        bar.progress(progress.fraction, text=f"{what}: {label} (step {step} of {n_steps})")

    try:
        return registry.wait(job, poll=show)
    finally:
        bar.empty()


def stored_analysis(
    context: AppContext,
    *,
    group: str | None = dashboard_data.AUTO_GROUP,
    exclude_flagged: bool = False,
) -> dashboard_data.StudyAnalysis:
    """The full validation of the completed responses, computed once per data version.

    By default the invariance test runs across :func:`survey.dashboard_data.default_group`.

    Raises
    ------
    ResponsesError
        When the stored responses cannot be analysed yet (too few, for example).
    """
    path = context.settings.instrument_path
    version = data_version(context).completed_key
    url = context.settings.database_url
    key = ("stored", url, str(path), _mtime(path), version, group, exclude_flagged)
    questionnaire = context.questionnaire
    db = context.engine  # resolved here: the job runs outside Streamlit's script thread

    def compute(progress: ProgressCallback) -> dashboard_data.StudyAnalysis:
        responses = dashboard_data.stored_responses(db, questionnaire)
        return dashboard_data.analyse(
            responses,
            questionnaire.instrument,
            source=dashboard_data.STORED_SOURCE,
            id_column="respondent_id",
            group=group,
            exclude_flagged=exclude_flagged,
            progress=progress,
        )

    return _run(key, compute, "Analysing the stored responses")


@st.cache_data(max_entries=4, show_spinner=False)
def _clusters(
    database_url: str, instrument_path: str, mtime: float, version: str, *, _analysis: Any
) -> dashboard_data.ClusterData:
    return dashboard_data.cluster_data(_analysis)


def clusters(context: AppContext) -> dashboard_data.ClusterData:
    """The cluster dashboard's data, from the stored analysis, cached per data version.

    Raises
    ------
    ResponsesError
        When the stored responses cannot be analysed yet.
    """
    analysis = stored_analysis(context)
    path = context.settings.instrument_path
    version = data_version(context).completed_key
    return _clusters(
        context.settings.database_url, str(path), _mtime(path), version, _analysis=analysis
    )


@st.cache_data(max_entries=2, show_spinner=False)
def _uploaded_responses(
    data: bytes,
    file_name: str,
    instrument_text: str | None,
    instrument_name: str,
    default_path: str,
    mtime: float,
) -> tuple[pd.DataFrame, Instrument]:
    default = _questionnaire(default_path, mtime).instrument
    return dashboard_data.read_upload(
        data,
        file_name,
        instrument_text=instrument_text,
        instrument_name=instrument_name,
        default_instrument=default,
    )


def uploaded_responses(
    context: AppContext,
    data: bytes,
    file_name: str,
    *,
    instrument_text: str | None = None,
    instrument_name: str = "instrument.yaml",
) -> tuple[pd.DataFrame, Instrument]:
    """An uploaded CSV (and instrument; default the study's) read and checked.

    Raises
    ------
    ResponsesError, InstrumentError
        When the file or the instrument cannot be read (errors are not cached).
    """
    path = context.settings.instrument_path
    return _uploaded_responses(
        data, file_name, instrument_text, instrument_name, str(path), _mtime(path)
    )


def uploaded_analysis(
    context: AppContext,
    data: bytes,
    file_name: str,
    *,
    instrument_text: str | None = None,
    instrument_name: str = "instrument.yaml",
    group: str | None = dashboard_data.AUTO_GROUP,
    exclude_flagged: bool = False,
) -> dashboard_data.StudyAnalysis:
    """The full validation of an uploaded file, computed once per content and options.

    Raises
    ------
    ResponsesError, InstrumentError
        When the file cannot be analysed.
    """
    responses, instrument = uploaded_responses(
        context, data, file_name, instrument_text=instrument_text, instrument_name=instrument_name
    )
    digest = hashlib.sha256(data + b"\0" + (instrument_text or "").encode()).hexdigest()
    key = ("upload", digest, file_name, instrument_name, group, exclude_flagged)
    source = Path(file_name).name

    def compute(progress: ProgressCallback) -> dashboard_data.StudyAnalysis:
        return dashboard_data.analyse(
            responses,
            instrument,
            source=source,
            group=group,
            exclude_flagged=exclude_flagged,
            progress=progress,
        )

    return _run(key, compute, f"Analysing {source}")
