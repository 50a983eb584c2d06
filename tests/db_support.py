"""Database fixtures for the survey tests: a fresh SQLite file or PostgreSQL schema per test.

PostgreSQL tests run when ``SMCAP_TEST_DATABASE_URL`` is set (``.ci/run`` sets it); each test
gets its own newly created schema (selected with ``search_path`` in the URL), dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from survey.db import make_engine, migrate

PG_ENV = "SMCAP_TEST_DATABASE_URL"
PG_SKIP_REASON = f"{PG_ENV} is not set: PostgreSQL tests skipped (see README, 'PostgreSQL')"


def sqlite_url(folder: Path) -> str:
    """URL of a new SQLite file in ``folder``."""
    return f"sqlite:///{folder / 'survey.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """URL of a fresh, empty PostgreSQL schema (skipped without ``SMCAP_TEST_DATABASE_URL``)."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(PG_SKIP_REASON)
    schema = f"smcap_test_{secrets.token_hex(6)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def survey_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each supported kind (PostgreSQL only when configured)."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path)
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def survey_engine(survey_db_url: str) -> Iterator[Engine]:
    """A migrated engine on :func:`survey_db_url`."""
    created = make_engine(survey_db_url)
    migrate(created)
    yield created
    created.dispose()
