"""Alembic environment for smcap's survey database.

Run programmatically by :func:`survey.db.migrate` (which passes an open connection in
``config.attributes["connection"]``), or from the command line::

    .venv/bin/alembic -c survey/alembic.ini upgrade head

which migrates the database of the study settings (``SMCAP_DATABASE_URL`` or ``data/smcap.db``).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from survey.config import load_settings
from survey.db import Base, make_engine, write_transaction

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place: let future migrations copy tables.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Migrate through the given connection, or open one to the configured database."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(load_settings().database_url)
    try:
        with write_transaction(engine) as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("smcap migrations run online only (they need a database connection)")
run_migrations_online()
