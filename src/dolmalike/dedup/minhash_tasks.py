"""The sharded MinHash pipeline, one picklable task class per sub-step.

  1. signatures (per partition)  docs -> sigs/<p>.npy, bands/<p>.npy (band-major), ids/<p>.parquet
  2. buckets    (per band)       all partitions' band-b hashes -> pairs/bNNN.npy
  3. merge      (one task)       unique pairs -> pairs/all.npy, candidates/<p>.npy
  4. shingles   (per partition)  shingle sets of candidate docs only (if verify)
  5. clusters   (one task)       verify pairs, connected components, verified stars (stars.py)
  6. filter     (per partition)  manifests/dedup/<step>/<p>.parquet + decisions

Memory per task: one partition (1, 4, 6); one band column of all docs, 16 bytes/doc (2);
the candidate pairs, 8 bytes each (3) plus their exact Jaccard (5), and in (5) ids of the docs
in any pair, with two shingle sets at a time read from disk. Documents are addressed by a global index, their
position in (sorted partition, surviving-row) order, so every output is independent of which
worker ran which task.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from dolmalike.core.schema import TIMESTAMP
from dolmalike.core.typedconfig import bounded
from dolmalike.dedup.lsh import MAX_DOCS, band_hashes, candidate_pairs, decode_pairs
from dolmalike.dedup.minhash import MinHasher, estimate_jaccard
from dolmalike.dedup.npyio import NpyReader, load_npy, save_npy
from dolmalike.dedup.results import Membership, cluster_id_for, keep_order, write_partition
from dolmalike.dedup.shingles import ngram_hash_rows, shingle_hashes
from dolmalike.dedup.stars import component_groups, star_clusters
from dolmalike.dedup.survivors import iter_surviving_batches
from dolmalike.dedup.unionfind import connected_components
from dolmalike.dedup.verify import ExactJaccard, ShingleStore, pair_jaccard
from dolmalike.io.atomic import atomic_write_json, atomic_write_parquet
from dolmalike.manifests.layout import RunLayout

# n_grams counts repeats (0 exactly when the document has no shingles)
IDS_SCHEMA = pa.schema([("doc_id", pa.string()), ("fetch_date", TIMESTAMP), ("n_grams", pa.int64())])
CLUSTERS_SCHEMA = pa.schema(
    [
        ("row", pa.int64()),
        ("doc_id", pa.string()),
        ("cluster_id", pa.string()),
        ("cluster_size", pa.int64()),
        ("representative_id", pa.string()),
        ("jaccard", pa.float64()),
    ]
)
_GATHER_CHUNK = 1 << 16


@dataclass(frozen=True)
class MinHashParams:
    ngram: int = bounded(5, ge=1)
    bands: int = bounded(14, ge=1)
    rows: int = bounded(8, ge=1)
    seed: int = bounded(1, ge=0)
    threshold: float = bounded(0.8, ge=0, le=1)
    verify: bool = True

    @property
    def num_perm(self) -> int:
        return self.bands * self.rows

    def band_keys(self) -> list[str]:
        return [f"b{b:03d}" for b in range(self.bands)]


@dataclass(frozen=True)
class MinHashWork:
    """Paths under RUN_DIR/work/<step>/."""

    root: Path

    def sigs(self, p: str) -> Path:
        return self.root / "sigs" / f"{p}.npy"

    def bands(self, p: str) -> Path:
        return self.root / "bands" / f"{p}.npy"

    def ids(self, p: str) -> Path:
        return self.root / "ids" / f"{p}.parquet"

    def band_pairs(self, key: str) -> Path:
        return self.root / "pairs" / f"{key}.npy"

    @property
    def all_pairs(self) -> Path:
        return self.root / "pairs" / "all.npy"

    def candidates(self, p: str) -> Path:
        return self.root / "candidates" / f"{p}.npy"

    def shingles(self, p: str) -> Path:
        return self.root / "shingles" / f"{p}.npy"

    def shingle_offsets(self, p: str) -> Path:
        return self.root / "shingles" / f"{p}.offsets.npy"

    def clusters(self, p: str) -> Path:
        return self.root / "clusters" / f"{p}.parquet"

    @property
    def stats(self) -> Path:
        return self.root / "stats.json"

    def offsets(self, partitions: list[str]) -> np.ndarray:
        """Global index of each partition's first document (len = #partitions + 1)."""
        counts = [pq.ParquetFile(self.ids(p)).metadata.num_rows for p in partitions]
        offsets = np.concatenate(([0], np.cumsum(counts, dtype=np.int64)))
        if offsets[-1] >= MAX_DOCS:
            raise ValueError(f"minhash dedup supports < {MAX_DOCS} documents per run")
        return offsets


@dataclass(frozen=True)
class _Task:
    layout: RunLayout
    step: str
    phase: int
    params: MinHashParams
    partitions: tuple[str, ...]

    @property
    def work(self) -> MinHashWork:
        return MinHashWork(self.layout.step_work(self.step))


