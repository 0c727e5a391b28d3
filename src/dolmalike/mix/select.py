"""Candidates: the kept documents some source admits, with their source and held-out flag."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np

from dolmalike.core.errors import DolmalikeError
from dolmalike.core.hashing import hash_unit
from dolmalike.manifests.duck import fetch_arrow
from dolmalike.mix.compile import CompiledMix


@dataclass
class Candidates:
    doc_id: list[str]  # sorted
    partition: list[str]
    src: np.ndarray  # int32 source index (first matching source in spec order)
    heldout: np.ndarray  # bool

    def __len__(self) -> int:
        return len(self.doc_id)

    def subset(self, mask: np.ndarray) -> Candidates:
        keep = np.flatnonzero(mask).tolist()
        return Candidates(
            [self.doc_id[i] for i in keep],
            [self.partition[i] for i in keep],
            self.src[mask],
            self.heldout[mask],
        )


def heldout_mask(seed: int, doc_ids: list[str], fraction: float) -> np.ndarray:
    """hash_unit(seed, doc_id, "heldout") < fraction. Salted, so the held-out set is independent
    of the hash(seed, doc_id) ranking used for down-sampling."""
    if fraction <= 0:
        return np.zeros(len(doc_ids), dtype=bool)
    return np.fromiter(
        (hash_unit(seed, d, "heldout") < fraction for d in doc_ids), dtype=bool, count=len(doc_ids)
    )


def select_candidates(
    con: duckdb.DuckDBPyConnection, compiled: CompiledMix, seed: int, heldout_fraction: float
) -> Candidates:
    try:
        table = fetch_arrow(con, compiled.query, compiled.params)
    except duckdb.Error as e:
        raise DolmalikeError(f"mix query failed: {str(e).splitlines()[0]}") from e
    doc_ids = table["doc_id"].to_pylist()
    return Candidates(
        doc_id=doc_ids,
        partition=table["partition"].to_pylist(),
        src=table["src"].to_numpy().astype(np.int32),
        heldout=heldout_mask(seed, doc_ids, heldout_fraction),
    )
