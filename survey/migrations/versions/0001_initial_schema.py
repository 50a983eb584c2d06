"""Initial survey schema: respondents, answers, page timings, decline counts, contacts.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    op.create_table(
        "respondents",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("instrument_id", sa.String(length=64), nullable=False),
        sa.Column("instrument_version", sa.String(length=32), nullable=False),
        sa.Column("consented_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("current_page", sa.String(length=64), nullable=True),
        sa.Column("page_shown_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("item_order_seed", sa.Integer(), nullable=True),
        sa.Column("resume_token_hash", sa.String(length=64), nullable=True),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_respondents")),
        sa.UniqueConstraint("resume_token_hash", name=op.f("uq_respondents_resume_token_hash")),
    )
    op.create_index(
        op.f("ix_respondents_instrument_id_completed_at"),
        "respondents",
        ["instrument_id", "completed_at"],
    )
    op.create_table(
        "answers",
        sa.Column("respondent_id", sa.String(length=32), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("value_int", sa.Integer(), nullable=True),
        sa.Column("value_text", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(value_int IS NULL) <> (value_text IS NULL)", name=op.f("ck_answers_one_value")
        ),
        sa.ForeignKeyConstraint(
            ["respondent_id"],
            ["respondents.id"],
            name=op.f("fk_answers_respondent_id_respondents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("respondent_id", "item_id", name=op.f("pk_answers")),
    )
    op.create_table(
        "page_timings",
        sa.Column("respondent_id", sa.String(length=32), nullable=False),
        sa.Column("page_id", sa.String(length=64), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["respondent_id"],
            ["respondents.id"],
            name=op.f("fk_page_timings_respondent_id_respondents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("respondent_id", "page_id", name=op.f("pk_page_timings")),
    )
    op.create_table(
        "decline_counts",
        sa.Column("instrument_id", sa.String(length=64), nullable=False),
        sa.Column("instrument_version", sa.String(length=32), nullable=False),
        sa.Column("declines", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "instrument_id", "instrument_version", name=op.f("pk_decline_counts")
        ),
    )
    op.create_table(
        "contacts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("instrument_id", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
    )


def downgrade() -> None:
    op.drop_table("contacts")
    op.drop_table("decline_counts")
    op.drop_table("page_timings")
    op.drop_table("answers")
    op.drop_index(op.f("ix_respondents_instrument_id_completed_at"), table_name="respondents")
    op.drop_table("respondents")
