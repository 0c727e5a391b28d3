from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from browser import render

from dolmalike.exec.executor import ExecConfig
from dolmalike.manifests.mix_layout import MixLayout
from dolmalike.runner.pipeline import run_pipeline
from dolmalike.runner.spec import load_spec
from dolmalike.train.trainer import train

SPEC = """
name: report-test
seed: 0
inputs: {synthetic: {docs: 300, seed: 3, files: 2}}
doc_format: parquet
stages:
  - extract: {extractor: resiliparse}
  - c4_clean: {}
  - tag: {taggers: [langid_v1, gopher_quality_v1, pii_v1]}
global:
  - url_dedup: {}
  - content_dedup: {}
  - minhash_dedup: {bands: 14, rows: 8}
mix: ./mix.yaml
"""
MIX = """
seed: 1
tokenizer: default
tokenizer_vocab_size: 512
shard_tokens: 65536
heldout_fraction: 0.05
sources:
  - name: english_hq
    where: {all: [{attr: langid_v1.language, eq: en}, {attr: gopher_quality_v1.passes, eq: true},
                  {attr: langid_v1.language_score, ge: 0.5}]}
    repeat: 2
  - name: other
    where: {attr: langid_v1.language, ne: en}
"""


@pytest.fixture(scope="module")
def pipeline_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(RUN_DIR of a real pipeline on a synthetic crawl, TRAIN_DIR of a short run on its mix)."""
    from train_fixture_mix import tiny_config

    d = tmp_path_factory.mktemp("report")
    (d / "spec.yaml").write_text(SPEC)
    (d / "mix.yaml").write_text(MIX)
    run = run_pipeline(load_spec(d / "spec.yaml"), d / "run", ExecConfig(workers=1)).run_dir
    train(
        run / "mix", d / "train", tiny_config(max_steps=12, eval_interval=4, eval_batches=1), progress=False
    )
    return run, d / "train"


def _cells(dom: str) -> dict[str, str]:
    return {k: v for k, v in re.findall(r'data-k="([^"]*)">([^<]*)<', dom)}


def _sql(cli, capsys: pytest.CaptureFixture[str], where: Path, query: str) -> list[dict]:
    assert cli(["sql", str(where), query, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_report_renders_in_chromium_and_its_numbers_are_sql_counts(
    pipeline_run: tuple[Path, Path], tmp_path: Path, cli, capsys: pytest.CaptureFixture[str]
) -> None:
    run, train_dir = pipeline_run
    page = tmp_path / "report.html"
    assert cli(["report", str(run), "--train", str(train_dir), "--out", str(page),
                "--croissant", str(run / "croissant.json")]) == 0  # fmt: skip
    capsys.readouterr()
    text = page.read_text()
    # self-contained: nothing is fetched (no src/href to anywhere, no CSS url()/@import)
    assert not re.search(r"\b(src|href)\s*=", text) and "url(" not in text and "@import" not in text
    dom, console = render(page, tmp_path / "profile")
    assert console == []
    data = json.loads(
        re.search(r'<script type="application/json" id="report-data">(.*?)</script>', text, re.S)[1]
    )
    n_charts = len(data["tags"]) + len(data["dedup"]) + 1
    assert f'data-rendered="{n_charts}"' in dom and dom.count("<svg") == n_charts
    assert dom.count('class="threshold"') >= 1  # langid_v1.language_score ge 0.5 drawn on its histogram
    cells = _cells(dom)
    q = lambda sql: _sql(cli, capsys, run, sql)  # noqa: E731
    assert cells["funnel.input"] == str(q("SELECT count(*) n FROM documents")[0]["n"])
    assert cells["funnel.kept"] == str(q("SELECT count(*) n FROM documents WHERE status = 'kept'")[0]["n"])
    removed = q("SELECT stage, count(*) n FROM documents WHERE status <> 'kept' GROUP BY 1")
    assert len(removed) >= 3
    for r in removed:
        assert cells[f"funnel.{r['stage']}.removed"] == str(r["n"])
    for r in q("SELECT language, count(*) n FROM attributes_langid_v1 JOIN documents USING (doc_id) "
               "WHERE status = 'kept' GROUP BY 1"):  # fmt: skip
        assert cells[f"languages.{r['language']}"] == str(r["n"])
    tokens = q('SELECT source, sum("end" - start) n FROM tokens GROUP BY 1')
    assert {r["source"] for r in tokens} == {"english_hq", "other"}
    for r in tokens:
        assert cells[f"mix_tokens.{r['source']}"] == str(r["n"])
    for r in q("SELECT method, cluster_size, count(DISTINCT cluster_id) n FROM dedup GROUP BY ALL"):
        assert cells[f"dedup.{r['method']}.{r['cluster_size']}"] == str(r["n"])
    # every query the report shows runs unchanged in `dolmalike sql`
    shown = [*data["funnel"]["sql"].values(), *data["composition"]["sql"].values()]
    for sql in shown:
        q(sql)
    # the embedded Croissant JSON-LD is valid and reads the same documents
    import mlcroissant as mlc  # dev extra

    embedded = json.loads(re.search(r'id="croissant">(.*?)</script>', text, re.S)[1].replace("<\\/", "</"))
    assert embedded == json.loads((run / "croissant.json").read_text())
    ds = mlc.Dataset(jsonld=str(run / "croissant.json"))
    assert sum(1 for _ in ds.records("documents")) == int(cells["funnel.input"])
    assert sum(1 for _ in ds.records("tokens")) == q("SELECT count(*) n FROM tokens")[0]["n"]


def test_report_marks_the_planted_spike(spiked_run: Path, spiked, tmp_path: Path, cli) -> None:
    from spike_fixture import SPIKE_STEP

    run_dir = MixLayout.of(spiked[0]).source_run()
    page = tmp_path / "spike.html"
    assert cli(["report", str(run_dir), "--train", str(spiked_run), "--out", str(page)]) == 0
    dom, console = render(page, tmp_path / "profile")
    assert console == []
    assert re.findall(r'class="spike" data-step="(\d+)"', dom) == [str(SPIKE_STEP)]
    assert _cells(dom)[f"spike.{SPIKE_STEP}"] == str(SPIKE_STEP)


def test_browser_check_catches_a_script_error(tmp_path: Path) -> None:
    """The console check is not vacuous: a page whose script throws is reported."""
    page = tmp_path / "broken.html"
    page.write_text("<html><body><script>document.body.dataset.rendered = 1; null.x;</script></body></html>")
    dom, console = render(page, tmp_path / "profile")
    assert 'data-rendered="1"' in dom and any("Uncaught TypeError" in line for line in console)


def test_report_bad_input(tmp_path: Path, cli, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["report", str(tmp_path), "--out", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a RUN_DIR" in err
