"""Peak memory of near-dup dedup: dolmalike's sharded MinHash pipeline vs one in-memory
datasketch MinHashLSH index over the same documents.

    python benchmarks/bench_dedup_memory.py [--quick] [--docs N] [--partitions P] [--workdir DIR]

The parent writes the synthetic crawl as RUN_DIR/docs parts, then runs each side in its own
fresh subprocess, which reports its peak RSS: VmHWM from /proc/self/status, the high-water mark
of the process's own address space since exec. (getrusage(RUSAGE_SELF).ru_maxrss would not do:
Linux carries the parent's peak across fork+exec, so a child would report at least the parent's
size.) A third subprocess only imports the same modules: its peak is the interpreter + library
floor both sides pay. With --workdir the generated documents are kept and reused.

Baseline, measured in the same run: the usual single-process dedup loop: stream the documents
partition by partition, build a MinHash per document, query MinHashLSH(threshold 0.8, 14 bands
× 8 rows) for earlier near-dups, insert it, and union-find the matches. To compare index memory
rather than hashing speed, the baseline's MinHash objects are built from the same 112-value
signatures dolmalike computes (MinHash(hashvalues=..., scheme="legacy")).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _dedup_common import write_run
from _measure import peak_rss_mb

from dolmalike.manifests.layout import RunLayout

BANDS, ROWS = 14, 8


def child_imports(run_dir: Path, parts: list[str]) -> dict:
    import datasketch  # noqa: F401

    import dolmalike.dedup.steps  # noqa: F401
    from dolmalike.io.docstore import read_docs_table  # noqa: F401

    return {}


def child_ours(run_dir: Path, parts: list[str]) -> dict:
    from dolmalike.dedup.minhash_tasks import read_stats
    from dolmalike.dedup.steps import MinHashDedup
    from dolmalike.exec.executor import ExecConfig
    from dolmalike.manifests.layout import RunLayout

    layout = RunLayout.of(run_dir)
    t0 = time.perf_counter()
    MinHashDedup(bands=BANDS, rows=ROWS).run(layout, parts, 1, ExecConfig(workers=1))
    stats = read_stats(layout, "minhash_dedup")
    return {
        "seconds": time.perf_counter() - t0,
        "duplicates": stats["duplicates"],
        "clusters": stats["clusters"],
    }


def child_datasketch(run_dir: Path, parts: list[str]) -> dict:
    from datasketch import MinHash, MinHashLSH

    from dolmalike.dedup.minhash import MinHasher
    from dolmalike.dedup.shingles import shingle_hashes
    from dolmalike.dedup.unionfind import UnionFind
    from dolmalike.io.docstore import read_docs_table
    from dolmalike.manifests.layout import RunLayout

    layout = RunLayout.of(run_dir)
    hasher = MinHasher(BANDS * ROWS, seed=1)
    lsh = MinHashLSH(threshold=0.8, num_perm=BANDS * ROWS, params=(BANDS, ROWS))
    uf = UnionFind()
    t0 = time.perf_counter()
    n = 0
    for p in parts:
        table = read_docs_table(layout.doc_part(p), columns=["text"])
        for text in table["text"].to_pylist():
            sh = shingle_hashes(text or "")
            if len(sh) == 0:
                continue
            m = MinHash(num_perm=BANDS * ROWS, hashvalues=hasher.signature(sh), scheme="legacy")
            for other in lsh.query(m):
                uf.union(n, other)
            lsh.insert(n, m, check_duplication=False)
            n += 1
        del table
    roots = [uf.find(k) for k in list(uf.parent)]
    clusters = len(set(roots))
    duplicates = len(roots) - clusters
    return {"seconds": time.perf_counter() - t0, "duplicates": duplicates, "clusters": clusters}


CHILDREN = {"imports": child_imports, "ours": child_ours, "datasketch": child_datasketch}


def run_child(kind: str, run_dir: Path, parts: list[str]) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--workdir", str(run_dir), "--parts", ",".join(parts)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="6000 documents (well under a minute)")
    ap.add_argument("--docs", type=int, default=None, help="default 200000 (6000 with --quick)")
    ap.add_argument("--partitions", type=int, default=None, help="default 20 (4 with --quick)")
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    ap.add_argument("--parts", default="", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        result = CHILDREN[args.child](Path(args.workdir), args.parts.split(","))
        result["peak_rss_mb"] = peak_rss_mb()
        print(json.dumps(result))
        return
    n_docs = args.docs or (6_000 if args.quick else 200_000)
    n_parts = args.partitions or (4 if args.quick else 20)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(args.workdir or tmp) / f"dedup-mem-{n_docs}-{n_parts}"
        layout, parts = prepare(root, n_docs, n_parts)
        floor = run_child("imports", layout.root, parts)
        ours = run_child("ours", layout.root, parts)
        base = run_child("datasketch", layout.root, parts)
    print(f"{'process':40s} {'peak RSS MB':>11s} {'above floor':>11s} {'seconds':>8s} {'dups':>7s}")
    print(f"{'python + imports (floor)':40s} {floor['peak_rss_mb']:11.0f}")
    for name, r in (
        ("dolmalike sharded MinHash (workers=1)", ours),
        ("datasketch MinHashLSH in memory", base),
    ):
        net = r["peak_rss_mb"] - floor["peak_rss_mb"]
        print(f"{name:40s} {r['peak_rss_mb']:11.0f} {net:11.0f} {r['seconds']:8.1f} {r['duplicates']:7d}")
    ours_net = max(ours["peak_rss_mb"] - floor["peak_rss_mb"], 1.0)
    base_net = max(base["peak_rss_mb"] - floor["peak_rss_mb"], 1.0)
    print(f"peak RSS ratio datasketch/dolmalike: {base['peak_rss_mb'] / ours['peak_rss_mb']:.2f}x "
          f"(above the import floor: {base_net / ours_net:.1f}x)")  # fmt: skip


def prepare(root: Path, n_docs: int, n_parts: int) -> tuple[RunLayout, list[str]]:
    """Generate the documents once per (docs, partitions); clear earlier dedup outputs."""
    done = root / "generated.json"
    if done.exists():
        parts = json.loads(done.read_text())["partitions"]
        layout = RunLayout.of(root / "run")
        for d in ("work", "manifests", "_done", "logs"):
            shutil.rmtree(layout.root / d, ignore_errors=True)
        print(f"documents: reusing {root}")
        return layout, parts
    t0 = time.perf_counter()
    layout, parts, meta = write_run(root / "run", n_docs, seed=0, n_partitions=n_parts)
    print(f"documents: {len(meta)} with text (of {n_docs} pages) in {len(parts)} partitions "
          f"[generated in {time.perf_counter() - t0:.0f}s]")  # fmt: skip
    done.write_text(json.dumps({"partitions": parts, "documents": len(meta)}))
    return layout, parts


if __name__ == "__main__":
    main()
