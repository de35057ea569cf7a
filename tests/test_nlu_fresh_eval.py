"""The frozen test halves of the fresh batches (issue 13), scored, never tuned on.

Each fresh batch was split once (`tests/nlu_corpus/fresh/split_fresh.py`); rules and model were
tuned on the ``.train`` halves only. The floors are the scores measured when the work closed
(tests/nlu_corpus/fresh/SCORES.md), a little below: a change that makes them worse fails here. Round 10
set them all anew (a new model: per file some went up and some down, the harmful misreads of b, e and z1 up
by one each, the total down; SCORES.md). Round 11 did again for its rules and the model retrained with them
(harmful misreads of c, f and u up by one, of w by two; of b, e, z9, z15 and z19 down by one; the total over
every frozen file 31 -> 32, SCORES.md).
Run with ``-s`` for the per-intent precision and recall and the confusion table.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.nlu_corpus.evaluate import evaluate

FRESH = Path(__file__).parent / "nlu_corpus" / "fresh"
# file: (intent accuracy, entity accuracy, detail accuracy, most harmful misreads)
FLOORS = {
    "batch_a.test.jsonl": (0.97, 0.97, 0.99, 1),
    "batch_b.test.jsonl": (0.97, 0.98, 0.99, 0),
    "batch_c.test.jsonl": (0.96, 0.96, 0.995, 1),
    "batch_d.test.jsonl": (0.975, 0.975, 0.985, 0),
    "batch_e.test.jsonl": (0.945, 0.945, 0.99, 1),
    "batch_f.test.jsonl": (0.965, 0.98, 0.99, 1),
    "batch_g.test.jsonl": (0.955, 0.985, 0.99, 1),
    "batch_h.test.jsonl": (0.955, 0.98, 0.99, 1),
    # round 3: written by helpers that saw nothing of the project, scored before any change
    "batch_m.test.jsonl": (0.97, 0.985, 0.985, 1),
    "batch_n.test.jsonl": (0.96, 0.98, 0.985, 0),
    # round 4: tradespeople, students, dictation, Belgian French, UK dialects (u); people who cite the law,
    # write for someone else or are in a crisis (v)
    "batch_u.test.jsonl": (0.945, 0.97, 0.99, 1),
    "batch_v.test.jsonl": (0.96, 0.97, 0.99, 0),
    # round 5: second-language writers, people over 75, the very young, bookkeepers, carers (z1); tenants,
    # farmers, night workers, many regions, sarcasm, lawyers and ombudsmen mentioned, pasted messages (z2)
    "batch_z1.test.jsonl": (0.94, 0.96, 0.99, 1),
    "batch_z2.test.jsonl": (0.97, 0.97, 0.99, 0),
    # round 6: African, Caribbean and North American French, English from Scotland to Nigeria, small businesses,
    # relatives answering (z3); people who know their rights, counter-offers, auto-replies, slang (z4)
    "batch_z3.test.jsonl": (0.97, 0.97, 0.99, 0),  # round 13: its one harmful misread gone
    "batch_z4.test.jsonl": (0.94, 0.95, 0.985, 1),
    # round 7: numbers that are not amounts, counter-offers, bookkeepers and accounts payable (z5); protective
    # meanings said every way, and their near-misses (z6)
    "batch_z5.test.jsonl": (0.965, 0.94, 0.995, 1),
    "batch_z6.test.jsonl": (0.96, 0.965, 0.99, 0),
    # round 8: an ordinary day's inbox, corrections mid-message (z7); hard to read — phonetic, dictation, caps,
    # emojis, mixed languages — with the protective meanings and their near-misses (z8)
    "batch_z7.test.jsonl": (0.96, 0.96, 0.985, 0),
    "batch_z8.test.jsonl": (0.95, 0.96, 0.985, 1),
    # round 9: people writing for someone else — relatives, advisers, guardians, executors — and people in every
    # walk of life (z10); short answers mid-conversation and replies easy to misjudge (z11)
    "batch_z10.test.jsonl": (0.915, 0.965, 0.97, 2),
    "batch_z11.test.jsonl": (0.94, 0.97, 0.99, 1),
    # round 10: messages as they arrive in an inbox and on a phone (z13); hard cases between neighbouring meanings
    # (z14)
    "batch_z13.test.jsonl": (0.97, 0.965, 0.995, 0),
    "batch_z14.test.jsonl": (0.96, 0.965, 0.98, 1),
    # round 11: businesses, bookkeepers and accounts departments (z17); people writing under pressure, in a second
    # language or in dialect (z18)
    "batch_z17.test.jsonl": (0.96, 0.98, 0.99, 0),
    "batch_z18.test.jsonl": (0.97, 0.975, 0.995, 0),
    # round 12: replies near the line between a protective reading and one that lets collection go on (z22); short
    # and very short replies (z23). Their rules moved neither test half (0.923 / 0.976 before and after)
    "batch_z22.test.jsonl": (0.92, 0.965, 0.99, 0),
    "batch_z23.test.jsonl": (0.975, 0.99, 0.995, 1),
    # round 13: replies in the middle of a conversation (z25). Its rules moved the test half's entities (0.942 ->
    # 0.952), not its intents (0.928)
    "batch_z25.test.jsonl": (0.925, 0.95, 0.995, 1),
    # round 14: customers of craftsmen and small businesses (z29), e-mail replies with quoted history (z30), several
    # things said at once and short unclear replies (z31). Its rules moved z29's test half (0.961 / 0.981 -> 0.966 /
    # 0.986), not the other two
    "batch_z29.test.jsonl": (0.965, 0.985, 0.995, 3),
    "batch_z30.test.jsonl": (0.965, 0.98, 0.995, 1),
    "batch_z31.test.jsonl": (0.94, 0.98, 0.98, 3),
    # protective replies that also talk about money (z33): its rules moved the test half 0.941 / 0.971 -> 0.946 /
    # 0.975; its six harmful misreads stay
    "batch_z33.test.jsonl": (0.945, 0.975, 0.99, 6),
}
# scored whole: written by helpers that saw nothing of the project, never tuned on
WHOLE = {
    "batch_k.jsonl": (0.95, 0.98, 0.99, 0),
    # written during round 3 by a helper that saw nothing of the project, never tuned on
    "batch_q.jsonl": (0.97, 0.97, 0.99, 2),
    # written for round 4 by a helper that saw nothing of the project, never tuned on
    "batch_w.jsonl": (0.955, 0.97, 0.99, 3),
    # written during round 8 by a helper that saw nothing of the project (seventeen new voices), never tuned on
    "batch_z9.jsonl": (0.955, 0.95, 0.99, 1),
    # written during round 9 by a helper that saw nothing of the project (twenty new voices), never tuned on
    "batch_z12.jsonl": (0.95, 0.97, 0.985, 1),
    # written for round 10 by a helper that saw nothing of the project (twenty-five people), never tuned on
    "batch_z15.jsonl": (0.97, 0.97, 0.99, 2),
    # written at the end of round 10, after its changes, by a helper that saw nothing of the project, never tuned on
    "batch_z16.jsonl": (0.97, 0.985, 0.995, 2),
    # written for round 11 by a helper that saw nothing of the project (twenty-five people), never tuned on
    "batch_z19.jsonl": (0.95, 0.965, 0.99, 0),
    # written during round 11 (replies to each kind of message the bot sends) by a helper that saw nothing of the
    # project, never tuned on
    "batch_z20.jsonl": (0.965, 0.97, 0.995, 4),
    # written at the end of round 11, after its changes, by a helper that saw nothing of the project (a Monday
    # morning's inbox), never tuned on
    "batch_z21.jsonl": (0.975, 0.985, 0.995, 1),
    # written at the end of round 12, after its changes, by a helper that saw nothing of the project (an agency's
    # week of replies for six kinds of creditor), never tuned on
    "batch_z24.jsonl": (0.98, 0.985, 0.995, 0),
    # written for round 13 by a helper that saw nothing of the project (first replies to five kinds of creditor),
    # never tuned on
    "batch_z26.jsonl": (0.96, 0.98, 0.995, 2),
    # written during round 13 by a helper that saw nothing of the project (people writing from hard situations),
    # never tuned on
    "batch_z27.jsonl": (0.975, 0.975, 0.995, 2),
    # written at the end of round 13, after its changes, by a helper that saw nothing of the project (a week's mixed
    # inbox for six kinds of creditor), never tuned on
    "batch_z28.jsonl": (0.98, 0.985, 0.995, 0),
    # written during round 14, after most of its rules, by a helper that saw nothing of the project (a month of an
    # agency's replies for eight kinds of creditor), never tuned on; the same score with the round's first code
    "batch_z32.jsonl": (0.975, 0.98, 0.995, 1),
    # written at the end of round 14, after its changes, by a helper that saw nothing of the project (young people
    # in chat apps: bursts, slang, voice notes), never tuned on
    "batch_z34.jsonl": (0.97, 0.975, 0.995, 3),
    # written at the round's close by a helper that saw nothing of the project (household bills in hard everyday
    # situations: funeral bills, rent arrears, carers, the recently bereaved), never tuned on
    "batch_z35.jsonl": (0.93, 0.96, 0.98, 1),
}


@pytest.mark.parametrize("name", sorted(FLOORS) + sorted(WHOLE))
def test_frozen_test_half_keeps_its_scores(name: str) -> None:
    report = evaluate(FRESH / name)
    print("\n" + report.summary() + "\n" + report.per_intent() + "\n" + report.confusion_table())
    intent, entities, detail, harmful = FLOORS.get(name) or WHOLE[name]
    assert report.intent_accuracy >= intent
    assert report.entity_accuracy >= entities
    assert report.detail_accuracy >= detail
    assert report.harmful <= harmful


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_the_split_is_disjoint_and_whole() -> None:
    for name in FLOORS:
        batch = name.removesuffix(".test.jsonl")
        train, test, whole = (
            _lines(FRESH / f"{batch}{suffix}") for suffix in (".train.jsonl", ".test.jsonl", ".jsonl")
        )
        assert not set(train) & set(test)
        assert sorted(train + test) == sorted(line for line in whole if line.strip())
