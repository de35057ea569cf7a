"""The contact scheduler: what to send, when, and sending it — inside the law, exactly once in our records.

Pure policy (no database, no clock of its own):
- `local_time`: wall-clock arithmetic across DST gaps and folds;
- `contact_window`: creditor's window ∩ jurisdiction's, public holidays, several zones, `next_allowed`;
- `scenario`: steps in days after the due date, catching up, escalation date;
- `caps`: 3 per rolling 7 days, 48 h apart, 72 h quiet after the debtor wrote;
- `stops`, `followups`, `facts`, `decision`: one `decide(...)` per case; `recheck` at send time;
- `send_policy`: send, defer or cancel a claimed message.

Input/output at the edges:
- `snapshot`: the facts of many cases in a few set-based queries;
- `sweep`: decide every due case and fill the outbox; `keys`: idempotency keys;
- `outbox` and `dispatch`: claim rows, send through `bot.channels`, record outcomes (guarantees in
  `scheduler.dispatch`); `compose`: the texts, through `messages`, written at send time;
- `runner`: APScheduler jobs, the leader lock, `relance scheduler` / `relance worker`.
"""
