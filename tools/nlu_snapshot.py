"""Every corpus file's understanding, one JSON line per message, to check a change alters no output.

    python tools/nlu_snapshot.py /tmp/before.txt   # at the old commit
    python tools/nlu_snapshot.py /tmp/after.txt    # at the new one, then: cmp /tmp/before.txt /tmp/after.txt

Each message is read through `understanding.read` (not the memo of `understand`), and the line holds
every field of the `Understanding` and of the `Reading` behind it (source, the rules' intent and
confidence, every rule reading found, the sensitive rule's words, the model's probabilities to the
last bit). To compare another tree, run this file with that tree first on the path
(``PYTHONPATH=/other/tree python tools/nlu_snapshot.py out``): the corpus read is this file's.
Lines carry the file name, the line number and the output (never the message text: the frozen .test
halves are run, not read).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
from pathlib import Path

from bot.nlu.understanding import read

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "nlu_corpus"


def _output(text: str, locale: str, today: dt.date) -> str:
    understanding, reading = read(text, locale, today)
    fields = dataclasses.asdict(understanding)
    opinion = reading.opinion
    fields["reading"] = {
        "intent": reading.intent,
        "confidence": repr(reading.confidence),
        "detail": reading.detail,
        "source": reading.source,
        "rule_intent": reading.rule_intent,
        "rule_confidence": repr(reading.rule_confidence),
        "found": {k: repr(v) for k, v in reading.found.items()},
        "matched": reading.matched,
        "opinion": None if opinion is None else [(label, repr(p)) for label, p in opinion.ranked],
    }
    fields["confidence"] = repr(understanding.confidence)
    return json.dumps(fields, default=str, sort_keys=True)


def snapshot() -> list[str]:
    """`file:line<TAB>output` for every message of every corpus file."""
    lines = []
    paths = [*CORPUS.glob("*.jsonl"), *(CORPUS / "extra").glob("*.jsonl"), *(CORPUS / "fresh").glob("*.jsonl")]
    for path in sorted(paths):
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            row = json.loads(line)
            got = _output(row["text"], row["locale"], dt.date.fromisoformat(row["today"]))
            lines.append(f"{path.parent.name}/{path.name}:{i}\t{got}")
    return lines


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    out = parser.parse_args().out
    lines = snapshot()
    out.write_text("\n".join(lines), encoding="utf-8")
    print(f"{len(lines)} outputs")
