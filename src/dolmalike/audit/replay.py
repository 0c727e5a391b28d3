"""Replay and intervene: branch a new TRAIN_DIR from another run's state at step N, with documents
excluded from every later batch (train.exclusion), then compare the two loss curves.

    dolmalike train MIX_DIR --out NEW --from TRAIN_DIR --at-step N --exclude-docs IDS_FILE
    dolmalike train MIX_DIR --out NEW --from TRAIN_DIR --at-step N --exclude-where "SQL"

NEW starts from the exact model/optimizer/RNG state before step N (audit.checkpoints), its log holds
the original's records for steps < N (those steps are the original's by construction), and it uses
the original's config, so the only difference from step N on is the excluded documents. The
comparison goes to NEW/replay_report.json and NEW/replay_report.md.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from dolmalike.audit.checkpoints import check_step, checkpoint_at, seed_checkpoint
from dolmalike.audit.spike_rule import SpikeRule, find_spikes
from dolmalike.core.errors import DolmalikeError
from dolmalike.io.atomic import atomic_write_bytes, atomic_write_json
from dolmalike.lineage.split import Split
from dolmalike.lineage.tokens import TokenStore
from dolmalike.manifests.mix_layout import MixLayout
from dolmalike.train.config import TrainConfig
from dolmalike.train.exclusion import Intervention, read_ids_file
from dolmalike.train.metrics import read_log
from dolmalike.train.traindir import TrainLayout, info_config, load_info

REPORT_JSON, REPORT_MD = "replay_report.json", "replay_report.md"


def trained_doc_ids(store: TokenStore) -> set[str]:
    """Every doc_id with tokens in the training split."""
    sidecars = Split.at(store.dir)
    out: set[str] = set()
    for k in range(len(store.shard_names)):
        out.update(str(d) for d in sidecars.rows(k)["doc_id"].tolist())
    return out


def docs_where(run_dir: str | Path, where: str) -> set[str]:
    """doc_ids of the RUN_DIR's documents matching a SQL WHERE fragment over `documents` and the
    `attributes_<tagger>` / `dedup` views (joined on doc_id), as in a mix spec's `sql:` rule."""
    import duckdb

    from dolmalike.manifests.query import connect

    con = connect(run_dir)
    names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    views = sorted({v for v in re.findall(r"\b(attributes_\w+|dedup)\b", where) if v in names})
    joins = "".join(f' LEFT JOIN "{v}" ON "{v}".doc_id = documents.doc_id' for v in views)
    try:
        rows = con.execute(
            f"SELECT DISTINCT documents.doc_id FROM documents{joins} WHERE ({where})"
        ).fetchall()
    except duckdb.Error as e:
        first = str(e).strip().splitlines()[0]
        raise DolmalikeError(f"--exclude-where: {first}; tables: {', '.join(sorted(names))}") from None
    return {r[0] for r in rows}


def resolve_exclusion(
    mix_dir: Path, store: TokenStore, ids_file: str | None, where: str | None
) -> tuple[list[str], int]:
    """(excluded doc_ids that the run trained on, how many named ids it never trained on)."""
    if (ids_file is None) == (where is None):
        raise DolmalikeError("pass exactly one of --exclude-docs IDS_FILE or --exclude-where SQL")
    if ids_file is not None:
        named = set(read_ids_file(ids_file))
        what = f"{ids_file}"
    else:
        run_dir = MixLayout.of(mix_dir).source_run()
        if not run_dir:
            raise DolmalikeError(f"{mix_dir}/mix.json names no RUN_DIR to evaluate --exclude-where on")
        named = docs_where(run_dir, where or "")
        what = f"--exclude-where {where!r}"
    trained = trained_doc_ids(store)
    hit = sorted(named & trained)
    if not hit:
        raise DolmalikeError(f"{what} matches no document the run trained on ({len(named)} named)")
    return hit, len(named) - len(hit)


