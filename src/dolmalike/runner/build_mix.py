"""build_mix: RUN_DIR + mix spec -> MIX_DIR (a global barrier step: a pure function of inputs + spec + seed).

Steps: compile + validate the spec against the run's views -> select candidates (kept docs, first
matching source) -> held-out split -> tokenizer ("default" = trained on the run) -> tokenize
candidates per partition in parallel -> choose (doc, repetition) items per source budget ->
order items by hash_u64(seed, doc_id, repetition) -> shards + sidecars + manifests -> mix.json,
receipt.json. Layout: see dolmalike.manifests.mix_layout.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from dolmalike.core.errors import DolmalikeError
from dolmalike.core.hashing import derive_seed, hash_u64
from dolmalike.core.schema import MIX
from dolmalike.io.atomic import atomic_write_json, remove_stale_temps
from dolmalike.manifests.mix_layout import MixLayout, SplitLayout
from dolmalike.manifests.query import connect
from dolmalike.manifests.writer import write_rows
from dolmalike.mix.compile import compile_mix
from dolmalike.mix.receipt import write_mix_receipt
from dolmalike.mix.sample import plan_mix
from dolmalike.mix.select import Candidates, select_candidates
from dolmalike.mix.spec import MixSpec, load_spec
from dolmalike.tokenize.encode import PartitionTokens
from dolmalike.tokenize.partitions import tokenize_candidates
from dolmalike.tokenize.shards import Placement, assemble
from dolmalike.tokenize.tokenizer import DEFAULT, TokenizerInfo, load_tokenizer
from dolmalike.tokenize.train_bpe import train_on_run


def build_mix(
    run_dir: Path,
    spec_path: Path,
    out_dir: Path,
    workers: int = 1,
    tokenizer: str | None = None,
    *,
    progress: bool = False,
    root_seed: int | None = None,
    run_dir_label: str | None = None,
) -> Path:
    """Build MIX_DIR `out_dir` from RUN_DIR and a mix spec; `tokenizer` overrides the spec's. A spec
    without `seed:` gets derive_seed(root_seed, "mix") inside a pipeline (root_seed: its seed), else 0.
    `run_dir_label` is what mix.json records as the RUN_DIR (its s3:// URL for a local copy)."""
    run_dir = Path(run_dir).resolve()
    spec = load_spec(spec_path)
    if spec.seed is None:
        spec = dataclasses.replace(spec, seed=derive_seed(root_seed, "mix") if root_seed is not None else 0)
    if tokenizer:
        spec = dataclasses.replace(spec, tokenizer=tokenizer)
    layout = MixLayout.of(Path(out_dir).resolve())
    _check_out_dir(run_dir, layout.root)

    con = connect(run_dir)
    compiled = compile_mix(spec, con)
    cands = select_candidates(con, compiled, spec.seed, spec.heldout_fraction)
    con.close()

    layout.root.mkdir(parents=True, exist_ok=True)
    # a killed build can leave `.name.PID.tmp` files in MIX_DIR (work/tokens too); never outputs
    remove_stale_temps(layout.root)
    _clear_outputs(layout)
    tok = resolve_tokenizer(spec, run_dir, layout, workers)

    wanted: dict[str, list[str]] = defaultdict(list)
    for d, p in zip(cands.doc_id, cands.partition):
        wanted[p].append(d)
    parts = tokenize_candidates(run_dir, layout.work, wanted, tok, workers)
    partitions = sorted(parts)
    code, start, end, found = _locate(cands, parts, partitions)
    missing = int((~found).sum())
    cands = cands.subset(found)
    code, start, end = code[found], start[found], end[found]
    sizes = end - start + 1  # + EOS

    names = [s.name for s in spec.sources]
    train = ~cands.heldout
    tr_idx = np.flatnonzero(train)
    results = plan_mix(spec, [cands.doc_id[i] for i in tr_idx], cands.src[train], sizes[train])
    items = np.concatenate([tr_idx[r.items] for r in results]) if results else np.zeros(0, np.int64)
    reps = np.concatenate([r.repetition for r in results]) if results else np.zeros(0, np.int32)
    _write_mix_parts(layout.train, spec, cands, items, reps, sizes)
    train_meta = _assemble(
        layout.train, spec, cands, items, reps, code, start, end, parts, partitions, tok, progress, workers
    )

    held_idx = np.flatnonzero(cands.heldout)
    held_reps = np.zeros(len(held_idx), dtype=np.int32)
    _write_mix_parts(layout.heldout, spec, cands, held_idx, held_reps, sizes)
    held_meta = _assemble(
        layout.heldout,
        spec,
        cands,
        held_idx,
        held_reps,
        code,
        start,
        end,
        parts,
        partitions,
        tok,
        progress,
        workers,
    )

    report = {
        "sources": [r.report() for r in results],
        "train": {
            "documents": train_meta["documents"],
            "tokens": train_meta["total_tokens"],
            "shards": len(train_meta["shards"]),
        },
        "heldout": {
            "documents": held_meta["documents"],
            "tokens": held_meta["total_tokens"],
            "shards": len(held_meta["shards"]),
            "by_source": {
                n: int(sizes[held_idx][cands.src[held_idx] == s].sum()) for s, n in enumerate(names)
            },
        },
        "candidates_missing_from_docs": missing,
    }
    mix_json = {
        **spec.to_dict(),
        "run_dir": run_dir_label or MixLayout.relative_run_dir(run_dir, layout.root),
        "tokenizer": tok.label,
        "tokenizer_sha256": tok.sha256,
        "report": report,
    }
    atomic_write_json(layout.mix_json, mix_json)
    write_mix_receipt(layout, run_dir, Path(spec_path), mix_json, run_dir_label)
    return layout.root


def resolve_tokenizer(spec: MixSpec, run_dir: Path, layout: MixLayout, threads: int = 1) -> TokenizerInfo:
    if spec.tokenizer == DEFAULT:
        train_on_run(
            run_dir, spec.tokenizer_vocab_size, layout.tokenizer, spec.tokenizer_train_chars, threads
        )
        return load_tokenizer(layout.tokenizer, spec.eos_token, label=DEFAULT)
    return load_tokenizer(Path(spec.tokenizer), spec.eos_token)


def _check_out_dir(run_dir: Path, out: Path) -> None:
    # build_mix replaces MIX_DIR/manifests etc.; never let that be the run's own directories.
    if (
        out == run_dir
        or run_dir.is_relative_to(out)
        or (out / "docs").is_dir()
        or (out / "spec.resolved.json").exists()
    ):
        raise DolmalikeError(
            f"--out {out} is (or contains) a run directory; use a new directory such as {run_dir}/mix"
        )


def _clear_outputs(layout: MixLayout) -> None:
    """Remove a previous build's outputs (a shorter mix must not leave stale shards); keep work/."""
    for split in (layout.train, layout.heldout):
        for d in split.output_dirs():
            shutil.rmtree(d, ignore_errors=True)
    for f in (layout.mix_json, layout.receipt, layout.tokenizer):
        f.unlink(missing_ok=True)


def _locate(cands: Candidates, parts: dict[str, PartitionTokens], partitions: list[str]):
    """Each candidate's (partition code, start, end) in the work arrays; found=False if not in docs/."""
    where: dict[str, tuple[int, int, int]] = {}
    for c, p in enumerate(partitions):
        pt = parts[p]
        for d, s, e in zip(pt.doc_id, pt.start.tolist(), pt.end.tolist()):
            where[d] = (c, s, e)
    n = len(cands)
    code, start, end = np.zeros(n, np.int32), np.zeros(n, np.int64), np.zeros(n, np.int64)
    found = np.zeros(n, dtype=bool)
    for i, d in enumerate(cands.doc_id):
        hit = where.get(d)
        if hit is not None:
            code[i], start[i], end[i] = hit
            found[i] = True
    return code, start, end, found


def _write_mix_parts(
    split: SplitLayout,
    spec: MixSpec,
    cands: Candidates,
    items: np.ndarray,
    reps: np.ndarray,
    sizes: np.ndarray,
) -> None:
    """manifests/mix/<source>.parquet: one row per (doc, repetition), sorted by (doc_id, repetition)."""
    rows_by_source: dict[int, list[dict[str, Any]]] = defaultdict(list)
    order = np.lexsort((reps, items))  # items index the doc_id-sorted candidates
    for i, r in zip(items[order].tolist(), reps[order].tolist()):
        s = int(cands.src[i])
        rows_by_source[s].append(
            {
                "doc_id": cands.doc_id[i],
                "source": spec.sources[s].name,
                "rule": spec.sources[s].rule_text(),
                "repetition": r,
                "n_tokens": int(sizes[i]),  # incl. the EOS, as budgets count it
            }
        )
    for s, source in enumerate(spec.sources):
        write_rows(split.mix_part(source.name), MIX, rows_by_source.get(s, []))


def global_order(seed: int, doc_ids: list[str], items: np.ndarray, reps: np.ndarray) -> np.ndarray:
    """Permutation of items sorted by hash_u64(seed, doc_id, repetition); ties by (doc, repetition)."""
    keys = np.fromiter(
        (hash_u64(seed, doc_ids[i], r) for i, r in zip(items.tolist(), reps.tolist())),
        dtype=np.uint64,
        count=len(items),
    )
    return np.lexsort((reps, items, keys))


def _assemble(
    split, spec, cands, items, reps, code, start, end, parts, partitions, tok, progress, workers
) -> dict:
    order = global_order(spec.seed, cands.doc_id, items, reps)
    it, rp = items[order], reps[order]
    names = [s.name for s in spec.sources]
    placement = Placement(
        doc_id=[cands.doc_id[i] for i in it.tolist()],
        repetition=rp.astype(np.int32),
        source=[names[s] for s in cands.src[it].tolist()],
        part=code[it],
        start=start[it],
        end=end[it],
    )
    return assemble(
        split,
        placement,
        [parts[p] for p in partitions],
        partitions,
        tok,
        spec.shard_tokens,
        progress,
        workers,
    )
