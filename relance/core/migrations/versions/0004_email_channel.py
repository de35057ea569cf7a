"""e-mail channel: raw e-mails for threading and the case file; addresses wide enough for e-mail

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate refers to sqlmodel.sql.sqltypes)
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, nullable): 64 characters held a phone or a chat id, not an e-mail address (up to 254)
_WIDENED = (("message", "to_address", True), ("message", "from_address", True), ("optout", "address", False))


def upgrade() -> None:
    op.create_table(
        "email_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("direction", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("header_id", sqlmodel.sql.sqltypes.AutoString(length=998), nullable=False),
        sa.Column("in_reply_to", sa.Text(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["message_id"], ["message.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("email_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_email_record_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_email_record_header_id"), ["header_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_email_record_message_id"), ["message_id"], unique=False)
    # SQLite does not enforce VARCHAR lengths: only the other databases need the wider columns
    if op.get_bind().dialect.name != "sqlite":
        for table, column, nullable in _WIDENED:
            op.alter_column(
                table, column, type_=sa.String(254), existing_type=sa.String(64), existing_nullable=nullable
            )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        for table, column, nullable in _WIDENED:
            op.alter_column(
                table, column, type_=sa.String(64), existing_type=sa.String(254), existing_nullable=nullable
            )
    with op.batch_alter_table("email_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_email_record_message_id"))
        batch_op.drop_index(batch_op.f("ix_email_record_header_id"))
        batch_op.drop_index(batch_op.f("ix_email_record_case_id"))
    op.drop_table("email_record")
