"""The garbage collector around bulk work that allocates millions of short-lived containers."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def older_objects_frozen() -> Iterator[None]:
    """Leave the objects that exist now out of the collector's passes until the block ends
    (`gc.freeze`, undone by `gc.unfreeze`).

    A large import keeps each batch's rows, ids and memos alive long enough to trigger full
    collections, and each of them walked the whole process heap (SQLAlchemy, SQLModel, the
    configuration): ~0.45 s of a 100,000-row import's CPU. Freezing frees nothing and changes no
    object; garbage cycles from before merely wait for the next collection after the block.
    Process-wide: `unfreeze` also returns objects frozen before the block (the command line's
    start-up) to the collector, which freezes them again before it exits.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
