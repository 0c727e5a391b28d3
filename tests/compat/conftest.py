import sys
from pathlib import Path

# Helper modules are imported by name; with --import-mode=importlib their folders must be on sys.path.
# The RUN_DIR fixture writer lives beside the mix tests: shared rather than copied.
_mix = Path(__file__).resolve().parents[1] / "mix"
if str(_mix) not in sys.path:
    sys.path.insert(0, str(_mix))
