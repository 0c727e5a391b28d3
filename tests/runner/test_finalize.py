"""documents/ n_chars: a dropped document keeps its real size (measured by a run that keeps it)."""

from pathlib import Path

from dolmalike.exec.executor import ExecConfig
from dolmalike.manifests.query import connect
from dolmalike.runner.pipeline import run_pipeline
from dolmalike.runner.spec import load_spec

_CRAWL = "inputs: {synthetic: {docs: 120, seed: 4, files: 3}}\n"


def _spec(tmp_path: Path, name: str, stages: str, global_steps: str = "") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"name: {name}\nseed: 1\n{_CRAWL}stages:\n{stages}{global_steps}")
    return path


def _rows(run_dir: Path) -> dict[str, tuple[str, str, int]]:
    con = connect(run_dir)
    return {
        d: (s, g, n)
        for d, s, g, n in con.execute("SELECT doc_id, status, stage, n_chars FROM documents").fetchall()
    }


def test_dropped_documents_keep_their_size(tmp_path: Path) -> None:
    extract = "  - extract: {extractor: resiliparse}\n"
    cleaned = extract + "  - c4_clean: {}\n"
    dedup = "global:\n  - url_dedup: {}\n  - content_dedup: {}\n  - minhash_dedup: {bands: 8, rows: 4}\n"
    only_extract = _rows(
        run_pipeline(load_spec(_spec(tmp_path, "x", extract)), tmp_path / "x", ExecConfig()).run_dir
    )
    clean = _rows(
        run_pipeline(load_spec(_spec(tmp_path, "c", cleaned)), tmp_path / "c", ExecConfig()).run_dir
    )
    deduped = _rows(
        run_pipeline(load_spec(_spec(tmp_path, "d", cleaned, dedup)), tmp_path / "d", ExecConfig()).run_dir
    )
    assert only_extract.keys() == clean.keys() == deduped.keys()

    by_dedup = [d for d, (s, g, _) in deduped.items() if s == "dropped" and g.endswith("_dedup")]
    assert len(by_dedup) >= 5
    # dedup changes no text: a document it dropped measures what it measures where it is kept
    assert all(deduped[d][2] == clean[d][2] > 0 for d in by_dedup)

    by_c4 = [d for d, (s, g, _) in clean.items() if s == "dropped" and g == "c4_clean"]
    assert len(by_c4) >= 5
    # C4 cleaning only removes lines: the size it dropped is at most what extraction produced
    assert all(0 <= clean[d][2] <= only_extract[d][2] for d in by_c4)
    assert sum(clean[d][2] > 0 for d in by_c4) >= len(by_c4) // 2
    assert all(deduped[d][2] == clean[d][2] for d in by_c4)

    assert all(n == 0 for s, _, n in deduped.values() if s == "error")
