"""tests/deploy: offline checks of the deployment descriptors (see deployfiles.py)."""

from __future__ import annotations

import sys
from pathlib import Path

# The test modules share one reader of the descriptors (deployfiles.py, next to this file).
sys.path.insert(0, str(Path(__file__).resolve().parent))
