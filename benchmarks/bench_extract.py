"""WARC -> text throughput: dolmalike (fastwarc reader + Extract/resiliparse) vs datatrove
(WarcReader on warcio + Trafilatura extractor), on the same files in the same run.

    python benchmarks/bench_extract.py [--quick] [--synth-docs N] [--repeat K]

Inputs: the real shared WARCs (shared/data/commoncrawl, shared/data/warc_other), plus a
synthetic crawl from `dolmalike.synth.generator.generate_crawl` when it is importable (else the
real files are repeated). docs/s counts input records (WARC response records, as our reader
yields them), the same denominator for both sides; MB/s counts compressed input bytes.
Needs datatrove's reader extras: faust-cchardet and python-magic.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from pathlib import Path

from _measure import measure

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
REAL = sorted([*SHARED.glob("commoncrawl/*.warc.gz"), *SHARED.glob("warc_other/*.warc.gz")])


def prepare_inputs(work: Path, synth_docs: int, repeat: int) -> list[Path]:
    """A flat folder of WARC files (links to the real ones, plus a synthetic crawl)."""
    work.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    for k in range(repeat):
        for src in REAL:
            link = work / f"real{k}-{src.name}"
            os.symlink(src, link)
            files.append(link)
    try:
        from dolmalike.synth.generator import generate_crawl
    except ImportError:
        print("dolmalike.synth not available: real files only", file=sys.stderr)
        return files
    if synth_docs > 0:
        result = generate_crawl(work / "synth", synth_docs, seed=0, n_files=4)
        for p in result.warc_paths:
            link = work / f"synth-{p.name}"
            os.symlink(p, link)
            files.append(link)
    return sorted(files)


def run_dolmalike(files: list[Path]) -> tuple[int, int]:
    """(input records, kept documents)."""
    from dolmalike.readers.dispatch import open_reader
    from dolmalike.stages.base import StageContext
    from dolmalike.stages.extract import Extract

    stage = Extract("resiliparse")
    n_in = n_out = 0
    for path in files:
        ctx = StageContext(partition=path.name)
        docs = list(open_reader(str(path), path.name))
        n_in += len(docs)
        for _ in stage.run((d for d in docs if d.error is None), ctx):
            n_out += 1
    return n_in, n_out


def run_datatrove(folder: Path, files: list[Path]) -> int:
    """Kept documents (datatrove drops records it cannot decode or extract)."""
    from datatrove.pipeline.extractors import Trafilatura
    from datatrove.pipeline.readers import WarcReader

    reader = WarcReader(str(folder), paths_file=None, glob_pattern="*.warc.gz", recursive=False)
    return sum(1 for _ in Trafilatura().run(reader.run(rank=0, world_size=1)))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small input, well under a minute")
    ap.add_argument("--synth-docs", type=int, default=None, help="synthetic pages (default 300 quick / 3000)")
    ap.add_argument("--repeat", type=int, default=None, help="copies of the real files (default 1 quick / 3)")
    args = ap.parse_args()
    synth_docs = args.synth_docs if args.synth_docs is not None else (300 if args.quick else 3000)
    repeat = args.repeat if args.repeat is not None else (1 if args.quick else 3)

    from datatrove.utils.logging import logger as dt_logger

    dt_logger.remove()  # datatrove's per-file/per-doc logging is not part of the work measured
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)

    with tempfile.TemporaryDirectory(prefix="bench_extract_") as tmp:
        folder = Path(tmp) / "in"
        files = prepare_inputs(folder, synth_docs, repeat)
        mb = sum(p.stat().st_size for p in files) / 2**20
        # warm up imports and lazy initialisation on one small file, untimed
        run_dolmalike(files[:1])
        warm = Path(tmp) / "warm"
        warm.mkdir()
        os.symlink(files[0].resolve(), warm / files[0].name)
        run_datatrove(warm, [files[0]])

        ours = measure(lambda: run_dolmalike(files))
        base = measure(lambda: run_datatrove(folder, files))
    (n_in, n_ours), n_base = ours.result, base.result
    t_ours, t_base = ours.wall, base.wall

    ours_dps, base_dps = n_in / t_ours, n_in / t_base
    print(f"inputs: {len(files)} WARC files, {mb:.1f} MB compressed, {n_in} response records")
    print(
        f"{'pipeline':<44} {'seconds':>8} {'CPU s':>7} {'docs/s':>9} {'MB/s':>7} {'kept':>6} {'peak MB':>8}"
    )
    rows = [
        ("dolmalike fastwarc + Extract(resiliparse)", ours, n_ours),
        ("datatrove WarcReader + Trafilatura", base, n_base),
    ]
    for name, m, kept in rows:
        print(f"{name:<44} {m.wall:>8.2f} {m.cpu:>7.2f} {n_in / m.wall:>9.1f} {mb / m.wall:>7.2f} {kept:>6} "
              f"{m.peak_mb:>8.0f}")  # fmt: skip
    print(f"CPU-time ratio (robust on a shared machine): {base.cpu / ours.cpu:.2f}x")
    ratio = ours_dps / base_dps
    print(f"ratio (dolmalike / datatrove docs/s): {ratio:.2f}x  (target >= 3x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