class SignatureTask(_Task):
    def __call__(self, partition: str) -> None:
        hasher = MinHasher(self.params.num_perm, self.params.seed)
        columns = ["doc_id", "fetch_date", "text"]
        doc_ids: list[str] = []
        dates: list[pa.ChunkedArray] = []  # timestamps stay Arrow: no datetime objects per row
        sigs: list[np.ndarray] = []
        n_grams: list[np.ndarray] = []
        for batch in iter_surviving_batches(self.layout, partition, self.phase, columns):
            doc_ids += batch["doc_id"].to_pylist()
            dates.append(batch["fetch_date"])
            texts = [t or "" for t in batch["text"].to_pylist()]
            flat, offsets = ngram_hash_rows(texts, self.params.ngram)
            n_grams.append(np.diff(offsets))
            sigs.append(hasher.signature_rows(flat, offsets))
        sig = np.concatenate(sigs) if sigs else np.zeros((0, self.params.num_perm), dtype=np.uint64)
        save_npy(self.work.sigs(partition), sig)
        # stored band-major, (bands, n): the bucket task of band b then reads one contiguous row
        save_npy(self.work.bands(partition), band_hashes(sig, self.params.bands, self.params.rows).T)
        counts = np.concatenate(n_grams) if n_grams else np.zeros(0, dtype=np.int64)
        fetch = pa.chunked_array([c for d in dates for c in d.chunks], TIMESTAMP)
        ids = pa.table({"doc_id": doc_ids, "fetch_date": fetch, "n_grams": counts}, schema=IDS_SCHEMA)
        atomic_write_parquet(self.work.ids(partition), ids)


class BucketTask(_Task):
    """One band of every document, sorted by band hash: equal neighbours are candidates."""

    def __call__(self, key: str) -> None:
        band = int(key[1:])
        offsets = self.work.offsets(list(self.partitions))
        hashes, gidx = [], []
        for pi, p in enumerate(self.partitions):
            if offsets[pi + 1] == offsets[pi]:
                continue
            has_shingles = pq.read_table(self.work.ids(p), columns=["n_grams"])["n_grams"].to_numpy() > 0
            with NpyReader(self.work.bands(p)) as reader:
                column = reader.slice(band, band + 1)[0]
            hashes.append(column[has_shingles])
            gidx.append(np.flatnonzero(has_shingles) + offsets[pi])
        if hashes:
            pairs = candidate_pairs(np.concatenate(hashes), np.concatenate(gidx))
        else:
            pairs = np.zeros(0, dtype=np.uint64)
        save_npy(self.work.band_pairs(key), pairs)


class MergeTask(_Task):
    """Union of the bands' pairs, and per partition the rows that appear in any pair."""

    def __call__(self, key: str) -> None:
        parts = [load_npy(self.work.band_pairs(k)) for k in self.params.band_keys()]
        pairs = np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.uint64)
        save_npy(self.work.all_pairs, pairs)
        i, j = decode_pairs(pairs)
        nodes = np.unique(np.concatenate((i, j)))
        offsets = self.work.offsets(list(self.partitions))
        for pi, p in enumerate(self.partitions):
            lo, hi = np.searchsorted(nodes, [offsets[pi], offsets[pi + 1]])
            save_npy(self.work.candidates(p), nodes[lo:hi] - offsets[pi])


class ShingleTask(_Task):
    """Shingle sets of this partition's candidate documents, flat + offsets."""

    def __call__(self, partition: str) -> None:
        rows = load_npy(self.work.candidates(partition))
        sets: list[np.ndarray] = []
        if len(rows):
            start = 0
            for batch in iter_surviving_batches(self.layout, partition, self.phase, ["text"]):
                lo, hi = np.searchsorted(rows, [start, start + batch.num_rows])
                if hi > lo:
                    texts = batch["text"].take(pa.array(rows[lo:hi] - start)).to_pylist()
                    sets += [shingle_hashes(t or "", self.params.ngram) for t in texts]
                start += batch.num_rows
        offsets = np.zeros(len(sets) + 1, dtype=np.int64)
        np.cumsum([len(s) for s in sets], out=offsets[1:])
        flat = np.concatenate(sets) if sets else np.zeros(0, dtype=np.uint64)
        save_npy(self.work.shingles(partition), flat)
        save_npy(self.work.shingle_offsets(partition), offsets)


