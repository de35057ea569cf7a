"""hardening: agent scopes, sign-in attempts, a fork-proof chain for events without a case

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate refers to sqlmodel.sql.sqltypes)
from alembic import op


revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agent_creditor",
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("creditor_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agent.id"]),
        sa.ForeignKeyConstraint(["creditor_id"], ["creditor.id"]),
        sa.PrimaryKeyConstraint("agent_id", "creditor_id"),
    )
    with op.batch_alter_table("agent_creditor", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agent_creditor_creditor_id"), ["creditor_id"], unique=False)
    # agents created before scopes existed saw every creditor: they keep doing so until an admin narrows it
    op.execute(
        "INSERT INTO agent_creditor (agent_id, creditor_id) "
        "SELECT agent.id, creditor.id FROM agent CROSS JOIN creditor WHERE agent.role <> 'admin'"
    )

    op.create_table(
        "sign_in_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("email_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("cleared", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sign_in_attempt", schema=None) as batch_op:
        batch_op.create_index("ix_sign_in_attempt_client", ["client", "at"], unique=False)
        batch_op.create_index("ix_sign_in_attempt_email", ["email_key", "at"], unique=False)

    op.create_index(
        "uq_event_chain_no_case",
        "event",
        ["prev_hash"],
        unique=True,
        sqlite_where=sa.text("case_id IS NULL"),
        postgresql_where=sa.text("case_id IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_event_chain_no_case", table_name="event")
    with op.batch_alter_table("sign_in_attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_sign_in_attempt_email")
        batch_op.drop_index("ix_sign_in_attempt_client")
    op.drop_table("sign_in_attempt")
    with op.batch_alter_table("agent_creditor", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agent_creditor_creditor_id"))
    op.drop_table("agent_creditor")
