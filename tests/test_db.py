"""Schema, migrations and SQLite connection settings."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, event, inspect, text

from survey.db import (
    Base,
    UTCDateTime,
    is_sqlite,
    make_engine,
    migrate,
    read_connection,
    write_transaction,
)


def test_upgrade_head_on_an_empty_database_yields_the_orm_schema(survey_db_url: str) -> None:
    engine = make_engine(survey_db_url)
    try:
        with engine.connect() as conn:
            assert inspect(conn).get_table_names() == []
        migrate(engine)
        migrate(engine)  # a second run is a no-op
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
            assert context.get_current_revision() == "0002"
            tables = set(inspect(conn).get_table_names())
        assert tables == set(Base.metadata.tables) | {"alembic_version"}
    finally:
        engine.dispose()


def test_no_table_has_room_for_ip_addresses_or_user_agents() -> None:
    columns = {c.name for table in Base.metadata.tables.values() for c in table.columns}
    for forbidden in ("ip", "ip_address", "user_agent", "name", "host"):
        assert forbidden not in columns
    # contact details are kept apart: no respondent id, no timestamp to match on
    contact_columns = {c.name for c in Base.metadata.tables["contacts"].columns}
    assert contact_columns == {"id", "instrument_id", "email"}


def test_sqlite_runs_in_wal_mode_with_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'sub' / 'x.db'}")
    try:
        with read_connection(engine) as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 10_000
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert (tmp_path / "sub" / "x.db").exists()
    finally:
        engine.dispose()


def test_writes_begin_immediate_and_reads_deferred(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    statements: list[str] = []
    event.listen(
        engine,
        "before_cursor_execute",
        lambda conn, cursor, statement, *args: statements.append(statement),
    )
    try:
        with write_transaction(engine) as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
        with read_connection(engine) as conn:
            conn.execute(text("SELECT count(*) FROM t")).scalar()
        begins = [s for s in statements if s.startswith("BEGIN")]
        assert begins == ["BEGIN IMMEDIATE", "BEGIN"]
    finally:
        engine.dispose()


def test_write_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with write_transaction(engine) as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
        with pytest.raises(RuntimeError), write_transaction(engine) as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
            raise RuntimeError("boom")
        with read_connection(engine) as conn:
            assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 0
    finally:
        engine.dispose()


def test_timestamps_come_back_aware_utc_and_naive_ones_are_refused(engine_sqlite: Engine) -> None:
    column = UTCDateTime()
    dialect = engine_sqlite.dialect
    stored = column.process_bind_param(datetime(2026, 1, 2, 3, 4, tzinfo=UTC), dialect)
    assert stored is not None and stored.tzinfo is None
    assert column.process_result_value(stored, dialect) == datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    with pytest.raises(ValueError, match="timezone-aware"):
        column.process_bind_param(datetime(2026, 1, 2), dialect)


def test_is_sqlite() -> None:
    assert is_sqlite("sqlite:///data/smcap.db")
    assert not is_sqlite("postgresql+psycopg://postgres@127.0.0.1/test")


@pytest.fixture
def engine_sqlite(tmp_path: Path) -> Engine:
    return make_engine(f"sqlite:///{tmp_path / 'x.db'}")


def test_concurrent_migrations_do_not_collide(survey_db_url: str) -> None:
    """Several app processes starting at once on an empty database all come up."""
    engines = [make_engine(survey_db_url) for _ in range(4)]
    errors: list[BaseException] = []

    def start(engine: Engine) -> None:
        try:
            migrate(engine)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    try:
        assert errors == []
        with engines[0].connect() as conn:
            context = MigrationContext.configure(conn)
            assert context.get_current_revision() == "0002"
            assert compare_metadata(context, Base.metadata) == []
    finally:
        for engine in engines:
            engine.dispose()
