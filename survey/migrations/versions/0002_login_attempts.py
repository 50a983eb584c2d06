"""Failed dashboard log-ins per user name, for rate limiting across sessions and replicas.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    op.create_table(
        "login_attempts",
        sa.Column("user_name", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("user_name", name=op.f("pk_login_attempts")),
    )
    op.create_index(
        op.f("ix_login_attempts_last_attempt_at"), "login_attempts", ["last_attempt_at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_login_attempts_last_attempt_at"), table_name="login_attempts")
    op.drop_table("login_attempts")
