"""Fewer index entries written per inbound message: three indexes nobody reads, two made partial

Each inbound SMS commits its message, its reply, two or three events and the case's update; on
SQLite every B-tree page that commit touches is written whole to the write-ahead log (4 KB, a
checksum computed over it, copied again into the database at the next checkpoint). Counted over a
burst of `bench/webhook.py`'s mixed texts, a commit wrote 27.8 pages; these five indexes were 9 of
them (`ix_event_kind` alone 2.6: one page per kind of event written).

- `ix_event_at`, `ix_event_kind`: no query looks events up by instant; the ones that filter on
  kind (outbound webhooks, the console's live updates, the simulation) read the id range after
  their cursor by primary key, as they do on PostgreSQL already.
- `ix_message_debtor_id`: no query looks messages up by debtor, and no debtor is ever deleted
  (the foreign key checks a message's debtor by the debtor's primary key).
- `ix_message_from_address`, now `WHERE direction = 'in'`: only the inbound rate limit reads it,
  with that very term; replies and the outbox, all from our own few numbers, have no entry.
- `ix_message_provider_id`, now `WHERE provider_id IS NOT NULL`: read by duplicate detection and
  delivery receipts with `provider_id = ?` (which implies it); replies answered in TwiML and
  queued messages have no provider id, hence no entry.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DROPPED = (
    ("event", "ix_event_at", ["at"]),
    ("event", "ix_event_kind", ["kind"]),
    ("message", "ix_message_debtor_id", ["debtor_id"]),
)
PARTIAL = (
    ("message", "ix_message_from_address", ["from_address"], "direction = 'in'"),
    ("message", "ix_message_provider_id", ["provider_id"], "provider_id IS NOT NULL"),
)


def upgrade() -> None:
    for table, name, _columns in DROPPED:
        op.drop_index(name, table_name=table)
    for table, name, columns, where in PARTIAL:
        op.drop_index(name, table_name=table)
        op.create_index(
            name, table, columns, unique=False, sqlite_where=sa.text(where), postgresql_where=sa.text(where)
        )


def downgrade() -> None:
    for table, name, columns, _where in reversed(PARTIAL):
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns, unique=False)
    for table, name, columns in reversed(DROPPED):
        op.create_index(name, table, columns, unique=False)
