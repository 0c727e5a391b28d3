"""Everything the HTML report shows, as one JSON-able dict, each table computed by a SQL query over
the same views `dolmalike sql RUN_DIR` sees (the queries are kept beside the numbers, so a reader
can re-run any of them)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from dolmalike.core.errors import DolmalikeError
from dolmalike.manifests.dirs import connect_any, manifest_dirs

# Reasons carry per-document details ("exact duplicate of <doc_id>", "(jaccard=0.91)", "(2 < 5)");
# the funnel groups by the reason with those removed.
REASON_CLASS = (
    "trim(regexp_replace(regexp_replace(coalesce(reason, ''), '\\b[0-9a-f]{16}\\b', '<doc>', 'g'), "
    "'\\s*\\([^)]*\\)', '', 'g'))"
)
FUNNEL_SQL = (
    f"SELECT stage, status, {REASON_CLASS} AS reason, count(*) AS n FROM documents "
    "WHERE status <> 'kept' GROUP BY ALL ORDER BY stage, n DESC, reason"
)
STATUS_SQL = "SELECT status, count(*) AS n FROM documents GROUP BY 1 ORDER BY 1"
STAGE_ORDER_SQL = "SELECT stage FROM decisions GROUP BY stage ORDER BY min(phase), min(seq), stage"
SOURCES_SQL = (
    "SELECT source, count(*) AS n FROM documents WHERE status = 'kept' GROUP BY 1 ORDER BY n DESC, 1"
)
DOMAINS_SQL = (
    "SELECT regexp_extract(url, '^[a-z]+://([^/:?#]+)', 1) AS domain, count(*) AS n FROM documents "
    "WHERE status = 'kept' GROUP BY 1 ORDER BY n DESC, 1 LIMIT 20"
)
LANGUAGES_SQL = (
    "SELECT a.language, count(*) AS n FROM attributes_langid_v1 a JOIN documents d USING (doc_id) "
    "WHERE d.status = 'kept' GROUP BY 1 ORDER BY n DESC, 1"
)
MIX_TOKENS_SQL = (
    'SELECT source, sum("end" - start) AS tokens, count(DISTINCT doc_id) AS documents, count(*) AS items '
    "FROM tokens GROUP BY 1 ORDER BY 1"
)
DEDUP_SQL = (
    "SELECT method, cluster_size, count(DISTINCT cluster_id) AS clusters, count(*) AS documents "
    "FROM dedup GROUP BY 1, 2 ORDER BY 1, 2"
)
_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
            "UBIGINT", "FLOAT", "DOUBLE", "REAL")  # fmt: skip
_OPS = ("eq", "ne", "lt", "le", "gt", "ge", "in", "not_in")


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cur = con.execute(sql)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def _views(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


def funnel(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    status = {r["status"]: int(r["n"]) for r in _rows(con, STATUS_SQL)}
    total = sum(status.values())
    order = [r["stage"] for r in _rows(con, STAGE_ORDER_SQL)] if "decisions" in _views(con) else []
    by_stage: dict[str, dict[str, Any]] = {}
    for r in _rows(con, FUNNEL_SQL):
        s = by_stage.setdefault(r["stage"], {"stage": r["stage"], "dropped": 0, "error": 0, "reasons": []})
        s[r["status"]] = s.get(r["status"], 0) + int(r["n"])
        s["reasons"].append({"status": r["status"], "reason": r["reason"], "n": int(r["n"])})
    empty = {"dropped": 0, "error": 0, "reasons": []}
    stages = [by_stage.pop(s) if s in by_stage else {"stage": s, **empty, "reasons": []} for s in order]
    stages = sorted(by_stage.values(), key=lambda s: s["stage"]) + stages  # e.g. reader errors first
    remaining = total
    for s in stages:
        remaining -= s["dropped"] + s["error"]
        s["remaining"] = remaining
    return {"input": total, "kept": status.get("kept", 0), "dropped": status.get("dropped", 0),
            "error": status.get("error", 0), "stages": stages,
            "sql": {"status": STATUS_SQL, "reasons": FUNNEL_SQL}}  # fmt: skip


def composition(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    views = _views(con)
    out: dict[str, Any] = {
        "sources": _rows(con, SOURCES_SQL),
        "domains": _rows(con, DOMAINS_SQL),
        "sql": {"sources": SOURCES_SQL, "domains": DOMAINS_SQL},
    }
    if "attributes_langid_v1" in views:
        out["languages"] = _rows(con, LANGUAGES_SQL)
        out["sql"]["languages"] = LANGUAGES_SQL
    if "tokens" in views:
        out["mix_tokens"] = [{**r, "tokens": int(r["tokens"])} for r in _rows(con, MIX_TOKENS_SQL)]
        out["sql"]["mix_tokens"] = MIX_TOKENS_SQL
    return out


def _leaves(rule: Any) -> list[dict[str, Any]]:
    if not isinstance(rule, dict):
        return []
    for key in ("all", "any"):
        if key in rule:
            return [leaf for r in rule[key] for leaf in _leaves(r)]
    if "not" in rule:
        return _leaves(rule["not"])
    return [rule] if "attr" in rule else []


def thresholds(mix_json: dict[str, Any] | None) -> dict[str, list[dict[str, Any]]]:
    """`tagger.column` -> the mix rules comparing it to a value (shown on its distribution)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for src in (mix_json or {}).get("sources", []):
        for leaf in _leaves(src.get("where")):
            for op in _OPS:
                if op in leaf:
                    out.setdefault(leaf["attr"], []).append(
                        {"source": src["name"], "op": op, "value": leaf[op]}
                    )
    return out


