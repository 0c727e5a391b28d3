import sys
from pathlib import Path

import pytest

# The train tests' fixture writer (a MIX_DIR written directly, with its RUN_DIR) is imported by
# name; with --import-mode=importlib its folder must be on sys.path.
_TRAIN = Path(__file__).resolve().parents[1] / "train"
if str(_TRAIN) not in sys.path:
    sys.path.insert(0, str(_TRAIN))
from train_fixture_mix import write_fixture_mix  # noqa: E402


@pytest.fixture(scope="module")
def small_mix(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    """A MIX_DIR of 120 real documents in several shards (no trace index), with its RUN_DIR."""
    return write_fixture_mix(shared_data, tmp_path_factory.mktemp("lineage"), n_docs=120, shard_tokens=20_000)
