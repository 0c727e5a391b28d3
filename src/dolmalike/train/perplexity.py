"""Held-out perplexity per mix source and per tag bucket (Paloma-style).

Each held-out document is scored on its own: the model sees EOS (the document boundary it
saw in training) and predicts the document's tokens plus its trailing EOS in non-overlapping
windows. A bucket's perplexity is exp(total NLL / total predicted tokens) over its documents.

Documents come from the held-out split's sidecars and tag buckets from the RUN_DIR's attributes
tables, both through the lineage read side (dolmalike.lineage): string columns with few values become one bucket per value
(e.g. a language), numeric columns become quantile buckets (e.g. a quality score's quartiles).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from dolmalike.core.errors import DolmalikeError
from dolmalike.lineage.provenance import RunProvenance
from dolmalike.lineage.split import Split
from dolmalike.train.model import GPT
from dolmalike.train.scoring import sum_logprobs

MAX_CATEGORIES = 12  # a string column with more distinct values is an id or free text, not a bucket
_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "FLOAT", "DOUBLE", "REAL", "DECIMAL", "UTINYINT",
            "USMALLINT", "UINTEGER", "UBIGINT", "HUGEINT")  # fmt: skip


@dataclass(frozen=True)
class HeldoutDoc:
    doc_id: str
    source: str
    shard: int
    start: int
    end: int  # exclusive; EOS at `end`


def heldout_docs(split: Split, max_per_source: int | None) -> list[HeldoutDoc]:
    """Held-out documents in shard order, at most `max_per_source` of each source (deterministic)."""
    out: list[HeldoutDoc] = []
    per_source: dict[str, int] = {}
    for k in range(split.n_shards):
        r = split.rows(k)
        for doc_id, source, start, end in zip(*(r[c].tolist() for c in ("doc_id", "source", "start", "end"))):
            if max_per_source is not None and per_source.get(source, 0) >= max_per_source:
                continue
            per_source[source] = per_source.get(source, 0) + 1
            out.append(HeldoutDoc(doc_id, source, k, start, end))
    return out


def _bucket_stats(nll: float, n: int, docs: int) -> dict[str, Any]:
    loss = nll / max(1, n)
    return {"ppl": math.exp(loss), "loss": loss, "tokens": n, "docs": docs}


def _aggregate(groups: dict[str, list[int]], scores: list[tuple[float, int]]) -> dict[str, dict[str, Any]]:
    out = {}
    for name in sorted(groups):
        idx = groups[name]
        nll = -sum(scores[i][0] for i in idx)
        out[name] = _bucket_stats(nll, sum(scores[i][1] for i in idx), len(idx))
    return out


def tag_groups(
    run_dir: str | Path | None, doc_ids: list[str], spec: str | list[dict[str, Any]], quantiles: int
) -> dict[str, list[int]]:
    """bucket name -> indices into doc_ids, from the RUN_DIR attributes ("auto" or explicit spec)."""
    if not run_dir or spec == [] or not (Path(run_dir) / "manifests").is_dir():
        return {}
    runs = RunProvenance(run_dir)
    con = runs.con
    sources = {t: f"read_parquet('{d}/**/*.parquet', union_by_name=true)" for t, d in runs.taggers.items()}
    wanted: list[tuple[str, str, int | None]] = []  # (tagger, column, quantiles or None for categorical)
    if spec == "auto":
        for tagger in sorted(sources):
            for col, typ, *_ in con.execute(f"DESCRIBE SELECT * FROM {sources[tagger]}").fetchall():
                if col == "doc_id":
                    continue
                if typ in _NUMERIC:
                    wanted.append((tagger, col, quantiles))
                elif typ in ("VARCHAR", "BOOLEAN"):
                    wanted.append((tagger, col, None))
    else:
        for item in spec:
            if item["tagger"] not in sources:
                raise DolmalikeError(
                    f"tag bucket tagger {item['tagger']!r}: no attributes table in {run_dir}"
                )
            wanted.append((item["tagger"], item["column"], item.get("quantiles")))
    index = {d: i for i, d in enumerate(doc_ids)}
    groups: dict[str, list[int]] = {}
    for tagger, col, q in wanted:
        rows = con.execute(
            f'SELECT doc_id, any_value("{col}") FROM {sources[tagger]} WHERE doc_id IN (SELECT unnest(?)) '
            f'AND "{col}" IS NOT NULL GROUP BY doc_id ORDER BY doc_id',
            [doc_ids],
        ).fetchall()
        if not rows:
            continue
        distinct = {v for _, v in rows}
        if q and len(distinct) > q:
            vals = np.array([float(v) for _, v in rows])
            edges = np.quantile(vals, np.linspace(0, 1, q + 1))
            which = np.searchsorted(edges[1:-1], vals, side="right")
            for (doc_id, _), b in zip(rows, which.tolist()):
                groups.setdefault(f"{tagger}.{col}:q{b + 1}of{q}", []).append(index[doc_id])
        else:  # a label, or a number with no more values than quantiles: one bucket per value
            for doc_id, label in _categories(rows).items():
                groups.setdefault(f"{tagger}.{col}={label}", []).append(index[doc_id])
    return groups


def _categories(rows: list[tuple[str, Any]]) -> dict[str, str]:
    """doc_id -> bucket label. Beyond MAX_CATEGORIES values, the most frequent keep their own bucket
    and the rest share "(other)" -- if those top values cover most documents (a label such as a
    language); otherwise the column is an id or free text and yields no buckets."""
    counts: dict[Any, int] = {}
    for _, v in rows:
        counts[v] = counts.get(v, 0) + 1
    if len(counts) <= MAX_CATEGORIES:
        return {d: str(v) for d, v in rows}
    top = sorted(counts, key=lambda v: (-counts[v], str(v)))[: MAX_CATEGORIES - 1]
    if sum(counts[v] for v in top) < len(rows) / 2:
        return {}
    keep = set(top)
    return {d: str(v) if v in keep else "(other)" for d, v in rows}


def heldout_perplexity(
    model: GPT,
    heldout_dir: Path,
    *,
    seq_len: int,
    device: torch.device,
    amp: torch.dtype | None,
    max_per_source: int | None,
    run_dir: str | Path | None,
    tag_spec: str | list[dict[str, Any]] = "auto",
    quantiles: int = 4,
    batch_size: int = 16,
) -> dict[str, Any]:
    split = Split.at(heldout_dir)
    store = split.tokens
    docs = heldout_docs(split, max_per_source)
    seqs = []
    for d in docs:
        toks = np.concatenate([[store.eos_id], store.arrays[d.shard][d.start : d.end + 1]]).astype(np.int64)
        seqs.append((toks, 1))
    max_len = seq_len - 1  # the input length the model was trained on
    scores = sum_logprobs(
        model, seqs, max_len=max_len, stride=max_len, batch_size=batch_size, device=device, amp=amp
    )
    by_source: dict[str, list[int]] = {}
    for i, d in enumerate(docs):
        by_source.setdefault(d.source, []).append(i)
    return {
        "heldout_dir": str(heldout_dir),
        "overall": _aggregate({"all": list(range(len(docs)))}, scores)["all"] if docs else None,
        "by_source": _aggregate(by_source, scores),
        "by_tag": _aggregate(tag_groups(run_dir, [d.doc_id for d in docs], tag_spec, quantiles), scores),
    }
