"""Memorization probe: does the trained model continue a document verbatim from a prefix?

For each sampled document the probe is its first `prefix + suffix` tokens. The model (latest
checkpoint) reads them in one forward pass; on the `suffix` positions

- token accuracy = share of positions where the model's argmax is the true next token
  (teacher-forced), and
- exact-match length = the number of leading suffix tokens it gets right in a row, which equals
  what greedy decoding from the prefix reproduces verbatim (until the first miss greedy decoding
  is fed exactly the true tokens); `verbatim` = the whole suffix.

Trained documents are those whose probe tokens were actually in a trained batch (steps 0..done-1,
through the run's own step -> instances order, replays included); `exposures` counts how often.
Held-out documents (MIX_DIR/heldout, never trained on) are the control. Results are grouped by
repetition count (copies of the document in the mix manifest) and optionally by mix source.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import torch

from dolmalike.audit.checkpoints import trained_steps
from dolmalike.core.errors import DolmalikeError
from dolmalike.core.hashing import hash_u64
from dolmalike.lineage.split import Split
from dolmalike.lineage.tokens import TokenStore
from dolmalike.manifests.mix_layout import MixLayout
from dolmalike.train.data import Instances
from dolmalike.train.exclusion import ordering_for
from dolmalike.train.numbering import training_instances
from dolmalike.train.traindir import load_info


@dataclass(frozen=True)
class Probe:
    doc_id: str
    source: str
    repetitions: int
    exposures: int
    tokens: np.ndarray  # prefix + suffix token ids


def _copies(store: TokenStore) -> dict[str, list[tuple[int, int, int, str]]]:
    """doc_id -> [(shard, start, end, source)] for every copy in the split."""
    sidecars = Split.at(store.dir)
    out: dict[str, list[tuple[int, int, int, str]]] = defaultdict(list)
    for k in range(len(store.shard_names)):
        r = sidecars.rows(k)
        for d, a, b, s in zip(
            r["doc_id"].tolist(), r["start"].tolist(), r["end"].tolist(), r["source"].tolist()
        ):
            out[str(d)].append((k, int(a), int(b), str(s)))
    return out


def mix_repetitions(mix_dir: Path, copies: dict[str, list]) -> tuple[dict[str, int], str]:
    """doc_id -> repetition count from MIX_DIR/manifests/mix (the sidecars' copies if it is absent)."""
    parts = sorted((MixLayout.of(mix_dir).train.manifests / "mix").glob("*.parquet"))
    if not parts:
        return {d: len(c) for d, c in copies.items()}, "token sidecars"
    reps: dict[str, int] = {}
    for p in parts:
        t = pq.read_table(p, columns=["doc_id", "repetition"])
        for d, r in zip(t["doc_id"].to_pylist(), t["repetition"].to_pylist()):
            reps[d] = max(reps.get(d, 0), int(r) + 1)
    return reps, "mix manifest"


def _seen_counts(info: dict[str, Any], train_dir: Path, instances: Instances, steps: int) -> np.ndarray:
    """How many times each training instance was in a batch of steps 0..steps-1."""
    cfg = info["config"]
    order = ordering_for(info, train_dir, instances, int(cfg["seed"]))
    seen = np.zeros(instances.n, dtype=np.int64)
    for s in range(steps):
        np.add.at(seen, order.step(s, int(cfg["batch_size"])), 1)
    return seen


def _probes(
    store: TokenStore,
    copies: dict[str, list],
    reps: dict[str, int],
    length: int,
    seen: np.ndarray | None,
    instances: Instances | None,
) -> list[Probe]:
    out = []
    for doc_id, cs in sorted(copies.items()):
        k, a, b, source = cs[0]
        if b - a < length:  # the document is shorter than the probe
            continue
        exposures = 0
        if seen is not None and instances is not None:
            for kk, aa, _, _ in cs:
                lo = int(store.offsets[kk]) + aa
                ids = instances.covering(lo, lo + length)  # the run's numbering (train.numbering)
                # only a copy whose every probe token lies in a training window counts
                if ids and instances.span(ids[0])[0] <= lo and instances.span(ids[-1])[1] >= lo + length:
                    exposures += int(seen[ids].min())
            if exposures == 0:
                continue
        toks = store.arrays[k][a : a + length].astype(np.int64)
        out.append(Probe(doc_id, source, reps.get(doc_id, len(cs)), exposures, toks))
    return out


def _sample(probes: list[Probe], n: int, seed: int) -> list[Probe]:
    return sorted(probes, key=lambda p: hash_u64(seed, "memorization", p.doc_id))[:n]


@torch.no_grad()
def score(
    model: torch.nn.Module, probes: list[Probe], prefix: int, batch_size: int = 32
) -> list[dict[str, Any]]:
    """Per probe: exact-match length and token accuracy of the suffix after `prefix` tokens."""
    out = []
    for lo in range(0, len(probes), batch_size):
        chunk = probes[lo : lo + batch_size]
        x = torch.from_numpy(np.stack([p.tokens for p in chunk]))
        pred = model(x[:, :-1]).argmax(-1)[:, prefix - 1 :]  # predictions of tokens prefix..end
        hit = (pred == x[:, prefix:]).numpy()
        for p, h in zip(chunk, hit):
            miss = np.flatnonzero(~h)
            exact = int(miss[0]) if len(miss) else len(h)
            out.append({"doc_id": p.doc_id, "source": p.source, "repetitions": p.repetitions,
                        "exposures": p.exposures, "exact_match": exact, "token_acc": float(h.mean()),
                        "verbatim": exact == len(h)})  # fmt: skip
    return out


def _table(rows: list[dict[str, Any]], group: str, per_source: bool) -> list[dict[str, Any]]:
    buckets: dict[tuple, list[dict]] = defaultdict(list)
    for r in rows:
        buckets[(group, r["source"] if per_source else "*", r["repetitions"])].append(r)
    return [
        {"set": g, "source": s, "repetitions": rep, "docs": len(rs),
         "exposures_mean": float(np.mean([r["exposures"] for r in rs])),
         "exact_match_mean": float(np.mean([r["exact_match"] for r in rs])),
         "token_acc_mean": float(np.mean([r["token_acc"] for r in rs])),
         "verbatim_rate": float(np.mean([r["verbatim"] for r in rs]))}
        for (g, s, rep), rs in sorted(buckets.items())
    ]  # fmt: skip


def memorization(
    train_dir: str | Path,
    *,
    n: int = 200,
    prefix: int | None = None,
    suffix: int | None = None,
    per_source: bool = False,
    seed: int = 0,
) -> dict[str, Any]:
    from dolmalike.train.trainer import load_trained_model

    train_dir = Path(train_dir)
    info = load_info(train_dir)
    steps = trained_steps(train_dir)  # also: a one-line error without checkpoints
    model, cfg, _ = load_trained_model(train_dir)
    L = cfg.seq_len
    prefix = prefix if prefix is not None else L // 2
    suffix = suffix if suffix is not None else L - prefix
    if prefix < 1 or suffix < 1 or prefix + suffix > L + 1:
        raise DolmalikeError(f"--prefix + --suffix must be <= seq_len + 1 = {L + 1}, both >= 1")
    if n < 1:
        raise DolmalikeError("--n must be >= 1")
    mix_dir = Path(info["mix_dir"])
    store = TokenStore(MixLayout.of(mix_dir).train.shards)
    instances = training_instances(store, L, cfg.numbering)
    copies = _copies(store)
    reps, reps_from = mix_repetitions(mix_dir, copies)
    seen = _seen_counts(info, train_dir, instances, steps)
    trained = _sample(_probes(store, copies, reps, prefix + suffix, seen, instances), n, seed)
    if not trained:
        raise DolmalikeError(
            f"{train_dir}: no trained document is long enough for a {prefix}+{suffix} token probe"
        )
    rows = score(model, trained, prefix)
    table = _table(rows, "trained", per_source)
    held_rows: list[dict[str, Any]] = []
    held = MixLayout.of(mix_dir).heldout
    if held.meta.is_file():
        hstore = TokenStore(held.shards)
        hcopies = _copies(hstore)
        held = _sample(
            _probes(hstore, hcopies, {d: 0 for d in hcopies}, prefix + suffix, None, None), n, seed
        )
        held_rows = score(model, held, prefix)
        table += _table(held_rows, "heldout", per_source)
    return {"train_dir": str(train_dir), "steps": steps, "prefix": prefix, "suffix": suffix,
            "repetitions_from": reps_from, "n_trained": len(rows), "n_heldout": len(held_rows),
            "table": table, "documents": rows + [{**r, "heldout": True} for r in held_rows]}  # fmt: skip
