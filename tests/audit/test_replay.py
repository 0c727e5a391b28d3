from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pytest
from spike_fixture import SPIKE_STEP

from dolmalike.audit.spike_rule import SpikeRule, find_spikes
from dolmalike.manifests.mix_layout import MixLayout
from dolmalike.train.batch import describe_step
from dolmalike.train.metrics import read_log

AT = 45


def _doc_ids(d: dict) -> set[str]:
    return {doc["doc_id"] for doc in d["documents"]}


@pytest.fixture(scope="module")
def replay(spiked_run: Path, spiked: tuple[Path, list[str]], tmp_path_factory: pytest.TempPathFactory, cli):
    mix_dir, garbage = spiked
    tmp = tmp_path_factory.mktemp("replay")
    ids = tmp / "ids.txt"
    ids.write_text("# the planted garbage\n" + "\n".join(garbage) + "\n")
    out = tmp / "new"
    argv = ["train", str(mix_dir), "--out", str(out), "--from", str(spiked_run), "--at-step", str(AT),
            "--exclude-docs", str(ids), "--log-batch-ids", "--no-eval", "--json"]  # fmt: skip
    assert cli(argv) == 0
    return out


def test_replay_keeps_earlier_steps_and_excludes_exactly_the_named_docs(
    replay: Path, spiked_run: Path, spiked: tuple[Path, list[str]]
) -> None:
    garbage = set(spiked[1])
    orig_log = {r["step"]: r for r in read_log(spiked_run / "log.jsonl")}
    new_log = {r["step"]: r for r in read_log(replay / "log.jsonl")}
    assert sorted(new_log) == list(range(60))
    assert all(new_log[s] == orig_log[s] for s in range(AT))
    for step in (0, 20, AT - 1):
        assert describe_step(replay, step)["instances"] == describe_step(spiked_run, step)["instances"]
    replaced = 0
    for step in range(AT, 60):
        new = describe_step(replay, step, with_ids=True)
        orig = describe_step(spiked_run, step)
        assert not _doc_ids(new) & garbage
        # what `batch` recomputes for the new run is what its trainer fed (logged ids)
        logged = np.load(replay / "batch_ids" / f"step-{step:08d}.npy")
        assert np.array_equal(np.array([i["ids"] for i in new["instances"]]), logged)
        for a, b in zip(orig["instances"], new["instances"]):
            dirty = any(s["doc_id"] in garbage for s in a["segments"])
            assert (a["instance"] != b["instance"]) == dirty  # clean slots are untouched
            replaced += dirty
    assert replaced >= 16  # the whole planted batch at least
    # the spike is gone: the planted step now trains on clean text
    curve = sorted((s, r["loss"]) for s, r in new_log.items())
    assert SPIKE_STEP not in {s.step for s in find_spikes(curve, SpikeRule())}
    assert new_log[SPIKE_STEP]["loss"] < orig_log[SPIKE_STEP]["loss"] - 1.0
    rep = json.loads((replay / "replay_report.json").read_text())
    assert rep["identical_before"] and rep["steps_compared"] == 60 - AT
    assert rep["spikes_original"] == [SPIKE_STEP] and rep["spikes_replay"] == []
    assert f"| {SPIKE_STEP} |" in (replay / "replay_report.md").read_text()
    info = json.loads((replay / "train.json").read_text())
    assert info["intervention"]["at_step"] == AT and info["intervention"]["n_excluded_docs"] == len(garbage)


def test_exclude_where_uses_sql_over_attributes(
    spiked_run: Path, spiked: tuple[Path, list[str]], tmp_path: Path, cli
) -> None:
    mix_dir, _ = spiked
    where = "attributes_fixture_v1.alpha_frac < 0.6"
    run_dir = MixLayout.of(mix_dir).source_run()
    con = duckdb.connect()
    expected = {r[0] for r in con.execute(
        f"SELECT doc_id FROM read_parquet('{run_dir}/manifests/attributes/fixture_v1/*.parquet') WHERE alpha_frac < 0.6"
    ).fetchall()}  # fmt: skip
    out = tmp_path / "where"
    argv = ["train", str(mix_dir), "--out", str(out), "--from", str(spiked_run), "--at-step", "58",
            "--exclude-where", where, "--no-eval", "--json"]  # fmt: skip
    assert cli(argv) == 0
    excluded = set((out / "excluded_docs.txt").read_text().split())
    trained = {r[0] for r in con.execute(
        f"SELECT DISTINCT doc_id FROM read_parquet('{mix_dir}/manifests/tokens/*.parquet')"
    ).fetchall()}  # fmt: skip
    assert excluded == expected & trained and excluded
    for step in (58, 59):
        assert not _doc_ids(describe_step(out, step)) & excluded


def test_replay_bad_input_is_one_line(
    spiked_run: Path, spiked: tuple[Path, list[str]], tmp_path: Path, cli, capsys: pytest.CaptureFixture[str]
) -> None:
    mix_dir, garbage = spiked
    ids = tmp_path / "ids.txt"
    ids.write_text(garbage[0] + "\n")
    nothing = tmp_path / "nothing.txt"
    nothing.write_text("0123456789abcdef\n")
    bare = tmp_path / "bare"
    bare.mkdir()
    shutil.copy2(spiked_run / "train.json", bare / "train.json")
    base = ["train", str(mix_dir), "--no-eval"]
    cases = [
        (["--out", str(tmp_path / "a"), "--from", str(spiked_run), "--at-step", "60", "--exclude-docs", str(ids)],
         "past the end"),
        (["--out", str(tmp_path / "b"), "--from", str(spiked_run), "--at-step", "10", "--exclude-docs", str(nothing)],
         "matches no document"),
        (["--out", str(tmp_path / "c"), "--from", str(spiked_run), "--at-step", "10", "--exclude-where",
          "attributes_fixture_v1.alpha_frac > 5"], "matches no document"),
        (["--out", str(tmp_path / "d"), "--from", str(bare), "--at-step", "10", "--exclude-docs", str(ids)],
         "no checkpoints"),
        (["--out", str(tmp_path / "e"), "--from", str(spiked_run), "--at-step", "10", "--exclude-where",
          "no_such_column = 1"], "--exclude-where"),
    ]  # fmt: skip
    for extra, message in cases:
        assert cli(base + extra) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err, err
        assert not (tmp_path / extra[1] / "train.json").exists()
