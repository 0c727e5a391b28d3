"""Fixtures for the audit tests: one tiny training run on a mix with a planted loss spike (shared by
the spikes, replay and report tests, so the suite trains as little as possible)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

# Helper modules are imported by name (--import-mode=importlib): this folder and the trainer tests'
# fixture writer, shared rather than copied.
for _d in (Path(__file__).resolve().parent, Path(__file__).resolve().parents[1] / "train"):
    if str(_d) not in sys.path:
        sys.path.insert(0, str(_d))
from spike_fixture import SPIKE_STEP, spike_config, spiked_mix  # noqa: E402

from dolmalike.train.trainer import train  # noqa: E402


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def spiked(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> tuple[Path, list[str]]:
    """(MIX_DIR, garbage doc_ids planted at SPIKE_STEP)."""
    return spiked_mix(shared_data, tmp_path_factory.mktemp("spiked"), spike_config(), SPIKE_STEP)


@pytest.fixture(scope="session")
def spiked_run(tmp_path_factory: pytest.TempPathFactory, spiked: tuple[Path, list[str]]) -> Path:
    out = tmp_path_factory.mktemp("spiked_run") / "train"
    train(spiked[0], out, spike_config(), progress=False)
    return out


@pytest.fixture(scope="session")
def cli():
    from dolmalike.cli.main import main

    return main


@pytest.fixture(scope="session")
def memo_run(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    """A run long enough to memorize: 200-byte documents, the 13 wiki documents repeated 32 times (~120
    exposures each, the others ~4), 300 steps at lr 1e-2 (~8 s on one thread)."""
    from train_fixture_mix import tiny_config, write_fixture_mix

    d = tmp_path_factory.mktemp("memo")
    mix = write_fixture_mix(shared_data, d, max_bytes=200, wiki_repeats=32)
    train(mix, d / "train", tiny_config(max_steps=300, batch_size=16, lr=1e-2, warmup=10), progress=False)
    return d / "train"
