import argparse
import json

import pytest

from dolmalike.cli import near_dups as cli
from dolmalike.core.errors import DolmalikeError
from dolmalike.lineage.near_dups import near_dups

from .helpers import clusters_of


def _cli(*argv: str) -> None:
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    args = parser.parse_args(["near-dups", *argv])
    assert args.func(args) == 0


@pytest.fixture(scope="module")
def dup(run):
    """A document minhash dropped, from a cluster of ≥ 3."""
    for members in sorted(clusters_of(run, "minhash_dedup").values(), key=lambda c: c[0]["cluster_id"]):
        if len(members) >= 3:
            return next(r for r in members if r["doc_id"] != r["representative_id"])
    raise AssertionError("no cluster of 3")


def test_near_dups_lists_all_methods(run, crawl, dup):
    clusters = near_dups(run.root, dup["doc_id"])
    assert [c.method for c in clusters] == ["url", "content", "minhash"]
    mh = clusters[-1]
    assert mh.cluster_id == dup["cluster_id"] and mh.size == len(mh.members) == dup["cluster_size"]
    assert mh.members[0].representative and mh.members[0].doc_id == dup["representative_id"]
    assert [m.decision for m in mh.members] == ["kept"] + ["dropped"] * (mh.size - 1)
    urls = {d.doc_id: d.url for d in crawl.all_docs()}
    assert all(m.url == urls[m.doc_id] for m in mh.members)
    me = next(m for m in mh.members if m.doc_id == dup["doc_id"])
    assert me.jaccard == dup["jaccard"] and me.status == "dropped"
    assert mh.members[0].status == "kept"


def test_near_dups_cli_human_and_json(run, dup, capsys):
    _cli(str(run.root), dup["doc_id"])
    out = capsys.readouterr().out
    assert f"minhash cluster {dup['cluster_id']}: {dup['cluster_size']} document(s)" in out
    assert dup["doc_id"] in out and "dropped" in out
    _cli(str(run.root), dup["doc_id"], "--limit", "1")
    out = capsys.readouterr().out
    assert f"... {dup['cluster_size'] - 1} more (use --limit 0 or --json)" in out
    _cli(str(run.root), dup["doc_id"], "--json")
    data = json.loads(capsys.readouterr().out)
    assert data[-1]["representative_id"] == dup["representative_id"]
    assert {m["doc_id"] for m in data[-1]["members"]} >= {dup["doc_id"], dup["representative_id"]}


def test_near_dups_errors(run, tmp_path):
    with pytest.raises(DolmalikeError, match="not seen by any dedup step"):
        near_dups(run.root, "0000000000000000")
    (tmp_path / "manifests").mkdir()
    with pytest.raises(DolmalikeError, match="no dedup manifests"):
        near_dups(tmp_path, "x")
