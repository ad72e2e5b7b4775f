"""The controller's deployment package: only its .py files, so caches and tests never enter it."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

SOURCE_DIR = Path(__file__).resolve().parents[1] / "lambda"


def package_source() -> str:
    """A staging folder with the controller's sources; its content hash is the code hash."""
    staging = Path(tempfile.mkdtemp(prefix="cutover-src-"))
    atexit.register(shutil.rmtree, staging, ignore_errors=True)  # CDKTF has copied it into the synth output by then
    for path in sorted(SOURCE_DIR.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        destination = staging / path.relative_to(SOURCE_DIR)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
    return str(staging)
