"""Where everything lives inside a MIX_DIR (the contract with the trainer and `trace`).

MIX_DIR/
  mix.json                      resolved spec + "run_dir" (relative to MIX_DIR) + seed + per-source report
  receipt.json                  every output with size and sha256
  tokenizer.json                only when the tokenizer is "default" (trained on the run)
  shards/                       training split
    meta.json                   dtype, vocab_size, eos_id, pad_id, tokenizer, tokenizer_sha256, shard_tokens, shards[]
    shard-00000.npy             raw little-endian token ids, NO npy header (np.memmap(path, dtype, mode="r"))
    shard-00000.parquet         sidecar: doc_id, start, end, repetition, source (EOS at `end`)
    shard-00000.csv.gz          the same rows as OLMo-core / dolma read them: start,end,id,src,loc with
                                `end` exclusive (past the EOS), src = mix source, loc = repetition
  manifests/mix/<source>.parquet      one row per (doc, repetition) chosen (schema MIX)
  manifests/tokens/shard-00000.parquet  sidecar rows + shard (schema TOKENS)
  index/                        trace index: shard-00000.starts (int64), shard-00000.parts (int32), partitions.json
  heldout/                      held-out split, same layout: meta.json, shard-*.npy, shard-*.parquet,
                                manifests/{mix,tokens}/, index/
  work/                         cache of per-partition token arrays (safe to delete)
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from dolmalike.io.cachedirs import is_s3_url, s3_cache_path

SPLITS = ("train", "heldout")


def shard_name(k: int) -> str:
    return f"shard-{k:05d}"


@dataclass(frozen=True)
class SplitLayout:
    """One split's shards, its manifests and its trace index."""

    name: str
    shards: Path
    manifests: Path
    index: Path

    @property
    def meta(self) -> Path:
        return self.shards / "meta.json"

    def shard(self, k: int) -> Path:
        return self.shards / f"{shard_name(k)}.npy"

    def sidecar(self, k: int) -> Path:
        return self.shards / f"{shard_name(k)}.parquet"

    def olmo_metadata(self, k: int) -> Path:
        return self.shards / f"{shard_name(k)}.csv.gz"

    def tokens_part(self, k: int) -> Path:
        return self.manifests / "tokens" / f"{shard_name(k)}.parquet"

    def mix_part(self, source: str) -> Path:
        return self.manifests / "mix" / f"{source}.parquet"

    def index_starts(self, k: int) -> Path:
        return self.index / f"{shard_name(k)}.starts"

    def index_parts(self, k: int) -> Path:
        return self.index / f"{shard_name(k)}.parts"

    @property
    def index_partitions(self) -> Path:
        return self.index / "partitions.json"

    def output_dirs(self) -> list[Path]:
        return [self.shards, self.manifests, self.index]


@dataclass(frozen=True)
class MixLayout:
    root: Path

    @classmethod
    def of(cls, mix_dir: str | Path) -> MixLayout:
        return cls(Path(mix_dir))

    @property
    def mix_json(self) -> Path:
        return self.root / "mix.json"

    def source_run(self) -> Path | None:
        """The RUN_DIR this mix was built from. mix.json records it relative to MIX_DIR (so the
        same run built in two places gives the same bytes); older mixes hold an absolute path."""
        if not self.mix_json.is_file():
            return None
        recorded = json.loads(self.mix_json.read_text()).get("run_dir")
        if not recorded:
            return None
        if is_s3_url(recorded):  # a MIX_DIR on S3 names its RUN_DIR by URL: read its local copy
            return s3_cache_path(recorded)
        return Path(os.path.normpath(self.root / recorded))  # an absolute `recorded` wins the join

    @staticmethod
    def relative_run_dir(run_dir: Path, mix_dir: Path) -> str:
        """How mix.json and the mix receipt name the RUN_DIR: relative to MIX_DIR."""
        return os.path.relpath(Path(run_dir).resolve(), Path(mix_dir).resolve())

    @property
    def receipt(self) -> Path:
        return self.root / "receipt.json"

    @property
    def tokenizer(self) -> Path:
        return self.root / "tokenizer.json"

    @property
    def work(self) -> Path:
        return self.root / "work"

    @property
    def train(self) -> SplitLayout:
        return SplitLayout("train", self.root / "shards", self.root / "manifests", self.root / "index")

    @property
    def heldout(self) -> SplitLayout:
        h = self.root / "heldout"
        return SplitLayout("heldout", h, h / "manifests", h / "index")

    def split(self, name: str) -> SplitLayout:
        return self.heldout if name == "heldout" else self.train
