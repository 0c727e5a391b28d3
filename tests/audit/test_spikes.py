from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from spike_fixture import SPIKE_STEP

from dolmalike.audit.spike_rule import SpikeRule, find_spikes
from dolmalike.audit.spikes import describe_spikes
from dolmalike.train.metrics import read_log


def test_rule_ignores_falling_loss_and_flags_a_rise() -> None:
    falling = [(s, 5.0 - 0.05 * s) for s in range(40)]
    assert find_spikes(falling, SpikeRule()) == []
    noisy = [(s, 3.0 + 0.05 * ((s * 7) % 5 - 2)) for s in range(40)]
    noisy[30] = (30, 4.0)
    spikes = find_spikes(noisy, SpikeRule())
    assert [s.step for s in spikes] == [30] and spikes[0].score > 6
    assert find_spikes(noisy[:5], SpikeRule()) == []  # fewer than min_history previous steps


def test_spikes_find_the_planted_batch(spiked_run: Path, spiked: tuple[Path, list[str]]) -> None:
    _, garbage = spiked
    d = describe_spikes(spiked_run)
    assert [s["step"] for s in d["spikes"]] == [SPIKE_STEP]
    sp = d["spikes"][0]
    docs = sp["documents"]
    assert {doc["doc_id"] for doc in docs} == set(garbage)
    assert all(
        doc["source"] == "garbage" and doc["url"].startswith("http://garbage.invalid/") for doc in docs
    )
    assert all(doc["warc_path"] == "garbage-00000.warc.gz" and doc["warc_offset"] % 1000 == 0 for doc in docs)
    # the model state before step 50 is replayed from checkpoint 40: the recomputed batch loss is the logged one
    logged = {r["step"]: r["loss"] for r in read_log(spiked_run / "log.jsonl")}
    assert sp["recomputed_loss"] == pytest.approx(logged[SPIKE_STEP], abs=1e-5)
    median = sp["median"]
    assert all(doc["loss"] > median + 1.0 for doc in docs)
    weighted = sum(doc["loss"] * doc["targets"] for doc in docs) / sum(doc["targets"] for doc in docs)
    assert weighted == pytest.approx(logged[SPIKE_STEP], abs=1e-5)
    flagged = [doc for doc in docs if any(t["tag"] == "fixture_v1.alpha_frac" for t in doc["standout"])]
    assert len(flagged) >= len(docs) // 2  # random bytes have far fewer letters than the CC text
    assert all(t["percentile"] <= 0.05 for doc in flagged for t in doc["standout"] if "percentile" in t)


def test_spikes_cli_json_text_and_bad_input(
    spiked_run: Path, cli, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert cli(["spikes", str(spiked_run), "--json", "--no-doc-loss"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert [s["step"] for s in d["spikes"]] == [SPIKE_STEP] and "loss" not in d["spikes"][0]["documents"][0]
    assert cli(["spikes", str(spiked_run), "--no-doc-loss"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1 spike(s) in 60 steps") and f"step {SPIKE_STEP}:" in out
    bare = tmp_path / "bare"
    bare.mkdir()
    shutil.copy2(spiked_run / "train.json", bare / "train.json")
    assert cli(["spikes", str(bare)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "has no checkpoints" in err
