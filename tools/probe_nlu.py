"""Robustness probe of the protective readings: `python tools/probe_nlu.py [--seed 8] [-v] [FILES...]`.

Takes every distinct message of the corpora (default: the tuning files — train, dev, extra/*, the fresh
batches' .train halves; frozen halves only when named, and then without -v) whose label is protective
(opt_out, abuse, dispute, wrong_person, human, hardship) and which `bot.nlu.understand` reads as
protective, then rewrites it the ways people and phones do — all caps, accents stripped, one or two
letters dropped or swapped inside a long word, a greeting and a sign-off around it, the quoted original
of an e-mail below it, or all of these at once — and counts the rewrites whose reading is no longer
protective (a harmful misread in the making).

The rewrites are random but seeded: the same seed gives the same rewrites, so two versions of the code
can be compared on the same probes. Development only; prints counts per rewrite and, with -v, each loss.
"""

from __future__ import annotations

import argparse
import json
import random
import unicodedata
from collections import Counter
from datetime import date
from pathlib import Path

from bot.nlu import understand
from bot.nlu.combine import PROTECTIVE

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "nlu_corpus"
TODAY = date(2026, 12, 4)
AROUND = {
    "fr": (
        ["Bonjour,\n\n", "Salut ", "Bonsoir madame,\n", "re ", "Alors voilà. ",
         "Je rentre du boulot et je vois votre message. "],
        [" Merci.", "\nBonne journée", "\n\nCordialement,\nM. Durand", " voilà c'est tout", " 😡",
         "\n\nEnvoyé de mon iPhone"],
    ),
    "en": (
        ["Hi,\n\n", "Hello ", "Good evening,\n", "ok so ", "Right. ", "Just got home from work and saw this. "],
        [" Thanks.", "\n\nRegards,\nJ. Smith", " that's all", " 😡", "\n\nSent from my iPhone", " cheers"],
    ),
}  # fmt: skip
QUOTE = {
    "fr": "\n\nLe 2 déc. 2026 à 10:12, Relance <noreply@relance.example> a écrit :\n> Bonjour, votre facture de 120 € "
    "est en attente de paiement.\n> Répondez STOP pour ne plus recevoir de messages.",
    "en": "\n\nOn Wed, 2 Dec 2026 at 10:12, Relance <noreply@relance.example> wrote:\n> Hello, your invoice of £120 is "
    "awaiting payment.\n> Reply STOP to opt out.",
}


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def slip(text: str, rng: random.Random) -> str:
    """One letter dropped or two swapped inside a word of six letters or more (never its first two or last two)."""
    words = text.split()
    long = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
    if not long:
        return text
    i = rng.choice(long)
    w, j = words[i], rng.randrange(2, len(words[i]) - 2)
    words[i] = w[:j] + w[j + 1 :] if rng.random() < 0.5 else w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    return " ".join(words)


def rewrites(text: str, locale: str, rng: random.Random) -> dict[str, str]:
    before, after = AROUND[locale]
    around = f"{rng.choice(before)}{text}{rng.choice(after)}"
    return {
        "caps": text.upper(),
        "no accents": strip_accents(text),
        "slip": slip(text, rng),
        "another slip": slip(text, rng),
        "greeting and sign-off": around,
        "quoted original": text + QUOTE[locale],
        "all at once": slip(strip_accents(f"{rng.choice(before)}{text}{rng.choice(after)}"), rng).lower(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    files = args.files or [
        CORPUS / "train.jsonl",
        CORPUS / "dev.jsonl",
        *sorted(CORPUS.glob("extra/*.jsonl")),
        *sorted(CORPUS.glob("fresh/*.train.jsonl")),
    ]
    if args.verbose and any(p.name.endswith(".test.jsonl") for p in files):
        parser.error("a frozen .test half is scored, its messages are not listed (-v)")
    rng = random.Random(args.seed)
    tried, lost, seen = Counter[str](), Counter[str](), set[str]()
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line) if line.strip() else None
            if not row or row["intent"] not in PROTECTIVE or row["text"] in seen:
                continue
            seen.add(row["text"])
            if understand(row["text"], row["locale"], TODAY).intent not in PROTECTIVE:
                continue  # already a misread: counted by the evaluation, not here
            for name, text in rewrites(row["text"], row["locale"], rng).items():
                if text == row["text"]:
                    continue
                tried[name] += 1
                reading = understand(text, row["locale"], TODAY).intent
                if reading not in PROTECTIVE:
                    lost[name] += 1
                    if args.verbose:
                        print(f"{name}: {row['intent']} -> {reading}: {text[:160]!r}")
    for name in tried:
        print(f"{name:22} {lost[name]:4} of {tried[name]:5} rewrites lose the protective reading")
    print(f"{'all':22} {sum(lost.values()):4} of {sum(tried.values()):5}")


if __name__ == "__main__":
    main()
