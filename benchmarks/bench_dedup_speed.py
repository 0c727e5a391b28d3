"""MinHash signature speed, text -> signature: dolmalike vs rensa and datasketch, same run.

    python benchmarks/bench_dedup_speed.py [--quick] [--docs N]

Every side starts from the document text and uses the same shingles (word 5-grams of
dolmalike.dedup.text.words) and 112 permutations (14 bands × 8 rows), in this one process on one
core; shingling is counted on every side. Peers, measured in the same run:
  rensa RMinHash.update       one RMinHash per document fed its 5-gram strings (rensa's README usage)
  rensa digest_matrix (bulk)  RMinHash.digest_matrix_from_token_sets over all documents' 5-grams
  datasketch update_batch     one MinHash per document, 5-gram bytes in one update_batch call
  datasketch update loop      one `update` call per shingle (datasketch's documented usage)
dolmalike runs as its SignatureTask does: batches of 2048 texts -> ngram_hash_rows (vectorized
word-hash n-grams) -> MinHasher.signature_rows (rensa over the flat hash buffer).
Printed per side: docs/s by wall and by CPU time (CPU is the robust one on a shared machine),
peak RSS of the section, and the ratios of dolmalike to each peer. Target: >= 1.0x rensa.
"""

from __future__ import annotations

import argparse

import numpy as np
from _dedup_common import synthetic_pages
from _measure import Measured, measure
from datasketch import MinHash
from rensa import RMinHash

from dolmalike.dedup.minhash import MinHasher
from dolmalike.dedup.shingles import ngram_hash_rows
from dolmalike.dedup.text import words

NUM_PERM = 112
BATCH = 2048  # SignatureTask's batch (iter_surviving_batches)


def _grams(text: str, n: int = 5) -> list[str]:
    w = words(text)
    if len(w) < n:
        return [" ".join(w)] if w else []
    return [" ".join(w[k : k + n]) for k in range(len(w) - n + 1)]


def ours(texts: list[str]) -> np.ndarray:
    hasher = MinHasher(NUM_PERM, seed=1)
    sigs = [
        hasher.signature_rows(*ngram_hash_rows(texts[k : k + BATCH], 5)) for k in range(0, len(texts), BATCH)
    ]
    return np.concatenate(sigs)


def rensa_update(texts: list[str]) -> None:
    for t in texts:
        m = RMinHash(num_perm=NUM_PERM, seed=1)
        m.update(_grams(t))
        m.digest()


def rensa_bulk(texts: list[str]) -> None:
    RMinHash.digest_matrix_from_token_sets([_grams(t) for t in texts], NUM_PERM, 1).to_rows()


def datasketch_batch(texts: list[str]) -> None:
    for t in texts:
        m = MinHash(num_perm=NUM_PERM, seed=1)
        m.update_batch([g.encode() for g in _grams(t)])


def datasketch_update(texts: list[str]) -> None:
    for t in texts:
        m = MinHash(num_perm=NUM_PERM, seed=1)
        for g in _grams(t):
            m.update(g.encode())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="600 documents (a few seconds)")
    ap.add_argument("--docs", type=int, default=None)
    ap.add_argument(
        "--repeats", type=int, default=3, help="best of N, interleaved (the update loop runs once)"
    )
    args = ap.parse_args()
    n = args.docs or (600 if args.quick else 4000)
    texts = [p.main_text for p in synthetic_pages(int(n * 1.2) + 50, seed=0)][:n]
    n_words = sum(len(words(t)) for t in texts) / len(texts)
    ours(texts[:20])  # warm-up (imports, allocator)
    sides = {
        "dolmalike (rensa over ngram_hash_rows)": ours,
        "rensa RMinHash.update": rensa_update,
        "rensa digest_matrix (bulk)": rensa_bulk,
        "datasketch update_batch": datasketch_batch,
    }
    got = {name: Measured() for name in sides}
    for _ in range(args.repeats):  # interleaved, so every side sees the same machine load
        for name, fn in sides.items():
            got[name] = got[name].best(measure(lambda fn=fn: fn(texts)))
    got["datasketch update loop"] = measure(lambda: datasketch_update(texts))

    print(f"documents: {len(texts)}  (mean {n_words:.0f} words), num_perm={NUM_PERM}, word 5-grams, one core")
    print(f"{'implementation':40s} {'docs/s wall':>12s} {'docs/s CPU':>11s} {'peak RSS MB':>12s}")
    for name, m in got.items():
        print(f"{name:40s} {len(texts) / m.wall:12.0f} {len(texts) / m.cpu:11.0f} {m.peak_mb:12.0f}")
    mine = got["dolmalike (rensa over ngram_hash_rows)"]
    for name, m in list(got.items())[1:]:
        print(f"dolmalike / {name:28s} wall {m.wall / mine.wall:5.2f}x   CPU {m.cpu / mine.cpu:5.2f}x")
    ok = all(got[k].cpu / mine.cpu >= 1.0 for k in ("rensa RMinHash.update", "rensa digest_matrix (bulk)"))
    print(f"target >= 1.0x rensa (CPU time): {'PASS' if ok else 'FAIL'}")


if __name__ == "__main__":
    main()
