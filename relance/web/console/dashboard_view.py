"""The dashboard's charts: figures from `dashboard` drawn by `charts`, each bar linked to its cases."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from markupsafe import Markup

from relance.web.console.charts import PALETTE, WIDE, Bar, Line, Row, Segment, bar_chart, hbar_chart, short
from relance.web.console.context import PREFIX
from relance.web.console.dashboard import AGE_BUCKETS, Dashboard
from relance.web.console.formatting import money


def cases_link(d: Dashboard, **params: object) -> str:
    """The cases list filtered by `params`, inside the dashboard's creditor filter."""
    if d.scope.creditor_id is not None:
        params.setdefault("creditor_id", d.scope.creditor_id)
    query = {k: str(v) for k, v in params.items() if v not in (None, "")}
    return f"{PREFIX}/cases?{urlencode(query)}" if query else f"{PREFIX}/cases"


def collected_chart(d: Dashboard) -> Markup:
    cur = d.scope.currency
    bars = [
        Bar(
            f"{w.day} {w.strftime('%b')}",
            [
                Segment(
                    float(amount),
                    cases_link(d, paid_from=w, paid_to=w + timedelta(days=7)),
                    f"week of {w}: {money(amount, cur)} collected",
                )
            ],
        )
        for w, amount in zip(d.weeks, d.collected, strict=True)
    ]
    line = Line(
        [float(v) for v in d.outstanding_line],
        f"outstanding ({cur}, right axis)",
        [
            f"end of the week of {w}: {money(v, cur)} outstanding"
            for w, v in zip(d.weeks, d.outstanding_line, strict=True)
        ],
    )
    every = max(1, len(bars) // 10)
    return bar_chart(
        bars,
        title=f"Collected per week ({cur})",
        series=[f"collected ({cur})"],
        line=line,
        label_every=every,
        width=WIDE,
        height=240,
    )


def steps_chart(d: Dashboard) -> Markup:
    rows = []
    for step, n, paid in d.steps:
        rate = paid / n if n else 0.0
        label = "no reminder yet" if step == 0 else f"step {step}"
        rows.append(
            Row(
                label,
                rate * 100,
                cases_link(d, step=step, status="paid"),
                f"{label}: {paid} of {n} cases paid ({rate:.0%})",
                f"{rate:.0%} ({paid}/{n})",
            )
        )
    return hbar_chart(rows, title="Recovery rate by scenario step reached", max_value=100)


def _status_rows(
    counts: dict[str, int], kinds: list[tuple[str, str, str]], filter_name: str, d: Dashboard
) -> list[Row]:
    return [
        Row(
            label,
            counts.get(status, 0),
            cases_link(d, **{filter_name: status}),
            f"{label}: {counts.get(status, 0)}",
            str(counts.get(status, 0)),
            color,
        )
        for status, label, color in kinds
    ]


def promises_chart(d: Dashboard) -> Markup:
    kinds = [("kept", "kept", PALETTE[2]), ("broken", "broken", PALETTE[3]), ("pending", "pending", PALETTE[0]),
             ("cancelled", "replaced/cancelled", "#999")]  # fmt: skip
    return hbar_chart(_status_rows(d.promises, kinds, "promise", d), title="Promises to pay due in the period")


def plans_chart(d: Dashboard) -> Markup:
    kinds = [("active", "on track", PALETTE[0]), ("completed", "completed", PALETTE[2]),
             ("broken", "broken", PALETTE[3]), ("cancelled", "cancelled", "#999")]  # fmt: skip
    return hbar_chart(_status_rows(d.plans, kinds, "plan", d), title="Payment plans")


def flags_chart(d: Dashboard) -> Markup:
    bars = [
        Bar(
            reason.replace("_", " "),
            [
                Segment(n, cases_link(d, flag=reason), f"{reason.replace('_', ' ')}, {AGE_BUCKETS[i][1]}: {n}", i)
                for i, n in enumerate(counts)
            ],
        )
        for reason, counts in d.flags.items()
    ]
    colors = ("#7fb3e0", "#e0b03a", "#e0783a", "#b3474e")
    return bar_chart(bars, title="Open flags by reason and age", series=[b[1] for b in AGE_BUCKETS], colors=colors)


def messages_chart(d: Dashboard) -> Markup:
    channels = sorted(d.messages)
    bars = []
    for i, day in enumerate(d.days):
        segments = [
            Segment(d.messages[c][i], cases_link(d, msg_day=day, msg_channel=c), f"{day}: {d.messages[c][i]} on {c}", s)
            for s, c in enumerate(channels)
        ]
        bars.append(Bar(f"{day.day}/{day.month}", segments))
    chart = bar_chart(
        bars,
        title="Messages per day by channel",
        series=channels,
        line=Line(
            [float(f) for f in d.failures],
            "delivery failures (right axis)",
            [f"{day}: {n} failed" for day, n in zip(d.days, d.failures, strict=True)],
        ),
        label_every=max(1, len(bars) // 16),
        width=WIDE,
        height=240,
    )
    return chart


def cash_in_chart(d: Dashboard) -> Markup:
    cur = d.scope.currency
    bars = [
        Bar(
            f"{w.day} {w.strftime('%b')}",
            [
                Segment(
                    float(amount),
                    cases_link(d, due_from=w, due_to=w + timedelta(days=7)),
                    f"week of {w}: {money(amount, cur)} expected",
                    2,
                )
            ],
        )
        for w, amount in zip(d.cash_in_weeks, d.cash_in, strict=True)
    ]
    return bar_chart(
        bars,
        title=f"Expected cash-in of agreed plans, next 8 weeks ({cur})",
        series=[f"due ({cur})"],
        colors=(PALETTE[2],) * 3,
        width=WIDE,
        height=200,
    )


def charts(d: Dashboard) -> dict[str, Markup]:
    return {
        "collected": collected_chart(d),
        "steps": steps_chart(d),
        "promises": promises_chart(d),
        "plans": plans_chart(d),
        "flags": flags_chart(d),
        "messages": messages_chart(d),
        "cash_in": cash_in_chart(d),
    }


__all__ = ["cases_link", "charts", "short"]
