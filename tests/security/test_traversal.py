"""Names that become paths cannot leave RUN_DIR: `../..` planted in every kind of name a spec,
a mix spec, an ablation spec or a plugin can give ends in one line, exit 2, and no file written
outside the run directory (the whole sandbox is listed before and after)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dolmalike.cli.main import main
from dolmalike.core.errors import DolmalikeError
from dolmalike.core.names import resolve_inside, safe_name
from dolmalike.manifests.layout import RunLayout
from dolmalike.runner.inputs import resolve_inputs

ESCAPE = "../../../ESCAPED"
SYNTH = "name: s\ninputs: {synthetic: {docs: 30, seed: 1, files: 1}}\n"
MIX = "seed: 1\nsources:\n  - {{name: {name!r}, where: {{attr: url, ne: x}}}}\n"

SPECS = {
    "model name": SYNTH + f"models: {{{ESCAPE!r}: {{pos: [a], neg: [b]}}}}\nstages: [extract]\n",
    "absolute model name": SYNTH + "models: {'/tmp/ESCAPED': {pos: [a], neg: [b]}}\nstages: [extract]\n",
    "url_dedup name": SYNTH + f"stages: [extract]\nglobal: [{{url_dedup: {{name: {ESCAPE!r}}}}}]\n",
    "content_dedup name": SYNTH + f"stages: [extract]\nglobal: [{{content_dedup: {{name: {ESCAPE!r}}}}}]\n",
    "minhash_dedup name": SYNTH + f"stages: [extract]\nglobal: [{{minhash_dedup: {{name: {ESCAPE!r}}}}}]\n",
    "paragraph_dedup attribute": SYNTH
    + f"stages: [extract]\nglobal: [{{paragraph_dedup: {{attribute: {ESCAPE!r}}}}}]\n",
    "mix source name": SYNTH + "stages: [extract]\nmix: ./mix.yaml\n",
    "tag plugins dir": SYNTH + "stages: [extract, {tag: {taggers: [langid_v1], plugins: [./nope]}}]\n",
    "tagger plugin name": SYNTH + "stages: [extract, {tag: {taggers: [evil_v1], plugins: [./plugins]}}]\n",
}

PLUGIN = f"""
from dolmalike.taggers.base import Tagger, tagger


@tagger({ESCAPE!r})
class Evil(Tagger):
    pass
"""


def _tree(root: Path) -> set[Path]:
    return {p for p in root.rglob("*")}


@pytest.fixture
def sandbox(tmp_path: Path) -> Path:
    """tmp/a/b/c/{specs, run}: an escape of three levels from any directory in RUN_DIR lands in tmp/."""
    box = tmp_path / "a" / "b" / "c"
    box.mkdir(parents=True)
    (box / "mix.yaml").write_text(MIX.format(name=ESCAPE))
    (box / "plugins").mkdir()
    (box / "plugins" / "evil.py").write_text(PLUGIN)
    return box


@pytest.mark.parametrize("label", sorted(SPECS))
def test_planted_names_in_specs_exit_2_and_write_nothing_outside(
    label: str, sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = sandbox / "spec.yaml"
    spec.write_text(SPECS[label])
    root = sandbox.parents[2]
    before = _tree(root)
    run_dir = sandbox / "run"
    assert main(["run", str(spec), "--out", str(run_dir)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("dolmalike run: error:") and "\n" not in err, err
    new = _tree(root) - before
    outside = sorted(str(p) for p in new if not p.is_relative_to(run_dir))
    assert not outside, outside
    assert not list(root.rglob("ESCAPED*")) and not Path("/tmp/ESCAPED.bin").exists()


def test_tagger_plugin_with_a_path_name_is_refused_by_every_command(
    sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["taggers", "--plugins", str(sandbox / "plugins")]) == 2
    assert "cannot be used as a file name" in capsys.readouterr().err
    run_dir = sandbox / "run"
    (sandbox / "ok.yaml").write_text(SYNTH + "stages: [extract]\n")
    assert main(["run", str(sandbox / "ok.yaml"), "--out", str(run_dir)]) == 0
    capsys.readouterr()
    before = _tree(sandbox.parents[2])
    assert main(["tag", str(run_dir), "--taggers", "evil_v1", "--plugins", str(sandbox / "plugins")]) == 2
    assert "cannot be used as a file name" in capsys.readouterr().err
    assert _tree(sandbox.parents[2]) == before


def test_ablation_variant_names_stay_inside_out(sandbox: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = sandbox / "ablation.yaml"
    spec.write_text(f"out: ./abl\nvariants:\n  - {{name: {ESCAPE!r}, mix_dir: ./nowhere}}\n")
    before = _tree(sandbox.parents[2])
    assert main(["ablate", str(spec)]) == 2
    assert "cannot be used as a file name" in capsys.readouterr().err
    assert _tree(sandbox.parents[2]) == before


@pytest.mark.parametrize(
    "name", ["..", ".", "", "a/b", "../x", "/abs", "a\\b", "x" * 129, ".hidden", None, 3]
)
def test_safe_name_refuses_anything_but_one_plain_component(name: object) -> None:
    with pytest.raises(DolmalikeError, match="cannot be used as a file name"):
        safe_name(name, "thing")


def test_layout_checks_every_name_it_turns_into_a_path(tmp_path: Path) -> None:
    layout = RunLayout.of(tmp_path)
    assert (
        layout.marker("minhash_dedup.signatures", "crawl-00000")
        == tmp_path / "_done/minhash_dedup.signatures/crawl-00000"
    )
    for call in (
        lambda: layout.marker("../x", "p"),
        lambda: layout.marker("s", "../../p"),
        lambda: layout.model("../m"),
        lambda: layout.attributes_dir("../t"),
        lambda: layout.part("documents", "../p"),
        lambda: layout.step_work(".."),
    ):
        with pytest.raises(DolmalikeError):
            call()
    assert resolve_inside(tmp_path, "a", "b.txt") == tmp_path.resolve() / "a" / "b.txt"
    with pytest.raises(DolmalikeError, match="points outside"):
        resolve_inside(tmp_path / "run", "..", "x")


def test_input_files_with_dotted_names_get_plain_partition_keys(tmp_path: Path) -> None:
    for name in ("..warc.gz", "...warc.gz", "-x.warc.gz"):
        (tmp_path / name).write_bytes(b"")
    keys = [f.partition for f in resolve_inputs([str(tmp_path)])]
    assert len(keys) == 3 and all(safe_name(k) == k for k in keys), keys
