"""Tagging throughput: our heuristic tagger set vs datatrove's C4 + Gopher filters.

    python benchmarks/bench_taggers.py [--quick] [--data ../shared/data] [--repeat 3]

Runs over the real Common Crawl documents of the shared data (727 Dolma-format pages, about
2.7 M characters in many languages). Ours: c4_v1 + gopher_quality_v1 + gopher_repetition_v1 +
pii_v1 + badwords_v1 (+ langid_v1 when dolmalike.taggers.langid is present), through
TaggerSet, the code path of `dolmalike tag` and the `tag` stage. Baseline, in the same run on
the same documents: datatrove's C4QualityFilter + GopherRepetitionFilter + GopherQualityFilter,
each applied to every document, with our regex word tokenizer, and again with datatrove's own
tokenizer for English (spaCy's blank "en" pipeline, no model download) when spaCy is installed.
Note the filters also stop at their first failing rule while our taggers compute every
sub-score. When the dolma toolkit's venv is there (.venv-dolma, `make dolma-venv`), its c4_v2 +
gopher_v1 + pii_regex_v2 taggers run on the same documents in a subprocess (_dolma_taggers.py).
Throughput is per core: CPU seconds of one process (best of --repeat, after one warm-up pass over
every document); peak RSS beside it.
Target: >= 6 MB/s per core for the whole default set, language ID included.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import importlib.util
import json
import subprocess
import tempfile
import time
from pathlib import Path

from _measure import Measured, measure
from datatrove.data import Document as DatatroveDoc
from datatrove.pipeline.filters import C4QualityFilter, GopherQualityFilter, GopherRepetitionFilter

from dolmalike.core.document import Document
from dolmalike.taggers.apply import TaggerSet
from dolmalike.taggers.registry import build_taggers
from dolmalike.taggers.text_utils import datatrove_word_tokenizer, pinned

REPO = Path(__file__).resolve().parents[1]
FILES = (
    "dolma/CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz",
    "dolma/cc_en_head/cc_en_head-0091.jsonl.gz",
    "dolma/cc_en_head/cc_en_head-0174.jsonl.gz",
    "dolma/sample/documents/000.json.gz",
)
OURS = ["c4_v1", "gopher_quality_v1", "gopher_repetition_v1", "pii_v1", "badwords_v1"]
DOLMA_PY = REPO / ".venv-dolma" / "bin" / "python"
DOLMA_TAGGERS = ["c4_v2", "gopher_v1", "pii_regex_v2"]


def load_texts(data: Path) -> list[str]:
    texts: list[str] = []
    for name in FILES:
        with gzip.open(data / name, "rt", encoding="utf-8") as f:
            texts += [json.loads(line)["text"] for line in f]
    return texts


def timed(fn) -> tuple[float, float]:  # noqa: ANN001
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.process_time() - c0, time.perf_counter() - w0


def run_ours(tagger_set: TaggerSet, texts: list[str], batch: int = 256) -> None:
    docs = [Document(doc_id=str(i), text=t) for i, t in enumerate(texts)]
    for i in range(0, len(docs), batch):
        tagger_set.predict(docs[i : i + batch])


def run_datatrove(filters: list, texts: list[str]) -> None:
    for i, t in enumerate(texts):
        for f in filters:
            f.filter(DatatroveDoc(text=t, id=str(i)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one repetition, no per-tagger breakdown")
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    repeat = 1 if args.quick else args.repeat

    texts = load_texts(args.data)
    n_bytes = sum(len(t.encode("utf-8")) for t in texts)
    names = list(OURS)
    try:
        import dolmalike.taggers.langid  # noqa: F401

        names.append("langid_v1")
        langid_note = "included"
    except ImportError:
        langid_note = "EXCLUDED (dolmalike.taggers.langid not found)"
    tagger_set = TaggerSet(build_taggers(names, plugin_dirs=()))
    tok = datatrove_word_tokenizer()
    filter_sets = {"our regex tokenizer": _filters(tok)}
    if importlib.util.find_spec("spacy") is not None:
        from datatrove.utils.word_tokenizers import load_word_tokenizer

        filter_sets["datatrove's spaCy 'en' tokenizer"] = _filters(load_word_tokenizer("en"))
    # Warm-up, one pass each over every document: models loaded, patterns compiled, lazy
    # per-code-point tables filled, so the timed passes see the steady state of a worker.
    run_ours(tagger_set, texts)
    for filters in filter_sets.values():
        run_datatrove(filters, texts)
    # As the pipeline's worker does once its stages are built (runner/partition.py), and only
    # once everything is loaded: the objects of spaCy's import left in the collected
    # generations made every full collection of the timed passes walk them (~5% of ours).
    gc.freeze()

    ours = Measured()
    base = dict.fromkeys(filter_sets, Measured())
    for _ in range(repeat):  # interleaved, so every side sees the same machine load
        ours = ours.best(measure(lambda: run_ours(tagger_set, texts)))
        for key, filters in filter_sets.items():
            base[key] = base[key].best(measure(lambda filters=filters: run_datatrove(filters, texts)))
    dolma = run_dolma(texts, repeat)

    mb = n_bytes / 1e6
    print(f"documents: {len(texts)}   text: {mb:.2f} MB UTF-8   repetitions: {repeat} (best)")
    print(f"{'tagger set':64s} {'MB/s/core':>9s} {'docs/s':>7s} {'CPU s':>6s} {'wall s':>6s} {'peak MB':>8s}")

    def row(name: str, cpu: float, wall: float, peak: float) -> None:
        print(f"{name:64s} {mb / cpu:9.2f} {len(texts) / cpu:7.0f} {cpu:6.2f} {wall:6.2f} {peak:8.0f}")

    row(f"dolmalike, {len(names)} taggers (langid {langid_note})", ours.cpu, ours.wall, ours.peak_mb)
    print(f"  {', '.join(names)}")
    for key, m in base.items():
        row(f"datatrove C4 + GopherRepetition + GopherQuality, {key}", m.cpu, m.wall, m.peak_mb)
    if dolma is not None:
        row(
            f"dolma 1.2.1 {' + '.join(DOLMA_TAGGERS)} (subprocess)",
            dolma["cpu"],
            dolma["wall"],
            dolma["peak_mb"],
        )
        print(
            "  per dolma tagger: "
            + ", ".join(f"{k} {mb / v:.2f} MB/s" for k, v in dolma["per_tagger_cpu"].items())
        )
    else:
        print(f"dolma toolkit: not run ({DOLMA_PY} not found; `make dolma-venv` builds it)")
    for key, m in base.items():
        print(f"ratio ours / datatrove ({key}): {m.cpu / ours.cpu:.2f}x")
    if dolma is not None:
        print(f"ratio ours / dolma {'+'.join(DOLMA_TAGGERS)}: {dolma['cpu'] / ours.cpu:.2f}x")
    verdict = "PASS" if mb / ours.cpu >= 6.0 else "FAIL"
    print(f"target >= 6 MB/s per core for the whole set: {mb / ours.cpu:.2f} ({verdict})")

    if not args.quick:
        print("\nper tagger, share of the set (in set order; shared splits are charged to the first user):")
        shares = in_set_shares(tagger_set, texts, repeat)
        for name, cpu in shares.items():
            print(f"  {name:22s} {mb / cpu:7.2f} MB/s   {cpu:.3f} s")
        print("\nper tagger, run alone (each splits the text itself, so these add up to more than the set):")
        for t in tagger_set.taggers:
            alone = TaggerSet([t])
            cpu = min(timed(lambda alone=alone: run_ours(alone, texts))[0] for _ in range(repeat))
            print(f"  {t.name:22s} {mb / cpu:7.2f} MB/s   {cpu:.3f} s")


def _filters(tok: object) -> list:
    return [
        C4QualityFilter(language=tok),
        GopherRepetitionFilter(language=tok),
        GopherQualityFilter(language=tok),
    ]


def run_dolma(texts: list[str], repeat: int) -> dict | None:
    """The dolma toolkit's taggers on the same texts, in its own venv; None when it is not built."""
    if not DOLMA_PY.is_file():
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", encoding="utf-8") as f:
        for t in texts:
            f.write(json.dumps({"text": t}) + "\n")
        f.flush()
        script = Path(__file__).with_name("_dolma_taggers.py")
        out = subprocess.run(
            [str(DOLMA_PY), str(script), f.name, str(repeat), *DOLMA_TAGGERS],
            check=True,
            capture_output=True,
            text=True,
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def in_set_shares(tagger_set: TaggerSet, texts: list[str], repeat: int, batch: int = 256) -> dict[str, float]:
    """CPU seconds of each tagger inside a TaggerSet-like pass (best of `repeat`)."""
    best = {t.name: float("inf") for t in tagger_set.taggers}
    docs = [Document(doc_id=str(i), text=t) for i, t in enumerate(texts)]
    for _ in range(repeat):
        spent = dict.fromkeys(best, 0.0)
        for i in range(0, len(docs), batch):
            chunk = docs[i : i + batch]
            with pinned([d.text for d in chunk]):
                for t in tagger_set.taggers:
                    c0 = time.process_time()
                    t.predict_batch(chunk)
                    spent[t.name] += time.process_time() - c0
        best = {k: min(v, spent[k]) for k, v in best.items()}
    return best


if __name__ == "__main__":
    try:
        main()
    finally:
        gc.unfreeze()  # let interpreter shutdown free what main() froze
