"""Fewer indexes on the rows the sweep writes: the ones another index already serves

Every case the sweep queues a step for rewrites its `next_check_at` and `last_step`, and every
message it queues is a new outbox row. Each index holding one of those columns is one more B-tree
entry to move per case (on PostgreSQL, an update that changes an indexed column adds an entry to
*every* index of the table). Measured with `bench/sweep.py`, the two console indexes holding
`last_step` cost as much at a million cases as the raw floor itself. Dropped here:

- `ix_cases_step_status` (last_step, status, currency, balance): the dashboard groups by creditor
  first and reads `ix_cases_creditor_totals` (creditor_id, last_step, status, currency, balance)
  in its order, for every creditor or for some — one index holding `last_step` instead of two;
- `ix_cases_status` and `ix_cases_creditor_id`: leading columns of `ix_case_due_scan`
  (status, next_check_at) and `uq_case_creditor_debtor` (creditor_id, debtor_id);
- `ix_message_status` and `ix_message_case_id`: leading columns of `ix_message_outbox`
  (status, not_before) and `ix_message_case_created` (case_id, created_at).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DROPPED = (
    ("cases", "ix_cases_step_status", ["last_step", "status", "currency", "balance"]),
    ("cases", "ix_cases_status", ["status"]),
    ("cases", "ix_cases_creditor_id", ["creditor_id"]),
    ("message", "ix_message_status", ["status"]),
    ("message", "ix_message_case_id", ["case_id"]),
)


def upgrade() -> None:
    for table, name, _columns in DROPPED:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for table, name, columns in reversed(DROPPED):
        op.create_index(name, table, columns, unique=False)
