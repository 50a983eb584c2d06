"""The one Streamlit-facing data module: cached engine, instrument and query results.

``st.cache_resource`` holds the SQLAlchemy engine (one per database URL and process, migrated
on first use — never a connection: the engine's pool hands out connections per query) and the
instrument; ``st.cache_data`` with a ``ttl`` holds query results that may be a little stale
(the response count behind "study full", the sample medians). Everything per respondent is read
fresh on every run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from sqlalchemy import Engine

from instrument import Instrument, load_instrument
from survey import flow, store
from survey.config import Settings, load_settings
from survey.db import make_engine, migrate
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
