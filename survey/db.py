"""Storage: the database schema (SQLAlchemy 2 ORM), engines and migrations.

SQLite is the embedded default (one file under ``data/``); PostgreSQL is used when the URL says
so (``postgresql+psycopg://...``) for studies served by several app replicas.

SQLite connections run in WAL mode (readers never block the writer) with a ``busy_timeout`` and
foreign keys on. Write transactions start with ``BEGIN IMMEDIATE``: a writer takes the write
lock when its transaction begins, so concurrent writers queue on the busy timeout instead of
failing with "database is locked" when a read transaction tries to upgrade. Use
:func:`write_transaction` for every write and :func:`read_connection` for reads.

What is stored (and what is not) is documented on the table classes. No table has a column for
IP addresses, user agents, names or e-mail addresses linked to answers.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Connection,
    DateTime,
    Dialect,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: Milliseconds an SQLite connection waits for the write lock before giving up.
SQLITE_BUSY_TIMEOUT_MS = 60_000
#: Key of the PostgreSQL advisory lock that serialises concurrent migrations.
_MIGRATION_LOCK_KEY = 0x5_3C_A9


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC timestamp on every backend (SQLite keeps no time zone: store UTC there)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"timestamps must be timezone-aware, got naive {value!r}")
        value = value.astimezone(UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so migrations name constraints stably."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class Respondent(Base):
    """One person who gave consent: a random id, progress and the hash of their resume token.

    The resume token itself is never stored, only its SHA-256 (``resume_token_hash``). Demo
    respondents (``is_demo``) are simulated and have no token.
    """

    __tablename__ = "respondents"
    __table_args__ = (Index(None, "instrument_id", "completed_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    instrument_id: Mapped[str] = mapped_column(String(64))
    instrument_version: Mapped[str] = mapped_column(String(32))
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: First time an answer was saved (consented but never answered: NULL).
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: Page id the respondent is on (the last page once completed).
    current_page: Mapped[str | None] = mapped_column(String(64))
    #: When the current page was first shown; page timings are measured from it.
    page_shown_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Seed of the respondent's item order on randomised pages.
    item_order_seed: Mapped[int | None] = mapped_column(Integer)
    resume_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class Answer(Base):
    """One answer: a respondent × item (Likert item, attention check or background question).

    Likert items, attention checks and whole-number questions fill ``value_int``; single-choice
    questions store the option value in ``value_text``; multiple-choice questions store the
    chosen option values joined by ``;`` in the instrument's option order (option values are
    identifiers, so the join is lossless).
    """

    __tablename__ = "answers"
    __table_args__ = (
        CheckConstraint("(value_int IS NULL) <> (value_text IS NULL)", name="one_value"),
    )

    respondent_id: Mapped[str] = mapped_column(
        ForeignKey("respondents.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    value_int: Mapped[int | None] = mapped_column(Integer)
    value_text: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PageTiming(Base):
    """Seconds a respondent spent on a page (summed over visits) and how often they left it."""

    __tablename__ = "page_timings"

    respondent_id: Mapped[str] = mapped_column(
        ForeignKey("respondents.id", ondelete="CASCADE"), primary_key=True
    )
    page_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seconds: Mapped[float] = mapped_column(Float)
    visits: Mapped[int] = mapped_column(Integer)


class DeclineCount(Base):
    """How many people declined consent: one anonymous counter per instrument version."""

    __tablename__ = "decline_counts"

    instrument_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    instrument_version: Mapped[str] = mapped_column(String(32), primary_key=True)
    declines: Mapped[int] = mapped_column(Integer)


class Contact(Base):
    """An e-mail address left to receive the study's findings.

    Deliberately unlinked from the answers: no respondent id and no timestamp (which could be
    matched against completion times); the id is random.
    """

    __tablename__ = "contacts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    instrument_id: Mapped[str] = mapped_column(String(64))
    email: Mapped[str] = mapped_column(String(320))


class LoginAttempt(Base):
    """Failed dashboard log-ins of one user name (rate limiting; see :mod:`survey.auth`).

    Kept in the database so that the limit holds across browser sessions and app replicas.
    Holds no password, no IP address and nothing about respondents; a successful log-in
    deletes the row, and rows idle for longer than the reset window are pruned.
    """

    __tablename__ = "login_attempts"
    __table_args__ = (Index(None, "last_attempt_at"),)

    user_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: Attempts counted since the last success (or since the counter was reset).
    failures: Mapped[int] = mapped_column(Integer)
    last_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: No attempt for this name is checked before this time.
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


def is_sqlite(url: str) -> bool:
    """True when ``url`` is an SQLite URL."""
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with smcap's connection settings.

    Parameters
    ----------
    url : str
        SQLAlchemy URL. For SQLite the folder of the database file is created if needed.
    **kwargs
        Passed to :func:`sqlalchemy.create_engine` (for example ``poolclass``).

    Returns
    -------
    Engine
        For SQLite: WAL mode, ``busy_timeout``, ``foreign_keys=ON``, ``synchronous=NORMAL``
        and ``BEGIN IMMEDIATE`` for :func:`write_transaction`. For PostgreSQL: pre-ping.
    """
    if not is_sqlite(url):
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(url, **kwargs)
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    connect_args = dict(kwargs.pop("connect_args", {}))
    connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
    engine = create_engine(url, connect_args=connect_args, **kwargs)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself (see _begin) instead of the sqlite3 module.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        _enable_wal(cursor)
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get("smcap_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _enable_wal(cursor: Any) -> None:
    """Switch the database file to WAL mode (a persistent setting), waiting for other users.

    Changing the journal mode needs the file to itself, and SQLite reports "database is
    locked" at once instead of calling the busy handler; several processes opening a new
    database together (app replicas starting) hit that. So: nothing to do when the file is
    in WAL mode already, and otherwise retry with backoff for up to the busy timeout.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    delay = 0.005
    while True:
        try:
            mode = str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower()
            if mode not in ("wal", "memory"):
                cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.1)


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A short write transaction: committed on success, rolled back on error.

    On SQLite it starts with ``BEGIN IMMEDIATE`` so that it waits (up to the busy timeout) for
    other writers instead of failing.
    """
    with engine.connect() as connection:
        connection.execution_options(smcap_write=True)
        with connection.begin():
            yield connection


@contextmanager
def read_connection(engine: Engine) -> Iterator[Connection]:
    """A connection for reads (a deferred transaction, rolled back at the end)."""
    with engine.connect() as connection:
        yield connection


def upsert_insert(dialect: str, table: Table) -> Any:
    """``INSERT`` of ``dialect`` that supports ``on_conflict_do_update``/``_do_nothing``.

    Raises
    ------
    ValueError
        For a database other than SQLite or PostgreSQL.
    """
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise ValueError(f"database dialect {dialect!r} is not supported (use SQLite or PostgreSQL)")


def alembic_config() -> Config:
    """The Alembic configuration of ``survey/migrations`` (no ``alembic.ini`` needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema up to ``revision`` (``alembic upgrade``) in one transaction.

    Safe to call from several processes at once: SQLite serialises the transactions
    (``BEGIN IMMEDIATE``), PostgreSQL takes an advisory lock first.
    """
    config = alembic_config()
    with write_transaction(engine) as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
            )
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)
