"""Which of a document's tags stand out against the distribution of the documents a run trained on.

Population: the distinct documents of the MIX_DIR's training `tokens` table (all rows of the
attribute table when the mix has no tokens manifest). A numeric tag stands out when the
document's mid-rank percentile is <= `tail` or >= 1 - `tail`; a categorical (text / boolean) tag
when fewer than `rare` of the population share its value. Span-list and nested columns are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

_NUMERIC = re.compile(r"^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|FLOAT|DOUBLE|REAL|DECIMAL.*)$")
_CATEGORICAL = ("VARCHAR", "BOOLEAN")


@dataclass(frozen=True)
class StandoutRule:
    tail: float = 0.05
    rare: float = 0.05


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class TagDistribution:
    """The run's attribute columns, loaded once per column, queried per document."""

    def __init__(self, run_dir: str | Path, mix_dir: str | Path | None, rule: StandoutRule) -> None:
        from dolmalike.manifests.query import connect

        self.rule = rule
        dirs = [run_dir] + ([mix_dir] if mix_dir and (Path(mix_dir) / "manifests").is_dir() else [])
        self.con = connect(*dirs)
        names = {
            r[0] for r in self.con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        }
        pop = "SELECT DISTINCT doc_id FROM tokens" if "tokens" in names else None
        self.columns: list[tuple[str, str, str]] = []  # (view, column, kind)
        for view in sorted(n for n in names if n.startswith("attributes_")):
            for col, typ, *_ in self.con.execute(f"DESCRIBE {_q(view)}").fetchall():
                kind = "num" if _NUMERIC.match(typ) else "cat" if typ in _CATEGORICAL else None
                if col != "doc_id" and kind:
                    self.columns.append((view, col, kind))
        self._pop = pop
        self._cache: dict[tuple[str, str], Any] = {}

    def _population(self, view: str, col: str) -> Any:
        key = (view, col)
        if key not in self._cache:
            where = f" WHERE doc_id IN ({self._pop})" if self._pop else ""
            sql = f"SELECT {_q(col)} FROM {_q(view)}{where}"
            vals = [r[0] for r in self.con.execute(sql).fetchall()]
            kind = next(k for v, c, k in self.columns if (v, c) == key)
            if kind == "num":
                self._cache[key] = np.sort(np.array([v for v in vals if v is not None], dtype=np.float64))
            else:
                counts: dict[Any, int] = {}
                for v in vals:
                    counts[v] = counts.get(v, 0) + 1
                self._cache[key] = (counts, len(vals))
        return self._cache[key]

    def standout(self, doc_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        """doc_id -> tags that stand out, most extreme first."""
        out: dict[str, list[dict[str, Any]]] = {d: [] for d in doc_ids}
        for view, col, kind in self.columns:
            rows = self.con.execute(
                f"SELECT doc_id, {_q(col)} FROM {_q(view)} WHERE doc_id IN (SELECT unnest(?))", [doc_ids]
            ).fetchall()
            pop = self._population(view, col)
            tag = f"{view.removeprefix('attributes_')}.{col}"
            for doc_id, value in rows:
                if value is None:
                    continue
                if kind == "num":
                    if not len(pop):
                        continue
                    lo = np.searchsorted(pop, value, side="left")
                    hi = np.searchsorted(pop, value, side="right")
                    pct = float((lo + hi) / 2 / len(pop))
                    if pct <= self.rule.tail or pct >= 1 - self.rule.tail:
                        out[doc_id].append({"tag": tag, "value": value, "percentile": round(pct, 4),
                                            "extremeness": min(pct, 1 - pct)})  # fmt: skip
                else:
                    counts, n = pop
                    share = counts.get(value, 0) / max(1, n)
                    if share < self.rule.rare:
                        out[doc_id].append({"tag": tag, "value": value, "share": round(share, 4),
                                            "extremeness": share / 2})  # fmt: skip
        for tags in out.values():
            tags.sort(key=lambda t: (t["extremeness"], t["tag"]))
            for t in tags:
                del t["extremeness"]
        return out
