"""Stable ids and hash-derived randomness.

Randomness comes from hashes of (seed, key), never from a shared RNG stream, so results
do not depend on processing order or on the number of workers.
"""

from __future__ import annotations

import hashlib

import xxhash

_U64 = float(2**64)


def doc_id_for(key: str) -> str:
    """16-hex-digit id derived from what a record *is* (e.g. its WARC-Record-ID)."""
    return xxhash.xxh64_hexdigest(key.encode("utf-8"))


def hash_u64(seed: int, *parts: object) -> int:
    h = xxhash.xxh64(seed=seed & 0xFFFFFFFFFFFFFFFF)
    for p in parts:
        h.update(str(p).encode("utf-8"))
        h.update(b"\x1f")  # separator so ("ab","c") != ("a","bc")
    return h.intdigest()


def hash_unit(seed: int, *parts: object) -> float:
    """Uniform float in [0, 1) from (seed, parts)."""
    return hash_u64(seed, *parts) / _U64


def derive_seed(root: int, name: str) -> int:
    """The seed of one named random choice ("minhash_dedup", "mix", "models.quality", ...) under a
    run's root seed: each name gets its own independent stream, and the root fixes them all.
    31 bits, so every consumer (numpy, xxhash, fastText's C int) takes it as is."""
    return hash_u64(root, "derive_seed", name) & 0x7FFFFFFF


def sha256_file(path: str, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()