def tag_distributions(
    con: duckdb.DuckDBPyConnection, rules: dict[str, list[dict]], bins: int = 20
) -> list[dict]:
    """Per attribute column over kept documents: a histogram (numeric) or value counts (text/bool)."""
    out = []
    for view in sorted(v for v in _views(con) if v.startswith("attributes_")):
        tagger = view.removeprefix("attributes_")
        for col, typ, *_ in con.execute(f'DESCRIBE "{view}"').fetchall():
            if col == "doc_id" or not (typ in _NUMERIC or typ in ("VARCHAR", "BOOLEAN")):
                continue
            sql = (f'SELECT a."{col}" AS v FROM "{view}" a JOIN documents d USING (doc_id) '
                   "WHERE d.status = 'kept'")  # fmt: skip
            vals = [r[0] for r in con.execute(sql).fetchall()]
            present = [v for v in vals if v is not None]
            entry: dict[str, Any] = {"tag": f"{tagger}.{col}", "n": len(vals), "null": len(vals) - len(present),
                                     "thresholds": rules.get(f"{tagger}.{col}", [])}  # fmt: skip
            if typ in _NUMERIC:
                arr = np.asarray(present, dtype=np.float64)
                arr = arr[np.isfinite(arr)]
                if len(arr):
                    counts, edges = np.histogram(arr, bins=bins)
                    entry.update(kind="numeric", min=float(arr.min()), max=float(arr.max()),
                                 median=float(np.median(arr)), edges=edges.tolist(), counts=counts.tolist())  # fmt: skip
                else:
                    entry.update(kind="numeric", edges=[], counts=[])
            else:
                counts_by: dict[str, int] = {}
                for v in present:
                    key = str(v).lower() if isinstance(v, bool) else str(v)  # SQL spells booleans true/false
                    counts_by[key] = counts_by.get(key, 0) + 1
                top = sorted(counts_by.items(), key=lambda kv: (-kv[1], kv[0]))
                entry.update(kind="categorical", values=[{"value": k, "n": n} for k, n in top[:15]],
                             distinct=len(top))  # fmt: skip
            out.append(entry)
    return out


def dedup_sizes(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    if "dedup" not in _views(con):
        return []
    methods: dict[str, dict[str, Any]] = {}
    for r in _rows(con, DEDUP_SQL):
        m = methods.setdefault(r["method"], {"method": r["method"], "sizes": [], "sql": DEDUP_SQL})
        m["sizes"].append({"size": int(r["cluster_size"]), "clusters": int(r["clusters"]),
                           "documents": int(r["documents"])})  # fmt: skip
    return list(methods.values())


def training(train_dir: str | Path) -> dict[str, Any]:
    from dolmalike.audit.spike_rule import SpikeRule, find_spikes
    from dolmalike.audit.spikes import loss_curve
    from dolmalike.train.metrics import read_log
    from dolmalike.train.traindir import TrainLayout, load_info

    info = load_info(train_dir)
    curve = loss_curve(train_dir)
    rule = SpikeRule()
    val = [
        [int(r["step"]), float(r["val_loss"])]
        for r in read_log(TrainLayout.of(train_dir).log)
        if "val_loss" in r
    ]
    ev = TrainLayout.of(train_dir).eval
    return {
        "train_dir": str(train_dir),
        "config": {
            k: info["config"][k]
            for k in ("seq_len", "batch_size", "seed", "max_steps", "lr", "n_layer", "d_model")
        },  # fmt: skip
        "n_params": info.get("n_params"),
        "curve": [[s, v] for s, v in curve],
        "val": val,
        "rule": rule.to_dict(),
        "spikes": [{"step": s.step, "loss": s.loss, "score": s.score} for s in find_spikes(curve, rule)],
        "eval": json.loads(ev.read_text()) if ev.is_file() else None,
    }


def collect(run_dir: str | Path, train_dir: str | Path | None = None) -> dict[str, Any]:
    run = Path(run_dir)
    if not (run / "manifests" / "documents").is_dir():
        raise DolmalikeError(f"{run} is not a RUN_DIR (no manifests/documents)")
    con = connect_any(run)
    mix_dir = next((d for d in manifest_dirs(run) if (d / "mix.json").is_file()), None)
    mix_json = json.loads((mix_dir / "mix.json").read_text()) if mix_dir else None
    spec = (
        json.loads((run / "spec.resolved.json").read_text()) if (run / "spec.resolved.json").is_file() else {}
    )
    receipt = json.loads((run / "receipt.json").read_text()) if (run / "receipt.json").is_file() else {}
    data = {
        "name": spec.get("config", {}).get("name") or run.name,
        "run_dir": str(run.resolve()),
        "config_hash": spec.get("config_hash") or receipt.get("config_hash"),
        "seed": receipt.get("seed"),
        "inputs": receipt.get("inputs", []),
        "packages": receipt.get("packages", {}),
        "stages": [s["name"] for s in spec.get("config", {}).get("stages", [])]
        + [s["name"] for s in spec.get("config", {}).get("global_steps", [])],
        "mix": {
            "dir": str(mix_dir),
            "sources": (mix_json or {}).get("sources", []),
            "report": (mix_json or {}).get("report"),
            "tokenizer": (mix_json or {}).get("tokenizer"),
        }
        if mix_dir
        else None,  # fmt: skip
        "funnel": funnel(con),
        "composition": composition(con),
        "tags": tag_distributions(con, thresholds(mix_json)),
        "dedup": dedup_sizes(con),
        "training": training(train_dir) if train_dir else None,
    }
    return data
