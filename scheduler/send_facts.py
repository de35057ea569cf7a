"""What the dispatcher checks again at send time, for a claimed batch, in one query (PostgreSQL).

The same facts as `scheduler.snapshot` reads for the sweep — each case with its debtor, open
disputes, the latest pending promise, the active plan's installments, recent and pending reminders,
escalation flags, the scenario reminders that left — plus the open debts the text is written from
and the head of each case's event chain: one statement, one row per case (`LATERAL` subqueries
aggregated into arrays), its text constant so that psycopg prepares it once per connection. A
second short one reads the opt-outs of the batch's addresses. SQLite keeps the set-based reads of
`scheduler.snapshot` (no round trips there); `tests/test_dispatch.py` runs the dispatcher on both.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from relance.core.events import GENESIS
from relance.core.models import MONEY
from scheduler.caps import REMINDER_KINDS, ROLLING
from scheduler.snapshot import (
    ESCALATIONS,
    INSTALLMENT_KINDS,
    LEFT_STATUSES,
    PENDING,
    SENT_STATUSES,
    CaseRow,
    InstallmentRow,
    PromiseRow,
    Related,
)

Debts = dict[int, list[tuple[str, Decimal, str, date]]]

_FACTS = """
SELECT c.id, c.creditor_id, c.status, c.currency, c.balance, c.due_date, c.last_step, c.last_reminder_at,
       c.last_inbound_at, c.paused_until, c.agent_id, c.notice_deadline,
       d.id, d.name, d.locale, d.country, d.timezones, d.phone, d.telegram_chat_id, d.wrong_person, c.flagged_at,
       c.opened_at, d.email,
       EXISTS (SELECT 1 FROM dispute x WHERE x.case_id = c.id AND x.status = 'open'),
       pr.id, pr.amount, pr.due_on,
       pl.ids, pl.plans, pl.seqs, pl.dues, pl.amounts, pl.paid, pl.statuses,
       rm.kinds, rm.statuses, rm.sent, rm.keys,
       (SELECT array_agg(f.reason) FROM flag f WHERE f.case_id = c.id AND f.reason = ANY(%(escalations)s)),
       st.n, st.sent, st.first, st.last,
       db.refs, db.balances, db.currencies, db.dues,
       (SELECT e.hash FROM event e WHERE e.case_id = c.id ORDER BY e.id DESC LIMIT 1)
FROM cases c JOIN debtor d ON d.id = c.debtor_id
LEFT JOIN LATERAL (
    SELECT p.id, p.amount, p.due_on FROM promisetopay p
    WHERE p.case_id = c.id AND p.status = 'pending' ORDER BY p.id DESC LIMIT 1
) pr ON true
LEFT JOIN LATERAL (
    SELECT array_agg(i.id ORDER BY i.seq) AS ids, array_agg(i.plan_id ORDER BY i.seq) AS plans,
           array_agg(i.seq ORDER BY i.seq) AS seqs, array_agg(i.due_on ORDER BY i.seq) AS dues,
           array_agg(i.amount ORDER BY i.seq) AS amounts, array_agg(i.paid_amount ORDER BY i.seq) AS paid,
           array_agg(i.status ORDER BY i.seq) AS statuses
    FROM paymentplan p JOIN installment i ON i.plan_id = p.id
    WHERE p.case_id = c.id AND p.status = 'active'
) pl ON true
LEFT JOIN LATERAL (
    SELECT array_agg(m.kind) AS kinds, array_agg(m.status) AS statuses, array_agg(m.sent_at) AS sent,
           array_agg(m.idempotency_key) AS keys
    FROM message m
    WHERE m.case_id = c.id AND m.direction = 'out' AND m.kind = ANY(%(reminder_kinds)s)
      AND (m.status = ANY(%(pending)s) OR m.sent_at >= %(since)s OR m.kind = ANY(%(installment_kinds)s))
) rm ON true
LEFT JOIN LATERAL (
    SELECT count(*) AS n, sum(CASE WHEN m.status = ANY(%(sent_statuses)s) THEN 1 ELSE 0 END) AS sent,
           min(m.sent_at) AS first, max(m.sent_at) AS last
    FROM message m
    WHERE m.case_id = c.id AND m.direction = 'out' AND m.kind = 'reminder' AND m.status = ANY(%(left_statuses)s)
) st ON true
LEFT JOIN LATERAL (
    SELECT array_agg(t.reference ORDER BY t.due_date, t.id) AS refs,
           array_agg(t.balance ORDER BY t.due_date, t.id) AS balances,
           array_agg(t.currency ORDER BY t.due_date, t.id) AS currencies,
           array_agg(t.due_date ORDER BY t.due_date, t.id) AS dues
    FROM debt t WHERE t.case_id = c.id AND t.status = 'open'
) db ON true
WHERE c.id = ANY(%(ids)s::int[])
"""

_OPTED_OUT = (
    "SELECT channel, address, max(created_at) FROM optout WHERE active AND address = ANY(%(addresses)s::text[]) "
    "GROUP BY channel, address"
)


@dataclass
class SendFacts:
    """A batch's facts: cases, related facts, open debts, chain heads (GENESIS for a case without events)."""

    cases: dict[int, CaseRow]
    rel: Related
    debts: Debts
    heads: dict[int, str]


