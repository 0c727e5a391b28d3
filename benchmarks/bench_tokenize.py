"""Tokenization throughput of `build_mix` (select + tokenize + shards + sidecars + manifests) vs raw
`tokenizers` encode_batch on the same texts, measured in the same run.

    python benchmarks/bench_tokenize.py [--quick] [--tokenizer PATH] [--workers N]

Corpus: the real Dolma CC sample in ../shared/data (697 docs, 2.5 M chars), copied N times under
distinct doc_ids into a RUN_DIR of 4 partitions. Target: mix throughput >= 0.8x raw encode_batch.
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import shutil
import tempfile
import time
from pathlib import Path

from tokenizers import Tokenizer

from dolmalike.core.document import Document
from dolmalike.core.hashing import doc_id_for
from dolmalike.core.schema import DOCUMENTS
from dolmalike.io.docstore import write_docs
from dolmalike.manifests.layout import RunLayout
from dolmalike.manifests.writer import write_rows
from dolmalike.runner.build_mix import build_mix

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
DOLMA = DATA / "dolma" / "CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz"
PARTITIONS = 4


def make_run(run_dir: Path, copies: int) -> list[str]:
    """RUN_DIR with `copies` x the Dolma sample; returns the texts in partition order."""
    base = [json.loads(line) for line in gzip.open(DOLMA, "rt", encoding="utf-8")]
    layout = RunLayout.of(run_dir)
    texts = []
    for p in range(PARTITIONS):
        part = f"part-{p}"
        docs = [
            Document(
                doc_id=doc_id_for(f"{c}/{r['id']}"),
                text=r["text"],
                url=r["metadata"]["url"],
                partition=part,
                ordinal=i,
            )  # fmt: skip
            for i, (c, r) in enumerate((c, r) for c in range(copies) for r in base[p::PARTITIONS])
        ]
        write_docs(layout.doc_part(part), docs)
        write_rows(layout.part("documents", part), DOCUMENTS,
                   [{**d.provenance(), "partition": part, "ordinal": d.ordinal, "status": "kept",
                     "n_chars": len(d.text)} for d in docs])  # fmt: skip
        texts += [d.text for d in docs]
    return texts


def cpu_seconds() -> float:
    """CPU time of this process (all threads) plus finished child processes (workers > 1)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small corpus (< 1 min)")
    ap.add_argument("--copies", type=int, help="copies of the 2.5 M-char sample (default 2 quick / 12 full)")
    ap.add_argument("--tokenizer", default=str(DATA / "tokenizers" / "gpt2.json"))
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3, help="take the best of N timings each")
    args = ap.parse_args()
    copies = args.copies or (2 if args.quick else 12)

    tmp = Path(tempfile.mkdtemp(prefix="bench_tokenize_"))
    try:
        texts = make_run(tmp / "run", copies)
        n_chars = sum(map(len, texts))
        spec = tmp / "mix.yaml"
        spec.write_text(
            f"seed: 0\ntokenizer: {args.tokenizer}\nshard_tokens: 1048576\nsources: [{{name: all}}]\n"
        )
        tok = Tokenizer.from_file(args.tokenizer)

        # Interleaved and best-of-N, so both sides see the same machine load.
        raw = mix = raw_cpu = mix_cpu = float("inf")
        n_tokens = 0
        for i in range(args.repeats):
            t, c = time.perf_counter(), cpu_seconds()
            enc = tok.encode_batch(texts, add_special_tokens=False)
            raw, raw_cpu = min(raw, time.perf_counter() - t), min(raw_cpu, cpu_seconds() - c)
            n_tokens = sum(len(e.ids) for e in enc)
            del enc
            out = tmp / f"mix{i}"  # fresh MIX_DIR: nothing comes from the work/ cache
            t, c = time.perf_counter(), cpu_seconds()
            build_mix(tmp / "run", spec, out, workers=args.workers)
            mix, mix_cpu = min(mix, time.perf_counter() - t), min(mix_cpu, cpu_seconds() - c)
            meta = json.loads((out / "shards" / "meta.json").read_text())
            assert meta["total_tokens"] == n_tokens + len(texts), "mix and raw encode disagree on tokens"
            shutil.rmtree(out)

        ratio = raw / mix
        print(f"corpus: {len(texts)} docs, {n_chars / 1e6:.1f} M chars, {n_tokens / 1e6:.2f} M tokens "
              f"({Path(args.tokenizer).name}, workers={args.workers})")  # fmt: skip
        print(f"raw tokenizers encode_batch:         {raw:6.2f} s  {n_tokens / raw / 1e6:6.2f} M tokens/s")
        print(f"dolmalike mix (shards + sidecars):   {mix:6.2f} s  {n_tokens / mix / 1e6:6.2f} M tokens/s")
        print(
            f"CPU seconds (all threads + workers): raw {raw_cpu:.2f} s, mix {mix_cpu:.2f} s "
            f"-> CPU-time ratio {raw_cpu / mix_cpu:.2f}x (robust when the machine is shared)"
        )
        print(
            f"throughput ratio mix / raw: {ratio:.2f}x  (target >= 0.80x: {'PASS' if ratio >= 0.8 else 'FAIL'})"
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
