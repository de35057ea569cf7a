"""Two indexes another index already serves: one entry less to write per event and per debt

- `ix_event_case_id` (case_id): the leading column of `ix_event_case_chain` (case_id, id) and of
  the unique `uq_event_chain` (case_id, prev_hash). Every inbound message, reply, promise and flag
  writes events: each was one more B-tree entry to insert and one more page to dirty per commit.
- `ix_debt_creditor_id` (creditor_id): the leading column of `uq_debt_creditor_reference`
  (creditor_id, reference) and of `ix_debt_creditor_totals` (creditor_id, currency, created_at, amount).

Every query that filtered on those columns is served by the composite indexes (their leading column).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DROPPED = (
    ("event", "ix_event_case_id", ["case_id"]),
    ("debt", "ix_debt_creditor_id", ["creditor_id"]),
)


def upgrade() -> None:
    for table, name, _columns in DROPPED:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for table, name, columns in reversed(DROPPED):
        op.create_index(name, table, columns, unique=False)
