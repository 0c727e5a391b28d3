"""`trace` latency on a synthetic mix of 10 M documents / 10 B token positions, vs a naive DuckDB
range query over the whole `tokens` manifest joined to `documents`, measured in the same run.

    python benchmarks/bench_trace.py [--quick] [--docs N] [--queries Q]

No tokenization: the tokens manifest, shard sidecars, trace index, meta.json/mix.json and the
run's documents + one attributes table (1 part per input partition, like the runner writes them)
are generated directly, in chunks, with the project's own writers. Only the shard token arrays
are not written (trace without --text never reads them). Target: p50 <= 200 ms.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dolmalike.core.schema import DOCUMENTS, TIMESTAMP
from dolmalike.io.atomic import atomic_write_json, atomic_write_parquet
from dolmalike.lineage.mix import MixLineage, trace
from dolmalike.manifests.layout import RunLayout
from dolmalike.manifests.mix_layout import MixLayout, shard_name
from dolmalike.manifests.query import connect
from dolmalike.tokenize.sidecar import (
    sidecar_table,
    write_index,
    write_partitions,
    write_sidecar,
    write_tokens_part,
)

HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def hex_ids(rng: np.random.Generator, n: int, chunk: int = 1_000_000) -> pa.Array:
    """n random 16-hex-digit doc_ids as an Arrow string array, built without Python strings."""
    parts = []
    shifts = np.arange(60, -4, -4, dtype=np.uint64)
    for lo in range(0, n, chunk):
        m = min(chunk, n - lo)
        v = rng.integers(0, np.iinfo(np.uint64).max, m, dtype=np.uint64, endpoint=True)
        chars = HEX[((v[:, None] >> shifts) & np.uint64(0xF)).astype(np.uint8)]
        offsets = np.arange(0, 16 * (m + 1), 16, dtype=np.int32)
        parts.append(
            pa.Array.from_buffers(
                pa.string(), m, [None, pa.py_buffer(offsets), pa.py_buffer(chars.tobytes())]
            )
        )
    return pa.chunked_array(parts).combine_chunks()


def generate(
    root: Path, n_docs: int, avg_tokens: int, n_parts: int, shard_tokens: int, seed: int = 0
) -> dict:
    rng = np.random.default_rng(seed)
    run_dir, mix_dir = root / "run", root / "mix"
    layout, split = RunLayout.of(run_dir), MixLayout.of(mix_dir).train
    ids = hex_ids(rng, n_docs)
    lengths = rng.integers(1, 2 * avg_tokens, n_docs, dtype=np.int64)
    cum = np.concatenate([[0], np.cumsum(lengths + 1)])
    shard_of = cum[:-1] // shard_tokens  # a shard takes the docs starting in its range: none is split
    bounds = np.searchsorted(shard_of, np.arange(shard_of[-1] + 2))
    code = rng.integers(0, n_parts, n_docs, dtype=np.int32)
    partitions = [f"part-{p:05d}" for p in range(n_parts)]
    shards = []
    for k in range(len(bounds) - 1):
        lo, hi = int(bounds[k]), int(bounds[k + 1])
        start = cum[lo:hi] - cum[lo]
        end = start + lengths[lo:hi]
        table = sidecar_table(
            ids.slice(lo, hi - lo), start, end, np.zeros(hi - lo, np.int32), pa.array(["web"] * (hi - lo))
        )
        write_sidecar(split.sidecar(k), table)
        write_tokens_part(split.tokens_part(k), table, k)
        write_index(split.index_starts(k), split.index_parts(k), start, code[lo:hi])
        shards.append({"name": f"{shard_name(k)}.npy", "tokens": int(end[-1] + 1), "sha256": None})
    write_partitions(split.index_partitions, partitions)
    atomic_write_json(split.meta, {"dtype": "uint32", "vocab_size": 100278, "eos_id": 100257, "tokenizer": "none",
                                   "tokenizer_sha256": None, "shard_tokens": shard_tokens, "shards": shards})  # fmt: skip
    atomic_write_json(mix_dir / "mix.json", {"run_dir": str(run_dir), "seed": seed,
                                             "sources": [{"name": "web", "rule": "all kept documents"}]})  # fmt: skip
    # the run: documents + one tagger, one part per input partition, rows in input order
    order = np.argsort(code, kind="stable")
    part_bounds = np.searchsorted(code[order], np.arange(n_parts + 1))
    for p, name in enumerate(partitions):
        idx = pa.array(order[part_bounds[p] : part_bounds[p + 1]])
        pid = ids.take(idx)
        n = len(pid)
        ordinal = np.arange(n, dtype=np.int64)
        cols = {
            "doc_id": pid, "source": pa.array(["synthetic"] * n),
            "url": pc.binary_join_element_wise("https://example.org/doc/", pid, ""),
            "crawl": pa.array(["CC-MAIN-2024-22"] * n), "warc_path": pa.array([f"crawl/{name}.warc.gz"] * n),
            "warc_offset": ordinal * 4096, "warc_record_id": pc.binary_join_element_wise("<urn:uuid:", pid, ">", ""),
            "warc_payload_digest": pa.nulls(n, pa.string()), "fetch_date": pa.nulls(n, TIMESTAMP),
            "fetch_date_raw": pa.nulls(n, pa.string()),
            "partition": pa.array([name] * n), "ordinal": ordinal, "status": pa.array(["kept"] * n),
            "stage": pa.array(["extract"] * n), "reason": pa.nulls(n, pa.string()), "n_chars": ordinal * 0 + 1000,
        }  # fmt: skip
        atomic_write_parquet(layout.part("documents", name), pa.table(cols, schema=DOCUMENTS))
        lang = pa.array(np.where(rng.random(n) < 0.7, "en", "de"))
        atomic_write_parquet(layout.attributes_dir("langid_v1") / f"{name}.parquet",
                             pa.table({"doc_id": pid, "language": lang, "language_score": rng.random(n)}))  # fmt: skip
    return {"mix_dir": mix_dir, "run_dir": run_dir, "shards": shards, "tokens": int(cum[-1])}


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values) * 1000, q))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="1 M documents (< 1 min)")
    ap.add_argument("--docs", type=int, help="documents (default 10,000,000; quick 1,000,000)")
    ap.add_argument("--avg-tokens", type=int, default=1000)
    ap.add_argument("--docs-per-partition", type=int, default=10_000)
    ap.add_argument("--shard-tokens", type=int, default=1 << 27)
    ap.add_argument("--queries", type=int, help="random ranges to trace (default 200; quick 60)")
    ap.add_argument("--max-range", type=int, default=2048, help="longest traced range in tokens")
    ap.add_argument("--keep", help="write the synthetic mix here and keep it")
    args = ap.parse_args()
    n_docs = args.docs or (1_000_000 if args.quick else 10_000_000)
    n_queries = args.queries or (60 if args.quick else 200)

    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench_trace_"))
    try:
        t = time.perf_counter()
        gen = generate(
            root, n_docs, args.avg_tokens, max(1, n_docs // args.docs_per_partition), args.shard_tokens
        )
        print(f"generated {n_docs:,} docs / {gen['tokens'] / 1e9:.2f} B token positions in {len(gen['shards'])} "
              f"shards + {max(1, n_docs // args.docs_per_partition)} partitions in {time.perf_counter() - t:.1f} s")  # fmt: skip

        rng = np.random.default_rng(1)
        sizes = np.array([s["tokens"] for s in gen["shards"]], dtype=np.float64)
        queries = []
        for _ in range(n_queries):
            k = int(rng.choice(len(sizes), p=sizes / sizes.sum()))
            a = int(rng.integers(0, sizes[k] - 1))
            queries.append((k, a, int(min(sizes[k], a + rng.integers(1, args.max_range + 1)))))

        lat, n_hits = [], 0
        with MixLineage(gen["mix_dir"]) as tracer:
            tracer.trace(*queries[0])  # warm-up: imports, first file opens
            for q in queries:
                t = time.perf_counter()
                res = tracer.trace(*q)
                lat.append(time.perf_counter() - t)
                n_hits += len(res["documents"])
                assert all(d["provenance"]["url"] for d in res["documents"]), "provenance missing"
        cold = []
        for q in queries[:10]:  # one-shot trace() as the CLI does it: new connection, meta reads
            t = time.perf_counter()
            trace(gen["mix_dir"], *q)
            cold.append(time.perf_counter() - t)

        naive_sql = (
            'SELECT t.doc_id, t.start, t."end", d.url, d.warc_path, d.warc_offset, a.language FROM tokens t '
            "JOIN documents d USING (doc_id) LEFT JOIN attributes_langid_v1 a USING (doc_id) "
            'WHERE t.shard = ? AND t.start < ? AND t."end" + 1 > ?'
        )
        con = connect(gen["mix_dir"], gen["run_dir"])
        naive = []
        for k, a, b in queries[: 3 if args.quick else 5]:
            t = time.perf_counter()
            rows = con.execute(naive_sql, [k, b, a]).fetchall()
            naive.append(time.perf_counter() - t)
            assert len(rows) == len(trace(gen["mix_dir"], k, a, b)["documents"])

        p50, p95 = pct(lat, 50), pct(lat, 95)
        print(f"trace (MixLineage, warm): {len(lat)} ranges of 1..{args.max_range} tokens, {n_hits / len(lat):.1f} docs each: "
              f"p50 {p50:.1f} ms, p95 {p95:.1f} ms")  # fmt: skip
        print(f"trace() one-shot (as the CLI): p50 {pct(cold, 50):.1f} ms")
        print(f"naive DuckDB range query over the whole manifests: p50 {pct(naive, 50):.1f} ms")
        print(
            f"speedup vs naive: {pct(naive, 50) / p50:.1f}x   (target p50 <= 200 ms: {'PASS' if p50 <= 200 else 'FAIL'})"
        )
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
