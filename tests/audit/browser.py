"""Real headless Debian chromium for the report tests: the DOM after the page's scripts ran, and every
console message the page produced (chromium logs them with --enable-logging=stderr as `CONSOLE`)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

SKIP_REASON = (
    "chromium is not installed (Debian: `make browser` runs apt-get install -y chromium chromium-driver)"
)


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip(SKIP_REASON)


def render(page: Path, profile: Path) -> tuple[str, list[str]]:
    """(DOM after scripts, console messages) of a local page, with a throwaway profile."""
    proc = subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--enable-logging=stderr",
         "--v=0", f"--user-data-dir={profile}", "--dump-dom", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    return proc.stdout, console
