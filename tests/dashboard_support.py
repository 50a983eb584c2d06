"""Session fixtures for the dashboard tests: a demo database and one full analysis of it.

The full validation of the 400 demo responses takes a few seconds, so it runs once per test
session and is shared (read-only) by the tests of the tables, services and pages.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from instrument import DEFAULT_INSTRUMENT, load_instrument
from survey import dashboard_data
from survey.db import make_engine, migrate
from survey.demo import seed_demo
from survey.questionnaire import Questionnaire


@pytest.fixture(scope="session")
def demo_db_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated SQLite database holding the 400 simulated demo responses."""
    url = f"sqlite:///{tmp_path_factory.mktemp('demo-db') / 'smcap.db'}"
    engine = make_engine(url)
    migrate(engine)
    seed_demo(engine)
    engine.dispose()
    yield url


@pytest.fixture(scope="session")
def demo_analysis(demo_db_url: str) -> dashboard_data.StudyAnalysis:
    """The full validation of the demo responses, invariance across ``offering``."""
    engine = make_engine(demo_db_url)
    questionnaire = Questionnaire(load_instrument(DEFAULT_INSTRUMENT))
    try:
        responses = dashboard_data.stored_responses(engine, questionnaire)
    finally:
        engine.dispose()
    return dashboard_data.analyse(
        responses,
        questionnaire.instrument,
        source=dashboard_data.STORED_SOURCE,
        id_column="respondent_id",
        group="offering",
    )
