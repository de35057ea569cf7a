"""How often a case may be reminded: the caps of `relance.core.config.Caps`.

- at most `max_per_rolling_7_days` reminders in any 7-day period [x, x + 7 days);
- at least `min_hours_between` hours between two reminders;
- no reminder of a "quiet" kind (scenario reminders and other dunning) within
  `quiet_hours_after_inbound` hours after the debtor wrote to us.

Replies, confirmations and agent messages are conversation, not reminders: caps do not count them.
The forbidden instants form a finite union of intervals whose right ends are `r + gap`,
`r + 7 days` (for each reminder r) and `inbound + quiet`, so the earliest allowed instant is
either the starting point or one of those ends: `earliest_by_caps` tries them in order.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import datetime, timedelta

from relance.core.config import Caps

ROLLING = timedelta(days=7)

# Outbound kinds that are reminders (counted by the caps) …
REMINDER_KINDS = frozenset({"reminder", "promise_followup", "installment_reminder", "installment_missed"})
# … and those that also keep quiet after the debtor wrote (an installment notice the debtor agreed to
# receive before each due date is not dunning, so it is not held back).
QUIET_KINDS = frozenset({"reminder", "promise_followup", "installment_missed"})


def caps_allow(
    caps: Caps,
    at: datetime,
    *,
    reminders: Sequence[datetime],
    last_inbound: datetime | None = None,
    quiet: bool = True,
) -> bool:
    """Whether one more reminder at `at` keeps every cap, given the case's other reminders."""
    gap = timedelta(hours=caps.min_hours_between)
    if any(abs(at - r) < gap for r in reminders):
        return False
    if quiet and last_inbound is not None and last_inbound <= at < last_inbound + _quiet(caps):
        return False
    return _rolling_ok(sorted(reminders), at, caps.max_per_rolling_7_days)


def _quiet(caps: Caps) -> timedelta:
    return timedelta(hours=caps.quiet_hours_after_inbound)


def _rolling_ok(others: list[datetime], at: datetime, limit: int) -> bool:
    """No 7-day period holds `at` and `limit` of the sorted `others` (older excesses are not ours to fix)."""
    i = bisect_right(others, at)
    seq = [*others[:i], at, *others[i:]]
    first, last = max(0, i - limit), min(i, len(seq) - 1 - limit)
    return all(seq[s + limit] - seq[s] >= ROLLING for s in range(first, last + 1))


def earliest_by_caps(
    caps: Caps,
    *,
    after: datetime,
    reminders: Sequence[datetime],
    last_inbound: datetime | None = None,
    quiet: bool = True,
) -> datetime:
    """The earliest instant at or after `after` at which the caps allow one more reminder."""
    if not reminders and (not quiet or last_inbound is None):
        return after  # nothing to keep apart from (the common case of a sweep)
    gap = timedelta(hours=caps.min_hours_between)
    ends = {after}
    for r in reminders:
        ends.update((r + gap, r + ROLLING))
    if quiet and last_inbound is not None:
        ends.add(last_inbound + _quiet(caps))
    for candidate in sorted(e for e in ends if e >= after):
        if caps_allow(caps, candidate, reminders=reminders, last_inbound=last_inbound, quiet=quiet):
            return candidate
    raise AssertionError("unreachable: the latest end is always allowed")  # pragma: no cover
