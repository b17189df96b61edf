"""Running code in a fresh interpreter that imports this source tree."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterable

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent


def run_python(code: str, environment: Dict[str, str], unset: Iterable[str] = ()) -> subprocess.CompletedProcess:
    """Runs ``code`` with this package and the test helpers importable, the current
    environment plus ``environment`` less ``unset``; 30 seconds at most."""
    env = {key: value for key, value in os.environ.items() if key not in set(unset)}
    env.update(environment, PYTHONPATH=os.pathsep.join((str(PACKAGE_ROOT), str(TESTS))))
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=30, check=False
    )