def prepare(
    mix_dir: str | Path, from_dir: str | Path, out_dir: str | Path, at_step: int, doc_ids: list[str]
) -> tuple[TrainConfig, Intervention]:
    """Seed NEW with the state before `at_step` and the original's earlier log records."""
    mix_dir, from_dir, out = Path(mix_dir), Path(from_dir), Path(out_dir)
    info = load_info(from_dir)
    if TrainLayout.of(out).info.is_file():
        raise DolmalikeError(f"{out} already holds a training run; use a new --out")
    check_step(from_dir, at_step)
    scratch = out / "_replay_scratch"
    try:
        seed_checkpoint(checkpoint_at(from_dir, at_step, scratch), out)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    before = [r for r in read_log(TrainLayout.of(from_dir).log) if int(r.get("step", -1)) < at_step]
    atomic_write_bytes(TrainLayout.of(out).log, "".join(json.dumps(r) + "\n" for r in before).encode())
    intervention = Intervention(str(from_dir.resolve()), at_step, tuple(doc_ids))
    intervention.write_ids(out)
    return info_config(info), intervention


def check_same_mix(mix_dir: Path, from_dir: Path, store: TokenStore) -> None:
    info = load_info(from_dir)
    if [s.get("sha256") for s in info["shards"]] != [s.get("sha256") for s in store.meta["shards"]]:
        raise DolmalikeError(f"{mix_dir} is not the mix {from_dir} trained on (shard sha256 differ)")


def compare(from_dir: str | Path, out_dir: str | Path, at_step: int) -> dict[str, Any]:
    """Loss curves of the original and the replay from `at_step` on; written beside the replay."""
    orig = {int(r["step"]): float(r["loss"]) for r in read_log(TrainLayout.of(from_dir).log) if "loss" in r}
    new = {int(r["step"]): float(r["loss"]) for r in read_log(TrainLayout.of(out_dir).log) if "loss" in r}
    steps = sorted(s for s in new if s >= at_step and s in orig)
    rule = SpikeRule()
    spikes_o = {s.step for s in find_spikes(sorted(orig.items()), rule)}
    spikes_n = {s.step for s in find_spikes(sorted(new.items()), rule)}
    diff = np.array([new[s] - orig[s] for s in steps]) if steps else np.zeros(0)
    report = {
        "from": str(from_dir),
        "replay": str(out_dir),
        "at_step": at_step,
        "steps_compared": len(steps),
        "mean_loss_original": float(np.mean([orig[s] for s in steps])) if steps else None,
        "mean_loss_replay": float(np.mean([new[s] for s in steps])) if steps else None,
        "mean_difference": float(diff.mean()) if steps else None,
        "max_drop": {"step": steps[int(diff.argmin())], "difference": float(diff.min())} if steps else None,
        "spikes_original": sorted(s for s in spikes_o if s >= at_step),
        "spikes_replay": sorted(s for s in spikes_n if s >= at_step),
        "identical_before": all(orig.get(s) == v for s, v in new.items() if s < at_step),
        "curve": [{"step": s, "original": orig[s], "replay": new[s]} for s in steps],
    }
    atomic_write_json(Path(out_dir) / REPORT_JSON, report)
    lines = [
        f"# Replay of {from_dir} from step {at_step}",
        "",
        f"Steps compared: {len(steps)}; mean loss original {_f(report['mean_loss_original'])}, replay "
        f"{_f(report['mean_loss_replay'])} (difference {_f(report['mean_difference'])}).",
        f"Spikes from step {at_step} on: original {report['spikes_original']}, replay {report['spikes_replay']}.",
        "",
        "| step | original | replay | difference |",
        "|---|---|---|---|",
        *(f"| {c['step']} | {c['original']:.4f} | {c['replay']:.4f} | {c['replay'] - c['original']:+.4f} |"
          for c in report["curve"]),
    ]  # fmt: skip
    atomic_write_bytes(Path(out_dir) / REPORT_MD, ("\n".join(lines) + "\n").encode())
    return report


def _f(v: float | None) -> str:
    return "-" if v is None else f"{v:.4f}"
