"""Live updates for open console pages: Server-Sent Events fed by the event trail.

The trail (`event` table) is append-only with increasing ids, so "what is new since id N" is one
indexed query, whichever process wrote it (webhook, dispatcher, scheduler, another agent). A page
renders the id it was built at; its `EventSource` asks for what came after, and the browser's own
`Last-Event-ID` resumes a dropped stream without losing or repeating anything.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Collection
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col

from relance.core.models import Case, Event

POLL_SECONDS = 0.4
HEARTBEAT_SECONDS = 15.0
STREAM_SECONDS = 300.0  # then the browser reconnects (with Last-Event-ID): no stream lives forever
BATCH = 200
# what makes the queue and the lists change: a debtor's message, a flag, a delivery, a colleague's move
QUEUE_KINDS = (
    "message_received", "flag_raised", "flags_resolved", "flag_snoozed", "message_status", "message_failed",
    "case_assigned", "agent_took_over", "handed_back_to_bot",
)  # fmt: skip
# events that change nothing a case page shows
QUIET_KINDS = ("case_file_exported",)
LABELS = {
    "message_received": "new message",
    "flag_raised": "new flag",
    "message_status": "delivery status",
    "message_failed": "delivery failed",
    "message_sent": "message sent",
    "note_added": "note",
    "case_assigned": "assignment",
}


@dataclass(frozen=True)
class Update:
    id: int
    case_id: int
    kind: str

    def sse(self) -> str:
        data = json.dumps({"id": self.id, "case_id": self.case_id, "kind": self.kind, "label": self.label})
        return f"id: {self.id}\nevent: update\ndata: {data}\n\n"

    @property
    def label(self) -> str:
        return LABELS.get(self.kind, self.kind.replace("_", " "))


def last_event_id(session: Session) -> int:
    """The newest event id (0 when the trail is empty): where a page's live stream starts."""
    return int(session.execute(sa.select(sa.func.max(col(Event.id)))).scalar_one() or 0)


def poll_updates(
    session: Session, *, after: int, case_id: int | None = None, creditor_ids: Collection[int] | None = None
) -> list[Update]:
    """Events after `after` that an open page shows: all of one case's, or the queue's kinds for lists."""
    query = sa.select(col(Event.id), col(Event.case_id), col(Event.kind)).where(
        col(Event.id) > after, col(Event.case_id).is_not(None)
    )
    if case_id is not None:
        query = query.where(col(Event.case_id) == case_id, col(Event.kind).not_in(QUIET_KINDS))
    else:
        query = query.where(col(Event.kind).in_(QUEUE_KINDS))
    if creditor_ids is not None:
        query = query.where(
            col(Event.case_id).in_(sa.select(col(Case.id)).where(col(Case.creditor_id).in_(list(creditor_ids))))
        )
    rows = session.execute(query.order_by(col(Event.id)).limit(BATCH)).all()
    return [Update(i, c, k) for i, c, k in rows]


async def stream(
    fetch: Callable[[int], list[Update]],
    after: int,
    disconnected: Callable[[], object],
    *,
    poll: float = POLL_SECONDS,
    lifetime: float = STREAM_SECONDS,
) -> AsyncIterator[str]:
    """The text/event-stream body: updates as they come, a heartbeat when quiet, until the client leaves."""
    loop = asyncio.get_running_loop()
    started = last_beat = loop.time()
    yield "retry: 1000\n\n"
    while loop.time() - started < lifetime:
        if await disconnected():  # type: ignore[misc]
            return
        updates = await asyncio.to_thread(fetch, after)
        for update in updates:
            after = update.id
            yield update.sse()
        if not updates and loop.time() - last_beat > HEARTBEAT_SECONDS:
            last_beat = loop.time()
            yield ": still here\n\n"
        await asyncio.sleep(poll if not updates else 0)
