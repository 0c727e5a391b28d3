"""Load a HF `tokenizers` tokenizer.json and derive what the shards need: EOS id, vocab size, dtype."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from dolmalike.core.errors import DolmalikeError
from dolmalike.core.hashing import sha256_file

DEFAULT = "default"
# Tried in order when the spec names no eos_token.
EOS_CANDIDATES = ("<|endoftext|>", "</s>", "<|end_of_text|>", "<eos>", "<|eos|>")
# Tried in order for the pad id (OLMo-core's TokenizerConfig needs one); None when there is none.
PAD_CANDIDATES = ("<|padding|>", "<pad>", "<|pad|>", "[PAD]")
UINT16_MAX_VOCAB = 65535  # vocab_size <= this -> uint16 shards, else uint32


@dataclass(frozen=True)
class TokenizerInfo:
    tokenizer: Tokenizer  # shared per (path, sha256); encodes special-token text as text, like the mix
    path: Path  # the tokenizer.json actually used (MIX_DIR/tokenizer.json for "default")
    label: str  # "default" or the absolute path the user gave; recorded in meta.json
    sha256: str
    eos_id: int
    vocab_size: int  # max token id + 1 (added tokens included)
    pad_id: int | None = None  # first of PAD_CANDIDATES the tokenizer has

    @property
    def dtype(self) -> np.dtype:
        return shard_dtype(self.vocab_size)


def shard_dtype(vocab_size: int) -> np.dtype:
    """Little-endian uint16 when every id fits (vocab_size <= 65535), else uint32."""
    if vocab_size > 2**32:
        raise DolmalikeError(f"vocab size {vocab_size} does not fit uint32 token ids")
    return np.dtype("<u2") if vocab_size <= UINT16_MAX_VOCAB else np.dtype("<u4")


def load_tokenizer(path: str | Path, eos_token: str | None = None, label: str | None = None) -> TokenizerInfo:
    path = Path(path)
    if not path.is_file():
        raise DolmalikeError(f"tokenizer file not found: {path}")
    sha256 = sha256_file(str(path))
    try:
        tok = cached_tokenizer(str(path), sha256)
    except Exception as e:  # tokenizers raises plain Exception subclasses for bad JSON
        raise DolmalikeError(f"{path}: not a tokenizers tokenizer.json ({str(e).splitlines()[0]})") from e
    vocab = tok.get_vocab(with_added_tokens=True)
    vocab_size = max(vocab.values()) + 1 if vocab else 0
    return TokenizerInfo(
        tokenizer=tok,
        path=path,
        label=label or str(path.resolve()),
        sha256=sha256,
        eos_id=detect_eos(tok, eos_token, path),
        vocab_size=vocab_size,
        pad_id=detect_pad(tok),
    )


@functools.lru_cache(maxsize=4)
def cached_tokenizer(path: str, sha256: str) -> Tokenizer:
    """One tokenizer per worker process, not one per partition (loading a 100k vocab takes ~0.2 s).
    `sha256` is part of the key so an edited file is reloaded."""
    tok = Tokenizer.from_file(path)
    # A literal "<|endoftext|>" in a web page is text, not a document boundary: special tokens are
    # only matched when the tokenizer is told to, so EOS ids appear only where the shard writer puts them.
    tok.encode_special_tokens = True
    return tok


def detect_eos(tok: Tokenizer, eos_token: str | None, where: Path | str = "tokenizer") -> int:
    names = [eos_token] if eos_token else list(EOS_CANDIDATES)
    for name in names:
        tid = tok.token_to_id(name)
        if tid is not None:
            return int(tid)
    specials = sorted(t.content for t in tok.get_added_tokens_decoder().values() if t.special)
    wanted = f"eos_token {eos_token!r}" if eos_token else f"any of {', '.join(EOS_CANDIDATES)}"
    raise DolmalikeError(
        f"{where}: no {wanted}; set eos_token in the mix spec to one of its special tokens: "
        f"{', '.join(specials) or '(none)'}"
    )


def detect_pad(tok: Tokenizer) -> int | None:
    for name in PAD_CANDIDATES:
        tid = tok.token_to_id(name)
        if tid is not None:
            return int(tid)
    return None


def normalized(tok: Tokenizer, text: str) -> str:
    """The text as the tokenizer sees it (what decoding its ids gives back for byte-level BPEs)."""
    return tok.normalizer.normalize_str(text) if tok.normalizer is not None else text
