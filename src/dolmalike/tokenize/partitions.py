"""Tokenize the candidates of every partition (in parallel via run_tasks when workers > 1), with a cache.

The cache lives in MIX_DIR/work/tokens/. A partition is redone only when its key changes: the
key covers the tokenizer's sha256, the docs file's name and sha256 and the wanted doc_ids, so a
resumed or repeated build reuses finished partitions and a changed spec/tokenizer does not.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from dolmalike.core.envvars import scoped_env
from dolmalike.core.errors import DolmalikeError
from dolmalike.core.hashing import sha256_file
from dolmalike.exec.executor import ExecConfig, run_tasks
from dolmalike.io.atomic import atomic_write_parquet
from dolmalike.manifests.layout import RunLayout
from dolmalike.tokenize.docfiles import docs_file
from dolmalike.tokenize.encode import PartitionTokens, tokenize_partition
from dolmalike.tokenize.tokenizer import TokenizerInfo

STEP = "tokenize"


def _key(tok: TokenizerInfo, docs: Path, wanted: Sequence[str]) -> str:
    # Content, not path or mtime: the same run built in two directories (or copied) gives the same
    # key bytes, and a rewritten file with other content is redone even if its mtime is unchanged.
    h = hashlib.sha256()
    h.update(f"{tok.sha256}|{tok.vocab_size}|{tok.dtype.str}|{docs.name}|{sha256_file(str(docs))}\n".encode())
    for d in wanted:
        h.update(d.encode() + b"\n")
    return h.hexdigest()


def tokenize_candidates(
    run_dir: Path, work_root: Path, wanted: Mapping[str, Sequence[str]], tok: TokenizerInfo, workers: int = 1
) -> dict[str, PartitionTokens]:
    """Tokenize `wanted[partition]` doc_ids of each partition; returns the opened work arrays."""
    work = work_root / "tokens"
    work.mkdir(parents=True, exist_ok=True)
    layout = RunLayout.of(work_root)
    partitions = sorted(wanted)
    keys = {}
    for p in partitions:
        docs = docs_file(run_dir, p)
        keys[p] = _key(tok, docs, wanted[p])
        key_file = work / f"{p}.key"
        if not (key_file.is_file() and key_file.read_text() == keys[p]):
            layout.marker(STEP, p).unlink(missing_ok=True)
            atomic_write_parquet(
                work / f"{p}.wanted.parquet", pa.table({"doc_id": pa.array(list(wanted[p]), pa.string())})
            )

    tokenizer_path, tokenizer_sha, vocab_size, dtype = tok.path, tok.sha256, tok.vocab_size, tok.dtype

    def run_one(partition: str) -> None:  # a plain closure over paths: cheap to copy/pickle per task
        ids = pq.read_table(work / f"{partition}.wanted.parquet")["doc_id"].combine_chunks()
        tokenize_partition(
            docs_file(run_dir, partition),
            ids,
            tokenizer_path,
            tokenizer_sha,
            vocab_size,
            dtype,
            work,
            partition,
            keys[partition],
        )

    # Forked workers cannot use the parent's tokenizers thread pool; saying so up front keeps
    # them quiet (each worker then tokenizes single-threaded, one partition per core).
    with scoped_env("TOKENIZERS_PARALLELISM", "false" if workers > 1 else None):
        run_tasks(layout, STEP, partitions, run_one, ExecConfig(kind="local", workers=workers))
    for p in partitions:  # a marker without a matching key would mean a stale or foreign cache
        if (work / f"{p}.key").read_text() != keys[p]:
            raise DolmalikeError(f"tokenize cache for partition {p!r} is stale; delete {work_root} and retry")
    return {p: PartitionTokens.open(work, p, dtype) for p in partitions}
