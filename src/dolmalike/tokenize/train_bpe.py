"""The embedded default tokenizer: a byte-level BPE trained on the run's own kept documents.

No external file is needed. Training is deterministic for the same texts in the same order
(the `tokenizers` BPE trainer breaks count ties by pair order), and the texts are read in sorted
partition order, so the same run gives a byte-identical tokenizer.json.

Training reads at most `max_chars` of text (the mix spec's `tokenizer_train_chars`, 4 M
characters by default: plenty for a few thousand merges): past that, a document takes part when its doc_id, read as a 64-bit number, falls below
max_chars / (the kept documents' characters) of the id space. The sample is spread over every
partition, needs no random state, and keeps training a fixed cost however large the crawl (BPE
training on everything grew with the run: 18 % of a 100 MB crawl's CPU time).

Fallback: with no kept documents (or a tiny corpus) there is nothing to merge and the result is a
pure byte-level tokenizer: `<|endoftext|>` (id 0), `<|padding|>` (id 1) plus the 256 byte symbols,
which still encodes any text losslessly.

Threads: the `tokenizers` trainer counts and merges on its rayon pool, and the result does not
depend on the thread count (ties are broken by pair order, not by which thread finishes first), so
a pipeline with N workers trains on N threads: its other cores are idle at that point. The pool is
sized from RAYON_NUM_THREADS when `tokenizers` first uses it in a process; dedup/minhash.py sets
that to 1 for rensa at import, so training sets it for its own call (a pool already started keeps
its size: slower, never different).

`<|padding|>` is there for readers that need a pad id (OLMo-core's TokenizerConfig and collator pad
with it); the shards never contain it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

from dolmalike.core.envvars import scoped_env
from dolmalike.core.errors import DolmalikeError
from dolmalike.io.atomic import atomic_write_bytes
from dolmalike.io.docstore import read_docs_table
from dolmalike.manifests.duck import fetch_arrow
from dolmalike.manifests.query import connect
from dolmalike.tokenize.docfiles import docs_files

EOS = "<|endoftext|>"
PAD = "<|padding|>"
SPECIALS = (EOS, PAD)
_ID_SPACE = 1 << 64


def train_bpe(
    texts: Iterable[str | list[str]], vocab_size: int, min_frequency: int = 2, threads: int = 1
) -> Tokenizer:
    """Byte-level BPE with `<|endoftext|>` as id 0 and `<|padding|>` as id 1; `texts` may yield strings
    or batches of strings. `threads` only changes the speed (module docstring)."""
    if vocab_size < 256 + len(SPECIALS):
        raise DolmalikeError(
            f"vocab size must be >= {256 + len(SPECIALS)} (256 bytes + {', '.join(SPECIALS)}), got {vocab_size}"
        )
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=list(SPECIALS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    # more threads than cores would only oversubscribe (a cluster run's `workers` is the cluster's)
    threads = max(1, min(threads, os.cpu_count() or 1))
    with scoped_env("RAYON_NUM_THREADS", str(threads)):
        tok.train_from_iterator(texts, trainer=trainer)
    return tok


def kept_text_batches(run_dir: str | Path, max_chars: int | None = None) -> Iterator[list[str]]:
    """Texts of the run's kept documents, one batch per partition, in sorted partition order;
    with `max_chars`, the doc_id-hash sample of about that many characters (module docstring)."""
    try:
        kept = fetch_arrow(connect(run_dir), "SELECT doc_id, n_chars FROM documents WHERE status = 'kept'")
    except duckdb.Error as e:
        raise DolmalikeError(
            f"{run_dir}: cannot read the documents manifest ({str(e).splitlines()[0]})"
        ) from e
    if not kept.num_rows:
        return
    ids = kept.column("doc_id").to_pylist()
    total = sum(n or 0 for n in kept.column("n_chars").to_pylist())
    if max_chars is not None and total > max_chars:
        below = max_chars * _ID_SPACE // total
        ids = [d for d in ids if int(d, 16) < below]
    kept_ids = pa.array(ids, pa.string())
    for path in docs_files(run_dir).values():
        table = read_docs_table(path, columns=["doc_id", "text"])
        table = table.filter(pc.is_in(table["doc_id"], value_set=kept_ids))
        yield [t or "" for t in table["text"].to_pylist()]


def train_on_run(
    run_dir: str | Path, vocab_size: int, out: str | Path, max_chars: int | None, threads: int = 1
) -> Path:
    """Train the default tokenizer on RUN_DIR's kept docs (at most about `max_chars` of their
    text; None: all of it) and write it (atomically) to `out`."""
    tok = train_bpe(kept_text_batches(run_dir, max_chars), vocab_size, threads=threads)
    out = Path(out)
    atomic_write_bytes(out, tok.to_str().encode("utf-8"))
    return out
