"""The whole real-crawl pipeline (pipelines/commoncrawl.yaml) on the real samples replayed to
>= 100 MB of WARC: throughput, per-stage CPU share, lineage share, worker scaling, cost per TB.

    python benchmarks/bench_pipeline.py [--mb 100] [--files 4] [--quick] [--workdir DIR] [--skip-2-workers]

Input: the six WARC/WET files commoncrawl.yaml reads (../shared/data), replayed (_replay.py) into
--files large files: copies with rewritten record ids and `replay=k` URLs, record blocks byte-identical, so readers
see distinct documents, URL dedup keeps them and content/near-dup dedup removes the mirrored
copies, as on a crawl with many mirrors. Every stage of the spec runs: models, extract, C4
clean, the eight taggers, PII masking, URL/content/paragraph/MinHash dedup, mix + tokenize.

Runs, one after the other on the same input, each into a fresh RUN_DIR:
  1 worker   wall, CPU, peak RSS; a main-thread sampler (_sampler.py) attributes time to stages
             and to lineage (every manifest row built or written: decisions, attributes, record
             provenance, documents manifest, dedup manifests, sidecars, index, receipts)
  2 workers  the same spec, --workers 2: speed-up = wall(1) / wall(2)
Lineage overhead is the sampled lineage share, as a fraction of the time the run would take
without it (lineage / (1 − lineage)); it is an attribution inside one run, not a second run with
manifests off (there is no such switch: the manifests are the product). CPU-hours per TB of WARC
extrapolate run 1's CPU seconds linearly from the compressed WARC bytes read (also printed without
the model training's sampled share: it reads fixed files, so it does not grow with the crawl).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from _measure import children_peak_rss_mb, measure
from _replay import replay
from _sampler import StageSampler

from dolmalike.exec.executor import ExecConfig
from dolmalike.manifests.query import connect
from dolmalike.runner.pipeline import run_pipeline
from dolmalike.runner.spec import load_spec

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO / "pipelines" / "commoncrawl.yaml"


def _sources() -> list[Path]:
    return [Path(p) for p in load_spec(SPEC).inputs]


def _run(replayed: Path, out: Path, workers: int, sample: bool):
    spec = load_spec(SPEC, [str(replayed)])
    sampler = StageSampler()

    def go():
        if sample:
            with sampler:
                return run_pipeline(spec, out, ExecConfig(kind="local", workers=workers), force=True)
        return run_pipeline(spec, out, ExecConfig(kind="local", workers=workers), force=True)

    return measure(go), sampler


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=100.0, help="replay to at least this many MB of WARC (gzip)")
    ap.add_argument("--quick", action="store_true", help="10 MB (a couple of minutes)")
    ap.add_argument("--files", type=int, default=4, help="replayed WARC files (partitions), default 4")
    ap.add_argument("--workdir", type=Path, help="keep the replayed WARCs here and reuse them")
    ap.add_argument("--skip-2-workers", action="store_true", help="only the one-worker run")
    args = ap.parse_args()
    target_mb = 10.0 if args.quick else args.mb

    tmp = Path(tempfile.mkdtemp(prefix="bench_pipeline_"))
    try:
        replayed = args.workdir or tmp / "warc"
        files = replay(_sources(), replayed, int(target_mb * 1e6), int(target_mb * 1e6 / args.files))
        warc_bytes = sum(f.stat().st_size for f in files)
        one, sampler = _run(replayed, tmp / "run1", 1, sample=True)
        con = connect(one.result.run_dir)
        (records,) = con.execute("SELECT count(*) FROM documents").fetchone()
        (kept,) = con.execute("SELECT count(*) FROM documents WHERE status = 'kept'").fetchone()
        (text_mb,) = con.execute("SELECT coalesce(sum(n_chars), 0) / 1e6 FROM documents").fetchone()
        con.close()
        shutil.rmtree(tmp / "run1")
        two = None
        if not args.skip_2_workers:
            two, _ = _run(replayed, tmp / "run2", 2, sample=False)
            shutil.rmtree(tmp / "run2")

        mb = warc_bytes / 1e6
        shares = sampler.shares()
        lineage = shares.get("lineage", 0.0)
        cpu_h_tb = one.cpu / 3600 / (warc_bytes / 1e12)
        # model training reads fixed files, whatever the crawl's size: not part of the per-TB cost
        fixed = shares.get("train models", 0.0)
        marginal_h_tb = cpu_h_tb * (1 - fixed)
        print(f"input: {len(files)} replayed WARC/WET files, {mb:.1f} MB gzip; {records} records "
              f"({kept} kept docs), {text_mb:.1f} M chars kept; spec {SPEC.name}")  # fmt: skip
        print()
        print("| measure | value | target |")
        print("|---|---|---|")
        print(f"| 1 worker: wall / CPU | {one.wall:.1f} s / {one.cpu:.1f} s | |")
        print(f"| records/s (wall, 1 worker) | {records / one.wall:,.0f} | |")
        print(f"| WARC MB/s per core (MB / CPU s) | {mb / one.cpu:.2f} | |")
        print(f"| peak RSS, 1 worker | {one.peak_mb:,.0f} MB | |")
        print(f"| lineage share of run time (sampled) | {100 * lineage:.1f} % "
              f"(overhead {100 * lineage / max(1e-9, 1 - lineage):.1f} %) | ≤ 10 % |")  # fmt: skip
        if two is not None:
            print(f"| 2 workers: wall / CPU | {two.wall:.1f} s / {two.cpu:.1f} s | |")
            print(f"| speed-up 1 → 2 workers (wall) | {one.wall / two.wall:.2f}× | ≥ 1.8× |")
            print(f"| peak RSS, 2 workers (main / largest worker) | {two.peak_mb:,.0f} / "
                  f"{children_peak_rss_mb():,.0f} MB | |")  # fmt: skip
        print(f"| CPU-hours per TB of WARC (extrapolated) | {cpu_h_tb:.0f} "
              f"({marginal_h_tb:.0f} without the fixed model training) | ≤ 60 |")  # fmt: skip
        print()
        print("| stage (1 worker, share of sampled main-thread time) | share |")
        print("|---|---|")
        for name, share in shares.items():
            print(f"| {name} | {100 * share:.1f} % |")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
