from pathlib import Path

import pytest


def _tree_bytes(root: Path, subdirs=("docs", "manifests")) -> dict[str, bytes]:
    out = {}
    for d in subdirs:
        for p in sorted((root / d).rglob("*")):
            if p.is_file():
                out[str(p.relative_to(root))] = p.read_bytes()
    return out


@pytest.fixture
def tree_bytes():
    """Every output file's bytes by relative path, for byte-identity checks."""
    return _tree_bytes


@pytest.fixture
def small_spec(tmp_path) -> Path:
    spec = tmp_path / "small.yaml"
    spec.write_text(
        "name: small\nseed: 3\ninputs: {synthetic: {docs: 240, seed: 5, files: 6}}\n"
        "stages:\n  - extract: {extractor: resiliparse}\n"
    )
    return spec


@pytest.fixture
def extract_spec(tmp_path) -> Path:
    """Read + extract only (inputs come from load_spec's override): reader and runner checks that
    need none of pipelines/commoncrawl.yaml's cleaning, tagging, dedup and mix."""
    spec = tmp_path / "extract.yaml"
    spec.write_text("name: extract\ninputs: []\nstages:\n  - extract: {extractor: resiliparse}\n")
    return spec
