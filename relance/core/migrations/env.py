"""Alembic environment: runs on the engine handed over by `relance.core.db`, or on -x url=…"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlmodel import SQLModel

import relance.core.models  # noqa: F401  (registers the tables)
from relance.core.db import make_engine

target_metadata = SQLModel.metadata


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Render our column types as plain SQLAlchemy ones so migrations do not import the app."""
    from relance.core.models import Money, UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, Money):
        return "sa.Numeric(precision=18, scale=4)"
    return False


def run() -> None:
    engine = context.config.attributes.get("connection_engine")
    if engine is None:
        url = context.get_x_argument(as_dictionary=True).get("url", "sqlite:///relance.db")
        engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_item=render_item,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run()
