from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dolmalike.audit.memorization import memorization
from dolmalike.train.batch import describe_step


def _row(table: list[dict], set_: str, reps: int) -> dict:
    return next(r for r in table if r["set"] == set_ and r["repetitions"] == reps)


def test_repeated_documents_are_continued_verbatim_more_than_held_out(memo_run: Path) -> None:
    d = memorization(memo_run, n=200)
    table = d["table"]
    rep32, rep1, held = _row(table, "trained", 32), _row(table, "trained", 1), _row(table, "heldout", 0)
    assert rep32["docs"] >= 4 and rep1["docs"] >= 50 and held["docs"] >= 10
    assert rep32["exposures_mean"] > 10 * rep1["exposures_mean"] and held["exposures_mean"] == 0
    # margins relative to the control measured in the same run
    assert rep32["token_acc_mean"] > 1.6 * held["token_acc_mean"]
    assert rep32["token_acc_mean"] > 1.6 * rep1["token_acc_mean"]
    assert rep32["exact_match_mean"] > held["exact_match_mean"] + 0.5
    assert d["prefix"] == 32 and d["suffix"] == 32 and d["repetitions_from"] == "token sidecars"
    per = memorization(memo_run, n=200, per_source=True)["table"]
    assert {r["source"] for r in per if r["set"] == "trained"} == {"web", "wiki"}
    assert sum(r["docs"] for r in per if r["set"] == "trained") == d["n_trained"]


def test_trained_documents_are_the_ones_batches_saw(spiked_run: Path) -> None:
    d = memorization(spiked_run, n=1000, prefix=8, suffix=8)
    starts: set[str] = set()
    for step in range(60):
        for inst in describe_step(spiked_run, step)["instances"]:
            starts.update(s["doc_id"] for s in inst["segments"] if s["start"] == s["doc_start"])
    trained = [r for r in d["documents"] if not r.get("heldout")]
    held = {r["doc_id"] for r in d["documents"] if r.get("heldout")}
    assert trained and all(r["exposures"] >= 1 for r in trained)
    assert {r["doc_id"] for r in trained} <= starts  # each probe (the document's start) was in a batch
    assert not held & starts


def test_memorization_cli_and_bad_input(
    spiked_run: Path, cli, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # short probes: 60 steps x 16 windows see ~14% of the instances, so a probe that needs two seen
    # windows is rare (a 64-token probe: ~5 of 241 documents, 0 for some orders); a 16-token one mostly needs one
    assert (
        cli(
            [
                "memorization",
                str(spiked_run),
                "--n",
                "20",
                "--prefix",
                "8",
                "--suffix",
                "8",
                "--per-source",
                "--json",
            ]
        )
        == 0
    )
    d = json.loads(capsys.readouterr().out)
    assert d["n_trained"] <= 20 and {r["set"] for r in d["table"]} == {"trained", "heldout"}
    assert cli(["memorization", str(spiked_run), "--n", "20", "--prefix", "8", "--suffix", "8"]) == 0
    assert "trained" in capsys.readouterr().out
    assert cli(["memorization", str(spiked_run), "--prefix", "60", "--suffix", "60"]) == 2
    assert "seq_len" in capsys.readouterr().err
    bare = tmp_path / "bare"
    bare.mkdir()
    shutil.copy2(spiked_run / "train.json", bare / "train.json")
    assert cli(["memorization", str(bare)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "has no checkpoints" in err