def read(raw: Any, ids: Collection[int], *, now: datetime) -> SendFacts:
    """The facts of the cases `ids`, in one statement on a psycopg connection (idle or in autocommit)."""
    out = SendFacts(cases={}, rel=Related(), debts={}, heads={})
    if not ids:
        return out
    params = {
        "ids": sorted(ids), "escalations": list(ESCALATIONS), "reminder_kinds": sorted(REMINDER_KINDS),
        "pending": list(PENDING), "since": now - ROLLING, "installment_kinds": list(INSTALLMENT_KINDS),
        "sent_statuses": list(SENT_STATUSES), "left_statuses": list(LEFT_STATUSES),
    }  # fmt: skip
    for row in raw.execute(_FACTS, params):
        _take(out, row, since=now - ROLLING)
    return out


def opted_out(raw: Any, addresses: Collection[str]) -> dict[tuple[str, str], datetime]:
    """`scheduler.snapshot.opted_out` of these addresses, in one statement."""
    if not addresses:
        return {}
    rows = raw.execute(_OPTED_OUT, {"addresses": sorted(set(addresses))})
    return {(channel, address): at.astimezone(UTC) for channel, address, at in rows}


def _take(out: SendFacts, r: Sequence[Any], *, since: datetime) -> None:
    case_id = r[0]
    out.cases[case_id] = CaseRow(
        r[0], r[1], r[2], r[3], _money(r[4]), r[5], r[6], _instant(r[7]), _instant(r[8]), _instant(r[9]), r[10],
        r[11], r[12], r[13], r[14], r[15], r[16], r[17], r[18], r[19], _instant(r[20]), _instant(r[21]), r[22],
    )  # fmt: skip
    rel = out.rel
    if r[23]:
        rel.disputes.add(case_id)
    if r[24] is not None:
        rel.promises[case_id] = PromiseRow(r[24], case_id, _money(r[25]), r[26])
    if r[27]:
        rows = [
            InstallmentRow(i, plan, seq, due, _money(amount), _money(paid), status)  # type: ignore[arg-type]
            for i, plan, seq, due, amount, paid, status in zip(*r[27:34], strict=True)
        ]
        rel.plans[case_id] = rows[-1].plan_id
        rel.installments[case_id] = rows
    if r[34]:
        _reminders(rel, case_id, zip(r[34], r[35], r[36], r[37], strict=True), since)
    if r[38]:
        rel.flagged[case_id] = set(r[38])
    if r[39]:
        rel.steps_sent[case_id] = (int(r[40] or 0), _instant(r[41]), _instant(r[42]))
    if r[43]:
        out.debts[case_id] = [
            (ref, _money(balance), currency, due)  # type: ignore[misc]
            for ref, balance, currency, due in zip(r[43], r[44], r[45], r[46], strict=True)
        ]
    out.heads[case_id] = r[47] or GENESIS


def _reminders(rel: Related, case_id: int, rows: Any, since: datetime) -> None:
    """As `scheduler.snapshot._reminders` does for each row."""
    recent = []
    for kind, status, sent_at, key in rows:
        sent_at = _instant(sent_at)
        if status in PENDING:
            rel.pending.add(case_id)
        elif sent_at is not None and sent_at >= since:
            recent.append(sent_at)
        if kind in INSTALLMENT_KINDS and key:
            rel.reminded.add(key)
    if recent:
        rel.recent[case_id] = recent


def _instant(value: datetime | None) -> datetime | None:
    """As `UTCDateTime` reads it: aware, in UTC."""
    return None if value is None else value.astimezone(UTC)


def _money(value: Decimal) -> Decimal:
    """As `Money` reads it (no padding zeros beyond the cents)."""
    money = MONEY.process_result_value(value, None)  # type: ignore[arg-type]  # the dialect is not used
    assert money is not None
    return money