class ClusterTask(_Task):
    """Clusters from the candidate pairs.

    verify on: exact Jaccard of every candidate pair, connected components of the pairs at
    ≥ threshold, then each component split into verified stars (stars.py): every member's exact
    Jaccard to its representative is ≥ threshold. verify off: the components of all candidate
    pairs (pure LSH) with the keep-rule representative and signature-estimated Jaccard.
    """

    def __call__(self, key: str) -> None:
        partitions = list(self.partitions)
        offsets = self.work.offsets(partitions)
        pairs = load_npy(self.work.all_pairs)
        i, j = decode_pairs(pairs)
        stats: dict[str, object] = {"params": asdict(self.params), "candidate_pairs": len(pairs)}
        store = None
        if self.params.verify:
            store = ShingleStore(self.work, partitions, offsets)
            pair_values = pair_jaccard(store, i, j)
            ok = pair_values >= self.params.threshold
            stats["verified_pairs"] = int(ok.sum())
            nodes, labels = connected_components(i[ok], j[ok])
        else:
            nodes, labels = connected_components(i, j)
        part_of = np.searchsorted(offsets, nodes, side="right") - 1
        doc_ids, dates = self._node_ids(nodes, part_of, offsets)
        groups = component_groups(labels, [keep_order(f, d) for f, d in zip(dates, doc_ids)])
        # per node: its representative (node index) and Jaccard to it
        rep = np.arange(len(nodes), dtype=np.int64)
        jac = np.ones(len(nodes), dtype=np.float64)
        if store is not None:
            similarity = ExactJaccard(
                store, nodes, store.sizes(nodes), pairs, pair_values, self.params.threshold
            )
            for group in groups:
                for star in star_clusters(group, similarity, self.params.threshold):
                    rep[star.members] = star.center
                    jac[star.members] = star.jaccard
            store.close()
            stats["extra_jaccards"] = similarity.computed
        else:
            for group in groups:  # keep rule: the first in keep order represents the component
                rep[group] = group[0]
            jac = np.where(rep == np.arange(len(nodes)), 1.0, self._estimate(nodes, nodes[rep], offsets))
        _, inverse, counts = np.unique(rep, return_inverse=True, return_counts=True)
        size = counts[inverse]
        for pi, p in enumerate(partitions):
            # rows of multi-document clusters only: the filter treats everyone else as a singleton
            sel = np.flatnonzero((part_of == pi) & (size > 1))
            reps = [doc_ids[r] for r in rep[sel]]
            table = pa.table(
                {
                    "row": nodes[sel] - offsets[pi],
                    "doc_id": [doc_ids[k] for k in sel],
                    "cluster_id": [cluster_id_for(self.step, r) for r in reps],
                    "cluster_size": size[sel],
                    "representative_id": reps,
                    "jaccard": jac[sel],
                },
                schema=CLUSTERS_SCHEMA,
            )
            atomic_write_parquet(self.work.clusters(p), table)
        clusters = int(np.count_nonzero(counts > 1))
        clustered = int(counts[counts > 1].sum())
        stats.update(
            documents=int(offsets[-1]),
            components=len(groups),
            clusters=clusters,
            clustered_documents=clustered,
            duplicates=clustered - clusters,
            split_off=len(nodes) - clustered,  # component members left as singletons
        )
        atomic_write_json(self.work.stats, stats)

    def _node_ids(
        self, nodes: np.ndarray, part_of: np.ndarray, offsets: np.ndarray
    ) -> tuple[list[str], list[datetime | None]]:
        """doc_id and fetch_date of each node, read partition by partition."""
        doc_ids: list[str] = [""] * len(nodes)
        dates: list[datetime | None] = [None] * len(nodes)
        for pi, p in enumerate(self.partitions):
            sel = np.flatnonzero(part_of == pi)
            if len(sel) == 0:
                continue
            t = pq.read_table(self.work.ids(p), columns=["doc_id", "fetch_date"])
            t = t.take(pa.array(nodes[sel] - offsets[pi]))
            for k, d, f in zip(sel, t["doc_id"].to_pylist(), t["fetch_date"].to_pylist()):
                doc_ids[k], dates[k] = d, f
        return doc_ids, dates

    def _estimate(self, a: np.ndarray, b: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Signature-estimated Jaccard of docs a[k] and b[k], in chunks of rows."""
        out = np.empty(len(a), dtype=np.float64)
        for start in range(0, len(a), _GATHER_CHUNK):
            sa = self._gather(offsets, a[start : start + _GATHER_CHUNK])
            sb = self._gather(offsets, b[start : start + _GATHER_CHUNK])
            out[start : start + len(sa)] = estimate_jaccard(sa, sb)
        return out

    def _gather(self, offsets: np.ndarray, gidx: np.ndarray) -> np.ndarray:
        """Signature rows of global indices, read partition by partition."""
        part_of = np.searchsorted(offsets, gidx, side="right") - 1
        out = np.empty((len(gidx), self.params.num_perm), dtype=np.uint64)
        for pi in np.unique(part_of):
            sel = part_of == pi
            with NpyReader(self.work.sigs(self.partitions[pi])) as reader:
                out[sel] = reader.take(gidx[sel] - offsets[pi])
        return out


class FilterTask(_Task):
    def __call__(self, partition: str) -> None:
        doc_ids = pq.read_table(self.work.ids(partition), columns=["doc_id"])["doc_id"].to_pylist()
        clusters = pq.read_table(self.work.clusters(partition)).to_pylist()
        members = {
            r["doc_id"]: Membership(r["cluster_id"], r["cluster_size"], r["representative_id"], r["jaccard"])
            for r in clusters
        }
        write_partition(
            self.layout,
            self.step,
            "minhash",
            self.phase,
            partition,
            doc_ids,
            members,
            jaccard_exact=self.params.verify,
        )


def read_stats(layout: RunLayout, step: str) -> dict:
    return json.loads(MinHashWork(layout.step_work(step)).stats.read_text())
