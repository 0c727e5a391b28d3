import numpy as np
from datasketch import MinHash

from dolmalike.dedup.evaluate import shingle_set
from dolmalike.dedup.minhash import EMPTY_VALUE, MinHasher, estimate_jaccard
from dolmalike.dedup.shingles import exact_jaccard, shingle_hashes
from dolmalike.synth.rng import Rng


def test_signature_is_a_min_over_the_set():
    """MinHash's defining properties: the signature of a union is the entrywise min of the
    parts' signatures, and neither order nor repeats change it."""
    hasher = MinHasher(num_perm=112, seed=3)
    a = shingle_hashes(" ".join(f"w{k}" for k in range(300)))
    b = shingle_hashes(" ".join(f"v{k}" for k in range(200)))
    both = hasher.signature(np.concatenate((a, b)))
    assert np.array_equal(both, np.minimum(hasher.signature(a), hasher.signature(b)))
    assert np.array_equal(hasher.signature(np.concatenate((b[::-1], a, a))), both)
    assert np.all(both < 2**32) and len(np.unique(both)) > 100  # 112 different permutations


def test_batched_rows_match_one_at_a_time():
    hasher = MinHasher(num_perm=16, seed=2)
    sets = [shingle_hashes("a b c d e f g"), np.zeros(0, np.uint64), shingle_hashes("x y z")]
    rows = hasher.signatures(sets)
    for k, s in enumerate(sets):
        assert np.array_equal(rows[k], hasher.signature(s))
    assert np.all(rows[1] == EMPTY_VALUE) and not np.any(rows[[0, 2]] == EMPTY_VALUE)
    assert hasher.signatures([]).shape == (0, 16)


def test_seeded_and_empty():
    s = shingle_hashes("a b c d e f g h")
    assert np.array_equal(MinHasher(112, 5).signature(s), MinHasher(112, 5).signature(s))
    assert not np.array_equal(MinHasher(112, 5).signature(s), MinHasher(112, 6).signature(s))
    empty = MinHasher(112, 5).signature(np.zeros(0, np.uint64))
    assert np.all(empty == EMPTY_VALUE)
    assert estimate_jaccard(empty, empty) == 0.0


def _edit(text: str, rng: Rng, edits: int) -> str:
    tokens = text.split()
    for pos in rng.sample(range(len(tokens)), edits):
        tokens[pos] = f"edit{rng.below(10**6)}"
    return " ".join(tokens)


def test_estimates_agree_with_datasketch(real_texts):
    """Same estimator, different permutations: both must be unbiased for the exact Jaccard and
    have the binomial spread sqrt(J(1-J)/num_perm)."""
    rng = Rng(11, "pairs")
    hasher = MinHasher(num_perm=112, seed=1)
    ours, theirs, truth = [], [], []
    for k, text in enumerate(real_texts[:60]):
        other = _edit(text, rng, 1 + rng.below(max(2, len(text.split()) // 8)))
        sets = [shingle_set(text), shingle_set(other)]
        truth.append(len(sets[0] & sets[1]) / len(sets[0] | sets[1]))
        assert abs(truth[-1] - exact_jaccard(shingle_hashes(text), shingle_hashes(other))) < 1e-12
        ours.append(
            estimate_jaccard(hasher.signature(shingle_hashes(text)), hasher.signature(shingle_hashes(other)))
        )
        ms = []
        for s in sets:
            m = MinHash(num_perm=112, seed=k)
            m.update_batch([" ".join(g).encode() for g in s])
            ms.append(m)
        theirs.append(ms[0].jaccard(ms[1]))
    ours, theirs, truth = map(np.array, (ours, theirs, truth))
    assert 0.3 < truth.mean() < 0.95 and truth.std() > 0.05  # a real spread of similarities
    sd = np.sqrt(truth * (1 - truth) / 112).mean()
    n = len(truth)
    # bias within 3 standard errors of the mean, for both implementations
    assert abs((ours - truth).mean()) < 3 * sd / np.sqrt(n) + 1e-3
    assert abs((theirs - truth).mean()) < 3 * sd / np.sqrt(n) + 1e-3
    # spread: RMS error close to the binomial prediction, and comparable between the two
    rms_ours, rms_theirs = np.sqrt(((ours - truth) ** 2).mean()), np.sqrt(((theirs - truth) ** 2).mean())
    assert rms_ours < 1.5 * np.sqrt((truth * (1 - truth) / 112).mean())
    assert 0.5 < rms_ours / rms_theirs < 2.0
    assert np.corrcoef(ours, truth)[0, 1] > 0.95 and np.corrcoef(theirs, truth)[0, 1] > 0.95


def test_signatures_in_a_forked_child_after_the_parent_signed() -> None:
    # Regression: rensa's thread pool, started in the parent, deadlocked forked executor workers.
    import os
    import signal

    hasher = MinHasher(num_perm=16, seed=3)
    flat = np.arange(400_000, dtype=np.uint64)
    offsets = np.arange(0, 400_001, 500, dtype=np.int64)
    expected = hasher.signature_rows(flat, offsets)
    pid = os.fork()
    if pid == 0:
        signal.alarm(20)
        ok = np.array_equal(hasher.signature_rows(flat, offsets), expected)
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
