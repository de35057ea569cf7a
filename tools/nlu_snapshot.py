"""Every corpus file's understanding, one JSON line per message, to check a change alters no output.

    python tools/nlu_snapshot.py /tmp/before.txt   # at the old commit
    python tools/nlu_snapshot.py /tmp/after.txt    # at the new one, then: cmp /tmp/before.txt /tmp/after.txt

Lines carry the file name, the line number and the output (never the message text: the frozen .test
halves are run, not read).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
from pathlib import Path

from bot.nlu import understand

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "nlu_corpus"


def snapshot() -> list[str]:
    """`file:line<TAB>output` for every message of every corpus file."""
    lines = []
    for path in sorted([*CORPUS.glob("*.jsonl"), *(CORPUS / "fresh").glob("*.jsonl")]):
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            row = json.loads(line)
            got = understand(row["text"], row["locale"], dt.date.fromisoformat(row["today"]))
            lines.append(f"{path.name}:{i}\t" + json.dumps(dataclasses.asdict(got), default=str, sort_keys=True))
    return lines


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    out = parser.parse_args().out
    lines = snapshot()
    out.write_text("\n".join(lines), encoding="utf-8")
    print(f"{len(lines)} outputs")
