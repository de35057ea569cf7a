"""console: flag snooze, debtors' folded names, messages per day, indexes for the cases list and the dashboard

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("cases", "ix_cases_balance", ["balance"]),
    ("cases", "ix_cases_due_date", ["due_date"]),
    ("cases", "ix_cases_updated_at", ["updated_at"]),
    ("cases", "ix_cases_step_status", ["last_step", "status", "currency", "balance"]),
    ("cases", "ix_cases_creditor_totals", ["creditor_id", "last_step", "status", "currency", "balance"]),
    ("debtor", "ix_debtor_email", ["email"]),
    ("debtor", "ix_debtor_name_folded", ["name_folded"]),
    ("debtor", "ix_debtor_country", ["country"]),
    ("message", "ix_message_day_channel", ["created_at", "channel", "status", "case_id"]),
    ("message", "ix_message_case_created", ["case_id", "created_at"]),
    ("payment", "ix_payment_paid_on", ["paid_on", "currency", "amount", "case_id"]),
    ("installment", "ix_installment_due_on", ["due_on"]),
    ("promisetopay", "ix_promisetopay_due_on", ["due_on"]),
    ("debt", "ix_debt_currency_totals", ["currency", "amount"]),
    ("debt", "ix_debt_creditor_totals", ["creditor_id", "currency", "created_at", "amount"]),
)


def upgrade() -> None:
    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.add_column(sa.Column("snoozed_until", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("debtor", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_folded", sa.String(length=200), nullable=False, server_default=""))
    _fold_names()
    for table, name, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)
    op.create_table(
        "message_day_stat",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("creditor_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day", "creditor_id", "channel"),
    )


def _fold_names() -> None:
    """Fill `debtor.name_folded` of the debtors already there (a thousand at a time)."""
    debtor = sa.table("debtor", sa.column("id", sa.Integer), sa.column("name", sa.String), sa.column("name_folded"))
    bind = op.get_bind()
    update = debtor.update().where(debtor.c.id == sa.bindparam("key")).values(name_folded=sa.bindparam("folded"))
    last = 0
    while True:
        rows = bind.execute(
            sa.select(debtor.c.id, debtor.c.name).where(debtor.c.id > last).order_by(debtor.c.id).limit(1000)
        ).all()
        if not rows:
            return
        bind.execute(update, [{"key": key, "folded": fold(name or "")} for key, name in rows])
        last = rows[-1][0]


def fold(text: str) -> str:
    """`relance.core.models.fold` as of this revision: lower case without accents."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def downgrade() -> None:
    op.drop_table("message_day_stat")
    for table, name, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.drop_column("snoozed_until")
    with op.batch_alter_table("debtor", schema=None) as batch_op:
        batch_op.drop_column("name_folded")
