"""`make demo-cc`'s job end to end on the real Common Crawl / wget samples in ../shared/data:
every stage of the demo runs, counts add up to what an independent reader (warcio) finds,
real Chinese prose survives the (CJK-aware) C4 rules while Chinese spam does not, C4's work is
recorded per language, and the mix writes token shards."""

import importlib.util
import shlex
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from dolmalike.cli.main import main
from dolmalike.exec.executor import ExecConfig
from dolmalike.manifests.dirs import connect_any
from dolmalike.runner.hints import next_steps
from dolmalike.runner.pipeline import run_pipeline
from dolmalike.runner.spec import load_spec

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "pipelines" / "commoncrawl.yaml"
# A CC-MAIN-2020-34 page of real Chinese prose (adult fiction: the zh bad-word list flags it and
# the mix leaves it out), its first sentence, and a page of gambling links from the same sample.
ZH_PROSE_URL = "http://0513mt.com/index.php/art/detail/id/8884.html"
ZH_SENTENCE = "三年前，我和当时的女友同居。"
ZH_SPAM_URL = "http://035.psb556.com/24/i/u_1090813/article.html"
TAGGERS = (
    "langid_v1",
    "c4_v1",
    "gopher_quality_v1",
    "gopher_repetition_v1",
    "pii_v1",
    "badwords_v1",
    "quality_v1",
    "decontam_v1",
    "dup_paragraphs_v1",
)


def _warcio_inputs(path: str) -> list:
    """The readers' tests' independent record count (warcio), loaded by path."""
    spec = importlib.util.spec_from_file_location(
        "readers_helpers", REPO / "tests/readers/readers_helpers.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.warcio_inputs(Path(path))


@pytest.fixture(scope="module")
def cc(tmp_path_factory):
    spec = load_spec(SPEC)
    return spec, run_pipeline(spec, tmp_path_factory.mktemp("cc") / "run", ExecConfig(workers=2))


def test_counts_add_up_to_the_records_warcio_finds(cc):
    spec, result = cc
    assert any(p.endswith(".warc.wet.gz") for p in spec.inputs) and any(
        p.endswith(".warc.gz") for p in spec.inputs
    )
    expected = sum(len(_warcio_inputs(p)) for p in spec.inputs)
    c = result.counts
    assert expected > 50
    assert c["input_records"] == expected
    assert c["kept"] + c["dropped"] + c["error"] == expected
    assert c["kept"] > 20 and c["error"] == 0


def test_every_stage_and_tagger_ran(cc):
    _, result = cc
    con = connect_any(result.run_dir)
    stages = {r[0] for r in con.execute("SELECT DISTINCT stage FROM decisions").fetchall()}
    for stage in ("extract", "c4_clean", "pii_mask", "url_dedup", "content_dedup", "minhash_dedup"):
        assert stage in stages, stage
    views = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    for tagger in TAGGERS:
        assert f"attributes_{tagger}" in views, tagger
    kept = con.execute("SELECT count(*) FROM documents WHERE status = 'kept'").fetchone()[0]
    for tagger in ("langid_v1", "quality_v1", "decontam_v1"):
        assert con.execute(f"SELECT count(*) FROM attributes_{tagger}").fetchone()[0] >= kept, tagger
    # the quality model was trained on the run, from data on disk
    assert (result.run_dir / "models" / "quality.bin").stat().st_size > 0
    dups = con.execute("SELECT count(*) FROM documents WHERE stage = 'url_dedup' AND status = 'dropped'")
    assert dups.fetchone()[0] > 0  # the WARC and WET captures of one page, allenai.org twice


def test_chinese_prose_survives_c4_and_chinese_spam_does_not(cc):
    _, result = cc
    con = connect_any(result.run_dir)
    fate = dict(
        con.execute(
            "SELECT url, status || '/' || stage FROM documents WHERE url IN (?, ?)",
            [ZH_PROSE_URL, ZH_SPAM_URL],
        ).fetchall()
    )
    assert fate[ZH_PROSE_URL] == "kept/minhash_dedup"
    assert fate[ZH_SPAM_URL] == "dropped/c4_clean"
    doc_id = con.execute("SELECT doc_id FROM documents WHERE url = ?", [ZH_PROSE_URL]).fetchone()[0]
    texts = {
        d: t
        for part in (result.run_dir / "docs").glob("*.parquet")
        for d, t in zip(*pq.read_table(part, columns=["doc_id", "text"]).to_pydict().values())
    }
    lines = texts[doc_id].splitlines()
    assert lines[0].startswith(ZH_SENTENCE)
    assert len(lines) >= 10 and all(line.endswith(("。", "！", "？", "」", "”")) for line in lines)
    lang = con.execute("SELECT language FROM attributes_langid_v1 WHERE doc_id = ?", [doc_id]).fetchone()[0]
    assert lang == "zh"
    bad = con.execute(
        "SELECT badwords_lang, badword_count FROM attributes_badwords_v1 WHERE doc_id = ?", [doc_id]
    )
    assert bad.fetchone()[0] == "zh"
    assert (
        con.execute(
            "SELECT count(*) FROM attributes_badwords_v1 WHERE doc_id = ? AND badword_count > 0", [doc_id]
        ).fetchone()[0]
        == 1
    )


def test_c4_work_is_recorded_per_language(cc):
    _, result = cc
    con = connect_any(result.run_dir)
    rows = con.execute(
        "SELECT json_extract_string(detail, '$.language') lang, decision, count(*) FROM decisions "
        "WHERE stage = 'c4_clean' GROUP BY ALL"
    ).fetchall()
    by_lang: dict[str, dict[str, int]] = {}
    for lang, decision, n in rows:
        by_lang.setdefault(lang, {})[decision] = n
    assert None not in by_lang  # every c4 decision names its language
    assert by_lang["zh"].get("modified", 0) + by_lang["zh"].get("kept", 0) >= 2
    assert by_lang["zh"].get("dropped", 0) >= 2
    assert by_lang["en"]["modified"] > 20
    passed_extract = con.execute(
        "SELECT count(*) FROM decisions WHERE stage = 'extract' AND decision = 'kept'"
    ).fetchone()[0]
    assert sum(n for _, _, n in rows) == passed_extract


def test_mix_writes_token_shards_of_kept_pages(cc):
    _, result = cc
    assert result.mix_dir is not None
    shards = sorted((result.mix_dir / "shards").glob("*.npy"))
    assert shards and all(s.stat().st_size > 0 for s in shards)
    con = connect_any(result.mix_dir)
    sources = dict(con.execute('SELECT source, sum("end" - start) FROM tokens GROUP BY 1').fetchall())
    assert sources.get("english_hq", 0) > 0 and sources.get("clean_rest", 0) > 0
    bad = con.execute(
        "SELECT count(*) FROM tokens t JOIN documents d USING (doc_id) WHERE d.status != 'kept'"
    ).fetchone()[0]
    assert bad == 0
    flagged = con.execute(
        "SELECT count(*) FROM tokens JOIN attributes_badwords_v1 USING (doc_id) WHERE badword_word_frac >= 0.01"
    ).fetchone()[0]
    assert flagged == 0


def test_printed_follow_up_commands_work(cc, capsys):
    _, result = cc
    lines = next_steps(result.run_dir, result.mix_dir)
    assert any("'$.language'" in line for line in lines)
    for line in lines:
        assert main(shlex.split(line)[1:]) == 0, line
    assert "verify: OK" in capsys.readouterr().out
