"""console: flag snooze, and indexes for the cases list and the dashboard

Revision ID: 0003
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("cases", "ix_cases_balance", ["balance"]),
    ("cases", "ix_cases_due_date", ["due_date"]),
    ("cases", "ix_cases_updated_at", ["updated_at"]),
    ("cases", "ix_cases_step_status", ["last_step", "status"]),
    ("debtor", "ix_debtor_email", ["email"]),
    ("message", "ix_message_day_channel", ["created_at", "channel", "status"]),
    ("message", "ix_message_case_created", ["case_id", "created_at"]),
    ("payment", "ix_payment_paid_on", ["paid_on"]),
    ("installment", "ix_installment_due_on", ["due_on"]),
    ("promisetopay", "ix_promisetopay_due_on", ["due_on"]),
    ("debt", "ix_debt_created_at", ["created_at"]),
)


def upgrade() -> None:
    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.add_column(sa.Column("snoozed_until", sa.DateTime(timezone=True), nullable=True))
    for table, name, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for table, name, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.drop_column("snoozed_until")
