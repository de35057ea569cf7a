"""Autogenerate a migration from the models: `python tools/new_migration.py "message"`.

Runs against a scratch SQLite database brought to the current head, so the diff is exactly the
change in `relance/models.py`.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command

from relance.core.db import alembic_config, make_engine, upgrade


def main() -> None:
    message = sys.argv[1] if len(sys.argv) > 1 else "schema change"
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'scratch.db'}")
        upgrade(engine)
        command.revision(alembic_config(engine), message=message, autogenerate=True)


if __name__ == "__main__":
    main()
