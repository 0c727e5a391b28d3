from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from dolmalike.lineage.tokens import TokenStore
from dolmalike.train.config import EvalConfig, TrainConfig
from dolmalike.train.evaluate import evaluate
from dolmalike.train.model import GPT, lm_loss
from dolmalike.train.scoring import make_rows, sum_logprobs


def test_rolling_rows_score_every_target_once_within_the_window() -> None:
    toks = np.arange(100)
    for max_len, stride, first in ((16, 16, 1), (16, 8, 30), (7, 3, 0)):
        rows = make_rows(toks, first, max_len, stride)
        scored = [int(t) for x, y in rows for t in y[y != -100]]
        assert scored == list(range(max(1, first), 100))
        for x, y in rows:
            assert len(x) == len(y) <= max_len
            np.testing.assert_array_equal(y[y != -100], x[y != -100] + 1)  # y is x shifted by one


def test_sum_logprobs_matches_a_direct_forward_pass() -> None:
    torch.manual_seed(0)
    model = GPT(TrainConfig(seq_len=32), vocab_size=40).eval()
    toks = np.random.default_rng(0).integers(0, 40, 20)
    [(ll, n)] = sum_logprobs(
        model, [(toks, 1)], max_len=31, stride=31, batch_size=4, device=torch.device("cpu")
    )
    x = torch.from_numpy(toks)[None]
    with torch.no_grad():
        direct = -float(lm_loss(model(x[:, :-1]), x[:, 1:], reduction="sum"))
    assert n == 19 and ll == pytest.approx(direct, rel=1e-5)


def test_evaluate_reports_perplexity_by_source_and_tag_and_mc_accuracy(
    trained_dir: Path, shared_data: Path
) -> None:
    ev = EvalConfig(max_docs_per_source=None, benchmarks_dir=str(shared_data / "benchmarks"),
                    tasks=["arc_easy", "piqa", "hellaswag"], limit=6)  # fmt: skip
    r = evaluate(trained_dir, eval_cfg=ev)
    assert json.loads((trained_dir / "eval.json").read_text())["step"] == r["step"] == 40

    ppl = r["perplexity"]
    held = TokenStore(Path(r["mix_dir"]) / "heldout")
    # every held-out token (documents + their EOS) is predicted exactly once
    assert ppl["overall"]["tokens"] == held.total_tokens
    assert set(ppl["by_source"]) == {"web", "wiki"}
    assert sum(v["tokens"] for v in ppl["by_source"].values()) == held.total_tokens
    for v in (ppl["overall"], *ppl["by_source"].values(), *ppl["by_tag"].values()):
        assert (
            math.isfinite(v["ppl"]) and 1 < v["ppl"] < 257 and v["ppl"] == pytest.approx(math.exp(v["loss"]))
        )
    # tag buckets from the RUN_DIR's attributes_fixture_v1: 4 quantiles of a float, values of a string
    quart = [k for k in ppl["by_tag"] if k.startswith("fixture_v1.alpha_frac:q")]
    assert len(quart) == 4 and sum(ppl["by_tag"][k]["docs"] for k in quart) == ppl["overall"]["docs"]
    assert {"fixture_v1.script=non_ascii"} <= set(ppl["by_tag"])

    mc = r["multiple_choice"]
    assert set(mc) == {"arc_easy", "piqa", "hellaswag"}
    for name, v in mc.items():
        assert v["n"] == 6 and 0 <= v["acc"] <= 1 and 0 <= v["acc_norm"] <= 1
        assert v["chance"] == (0.5 if name == "piqa" else 0.25)


def test_evaluate_with_max_docs_and_explicit_buckets(trained_dir: Path) -> None:
    ev = EvalConfig(max_docs_per_source=2, tag_buckets=[{"tagger": "fixture_v1", "column": "alpha_frac",
                                                        "quantiles": 2}])  # fmt: skip
    r = evaluate(trained_dir, eval_cfg=ev, write=False)
    assert {k: v["docs"] for k, v in r["perplexity"]["by_source"].items()} == {"web": 2, "wiki": 2}
    assert sorted(r["perplexity"]["by_tag"]) == ["fixture_v1.alpha_frac:q1of2", "fixture_v1.alpha_frac:q2of2"]
    assert r["multiple_choice"] == {}


def test_tag_groups_labels_quantiles_and_other(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from dolmalike.train.perplexity import tag_groups

    d = tmp_path / "manifests" / "attributes" / "lang_v1"
    d.mkdir(parents=True)
    ids = [f"doc{i:03d}" for i in range(100)]
    langs = ["en" if i < 50 else "de" if i < 80 else f"rare{i}" for i in range(100)]  # 22 values
    pq.write_table(pa.table({"doc_id": ids, "language": langs, "flag": [i % 2 for i in range(100)],
                             "score": [i / 100 for i in range(100)], "url": [f"u{i}" for i in range(100)]}),
                   d / "p.parquet")  # fmt: skip
    g = tag_groups(tmp_path, ids, "auto", quantiles=4)
    assert len(g["lang_v1.language=en"]) == 50 and len(g["lang_v1.language=de"]) == 30
    # 22 values: the 11 most frequent (en, de, 9 rare ones) keep a bucket, the other 11 share one
    assert len(g["lang_v1.language=(other)"]) == 11
    assert len([k for k in g if k.startswith("lang_v1.language=")]) == 12
    assert [len(g[f"lang_v1.flag={v}"]) for v in (0, 1)] == [50, 50]  # 2 values <= 4 quantiles: labels
    assert [len(g[f"lang_v1.score:q{q}of4"]) for q in (1, 2, 3, 4)] == [25, 25, 25, 25]
    assert not any(k.startswith("lang_v1.url") for k in g)  # an id-like column gives no buckets
