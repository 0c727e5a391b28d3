from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from train_fixture_mix import EOS, doc_texts

from dolmalike.core.errors import DolmalikeError
from dolmalike.lineage.tokens import TokenStore
from dolmalike.train.batch import describe_step
from dolmalike.train.data import InstanceOrder
from dolmalike.train.numbering import FileInstances


@pytest.mark.parametrize("step", [0, 7, 23, 39])
def test_batch_ids_equal_what_the_trainer_logged(trained_dir: Path, step: int) -> None:
    d = describe_step(trained_dir, step, with_ids=True)
    logged = np.load(trained_dir / "batch_ids" / f"step-{step:08d}.npy")
    assert np.array_equal(np.array([inst["ids"] for inst in d["instances"]]), logged)


def test_batch_reconstructs_the_step_from_document_text(trained_dir: Path, shared_data: Path) -> None:
    """step -> segments -> documents: re-tokenizing the source documents gives the trained ids."""
    texts = doc_texts(shared_data)
    for step in (3, 31):
        d = describe_step(trained_dir, step)
        logged = np.load(trained_dir / "batch_ids" / f"step-{step:08d}.npy")
        for inst in d["instances"]:
            rebuilt = []
            for s in inst["segments"]:
                doc_ids = list(texts[s["doc_id"]].encode("utf-8")) + [EOS]  # the fixture is byte-level
                assert s["doc_end"] - s["doc_start"] == len(doc_ids) - 1
                rebuilt += doc_ids[s["start"] - s["doc_start"] : s["end"] - s["doc_start"]]
                assert s["url"].startswith("http") and s["crawl"] == "CC-MAIN-2019-30"
                assert s["source"] in ("web", "wiki")
            assert rebuilt == logged[inst["slot"]].tolist()
        assert sum(doc["tokens"] for doc in d["documents"]) == 8 * 64


def test_batch_beyond_one_epoch_uses_the_next_shuffle(trained_dir: Path, tmp_path: Path) -> None:
    info = json.loads((trained_dir / "train.json").read_text())
    inst = FileInstances(TokenStore(Path(info["mix_dir"]) / "shards"), 64)
    step = inst.n // 8 + 3  # the 4th batch of OLMo epoch 2 (epochs count from 1, partial batches dropped)
    # The fixture's schedule ends before epoch 2: describe the same run with a longer schedule
    # (batches are recomputed from train.json alone).
    longer = tmp_path / "train"
    longer.mkdir()
    info["config"]["max_steps"] = step + 1
    (longer / "train.json").write_text(json.dumps(info))
    d = describe_step(longer, step, with_ids=True)
    assert d["epoch"] == 2 and d["numbering"] == "olmo"
    epoch2 = np.arange(inst.n, dtype=np.uint32)
    np.random.Generator(np.random.PCG64(0 + 2)).shuffle(epoch2)
    assert [i["instance"] for i in d["instances"]] == epoch2[24:32].tolist()
    assert all(i["ids"] == inst.get(i["instance"]).tolist() for i in d["instances"])


def test_batch_step_outside_the_schedule_is_a_user_error(trained_dir: Path) -> None:
    with pytest.raises(DolmalikeError, match=r"outside the run's schedule: its steps are 0\.\.39"):
        describe_step(trained_dir, 40)


