"""Claim decomposition: does the extractor split a sentence into the facts a careful annotator lists?

Data: Factcheck-Bench JSONL (``sentences.*.text`` with their gold ``claims``).
Every sentence that has gold claims goes through the extractor on its own, with
the check-worthiness filter off (every part it returns counts). Tokens are
lowercase ``[a-z0-9]+`` runs; two claims are compared by token F1.

- recall: mean over all gold claims of their best F1 against the sentence's predicted claims;
- precision: mean over sentences of the mean over predicted claims of their best F1 against the gold claims
  (a sentence with no prediction counts 0);
- exact_count: share of sentences with as many predicted claims as gold ones.

Plain Python: reads a file, writes nothing.
"""
from __future__ import annotations

import json
import re
from collections import Counter

from claims.extraction import extract

_TOKEN = re.compile(r"[a-z0-9]+")


def add_arguments(parser):
    parser.add_argument("--data", required=True, help="Factcheck-Bench JSONL (sentences with gold claims)")
    parser.add_argument("--show", type=int, default=0, help="print this many sentences with their predicted claims")


def token_f1(a: str, b: str) -> float:
    ta, tb = Counter(_TOKEN.findall(a.lower())), Counter(_TOKEN.findall(b.lower()))
    common = sum((ta & tb).values())
    if not common:
        return 0.0
    precision, recall = common / sum(ta.values()), common / sum(tb.values())
    return 2 * precision * recall / (precision + recall)


def sentences_with_claims(path: str):
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            record = json.loads(line)
            if not isinstance(record.get("sentences"), dict):
                raise SystemExit(f"{path}:{number}: expected a 'sentences' object")
            for sentence in record["sentences"].values():
                claims = [c for c in sentence.get("claims") or [] if c and c.strip()]
                if claims:
                    yield sentence["text"], claims


def run(options: dict) -> dict:
    gold_best: list[float] = []
    sentence_precision: list[float] = []
    exact = 0
    shown = []
    items = list(sentences_with_claims(options["data"]))
    for text, gold in items:
        predicted = [c.text for c in extract(text, published_at=None)]
        gold_best.extend(max((token_f1(g, p) for p in predicted), default=0.0) for g in gold)
        sentence_precision.append(
            sum(max(token_f1(p, g) for g in gold) for p in predicted) / len(predicted) if predicted else 0.0
        )
        exact += len(predicted) == len(gold)
        if len(shown) < options.get("show", 0):
            shown.append({"text": text, "gold": gold, "predicted": predicted})
    n = len(items)
    result = {
        "recall": round(sum(gold_best) / len(gold_best), 4) if gold_best else 0.0,
        "precision": round(sum(sentence_precision) / n, 4) if n else 0.0,
        "exact_count": round(exact / n, 4) if n else 0.0,
        "sentences": n,
    }
    if shown:
        result["examples"] = shown
    return result


def render(result: dict) -> str:
    lines = [
        f"sentences: {result['sentences']}",
        f"recall:      {result['recall']:.3f}",
        f"precision:   {result['precision']:.3f}",
        f"exact count: {result['exact_count']:.3f}",
    ]
    for example in result.get("examples", []):
        lines.append(f"\n{example['text']}")
        lines += [f"  gold: {g}" for g in example["gold"]]
        lines += [f"  pred: {p}" for p in example["predicted"]]
    return "\n".join(lines)