def test_batch_cli(trained_dir: Path, cli, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["batch", str(trained_dir), "--step", "5", "--json", "--ids"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert np.array_equal(
        np.array([i["ids"] for i in d["instances"]]), np.load(trained_dir / "batch_ids/step-00000005.npy")
    )
    assert cli(["batch", str(trained_dir), "--step", "5"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("step 5 (epoch 1): 8 instances x 64 tokens")
    assert d["instances"][0]["segments"][0]["doc_id"] in out
    assert cli(["batch", str(trained_dir / "nope"), "--step", "1"]) == 2
    assert "not a TRAIN_DIR" in capsys.readouterr().err


def test_batch_detects_changed_shards(trained_dir: Path, tmp_path: Path) -> None:
    info = json.loads((trained_dir / "train.json").read_text())
    info["shards"][0]["sha256"] = "0" * 64
    (tmp_path / "train.json").write_text(json.dumps(info))
    with pytest.raises(DolmalikeError, match="shards changed"):
        describe_step(tmp_path, 0)


def _shard_ranges(meta: dict, a: int, b: int) -> list[tuple[int, int, int]]:
    """Stream range [a, b) -> shard-local (shard, start, end), from meta.json's token counts alone."""
    out, base = [], 0
    for k, s in enumerate(meta["shards"]):
        lo, hi = max(a, base), min(b, base + int(s["tokens"]))
        if hi > lo:
            out.append((k, lo - base, hi - base))
        base += int(s["tokens"])
    return out


def _traced(lin, meta: dict, stream_range: list[int]) -> list[tuple]:
    """`trace` over the shard ranges of one instance, as comparable tuples."""
    return [
        (doc["doc_id"], shard, doc["overlap_start"], doc["overlap_end"], doc["repetition"], doc["mix_source"],
         doc["provenance"]["url"], doc["provenance"]["warc_offset"])
        for shard, a, b in _shard_ranges(meta, *stream_range)
        for doc in lin.trace(shard, a, b)["documents"]
    ]  # fmt: skip


def test_batch_and_trace_agree_on_random_steps(trained_dir: Path) -> None:
    """For random steps, `trace` over each instance's shard ranges names exactly the documents,
    sub-ranges and provenance that `batch --step` reports for that instance."""
    from dolmalike.lineage.mix import MixLineage

    info = json.loads((trained_dir / "train.json").read_text())
    mix_dir = Path(info["mix_dir"])
    meta = json.loads((mix_dir / "shards" / "meta.json").read_text())
    steps = np.random.default_rng(12).choice(info["config"]["max_steps"], size=6, replace=False).tolist()
    with MixLineage(mix_dir) as lin:
        for step in steps:
            for inst in describe_step(trained_dir, step)["instances"]:
                batched = [
                    (s["doc_id"], s["shard"], s["start"], s["end"], s["repetition"], s["source"], s["url"],
                     s["warc_offset"])
                    for s in inst["segments"]
                ]  # fmt: skip
                assert batched and batched == _traced(lin, meta, inst["stream_range"])
                assert all(b[6].startswith("http") for b in batched)


def test_step_segments_match_trace_across_shard_boundaries(trained_dir: Path) -> None:
    """Past the schedule too (epochs 0..4) and on the window that holds a shard boundary, the
    step's segments are what `trace` gives for the window's shard ranges (numbering: stream, the
    one whose windows cross shard boundaries; OLMo-core's never do)."""
    from dolmalike.lineage.mix import MixLineage
    from dolmalike.train.batch import TrainSteps
    from dolmalike.train.config import TrainConfig

    info = json.loads((trained_dir / "train.json").read_text())
    cfg = TrainConfig.from_dict({**info["config"], "numbering": "stream"})
    mix_dir = Path(info["mix_dir"])
    meta = json.loads((mix_dir / "shards" / "meta.json").read_text())
    steps = np.random.default_rng(3).choice(200, size=5, replace=False).tolist()
    first_boundary = int(meta["shards"][0]["tokens"])
    n = sum(int(s["tokens"]) for s in meta["shards"]) // cfg.seq_len
    perm = InstanceOrder(n, cfg.seed).epoch_perm(0)
    steps.append(int(np.flatnonzero(perm == first_boundary // cfg.seq_len)[0]) // cfg.batch_size)
    crossed = 0
    with MixLineage(mix_dir) as lin:
        lin.plan = TrainSteps(cfg, lin.split.tokens)
        for step in steps:
            windows, segments = lin.step(step)
            for w in windows:
                a = w.instance * cfg.seq_len
                crossed += len(_shard_ranges(meta, a, a + cfg.seq_len)) > 1
                got = [
                    (s.doc_id, s.shard, s.start, s.end, s.repetition, s.source)
                    for s in segments
                    if s.slot == w.slot
                ]
                assert got == [t[:6] for t in _traced(lin, meta, [a, a + cfg.seq_len])]
    assert crossed > 0
