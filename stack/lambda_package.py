"""The functions' deployment packages: only what each runs, so caches and tests never enter them.

The controller ships its own sources and lambda/shared. The fence ships its sources, lambda/shared (the same
migrated definition and sequence statements) and pg8000 with its pure-Python dependencies, copied from the installed,
pinned distributions: pure Python, so one package runs on any Lambda architecture with nothing to build.
"""

from __future__ import annotations

import atexit
import importlib.util
import shutil
import tempfile
from pathlib import Path

SOURCE_DIR = Path(__file__).resolve().parents[1] / "lambda"
CONTROLLER = ("handler.py", "cutover", "shared")
FENCE = ("fence_handler.py", "fence", "shared")
FENCE_LIBRARIES = ("pg8000", "scramp", "asn1crypto", "dateutil", "six")


def _copy(source: Path, destination: Path) -> None:
    files = [source] if source.is_file() else sorted(p for p in source.rglob("*") if p.is_file())
    for path in files:
        if "__pycache__" in path.parts or path.suffix == ".pyc":
            continue
        target = destination / path.relative_to(source.parent)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


def _staging() -> Path:
    staging = Path(tempfile.mkdtemp(prefix="function-src-"))
    atexit.register(shutil.rmtree, staging, ignore_errors=True)  # CDKTF has copied it into the synth output by then
    return staging


def package_source() -> str:
    """A staging folder with the controller's sources; its content hash is the code hash."""
    staging = _staging()
    for entry in CONTROLLER:
        _copy(SOURCE_DIR / entry, staging / Path(entry).parent)
    return str(staging)


def fence_package_source() -> str:
    staging = _staging()
    for entry in FENCE:
        _copy(SOURCE_DIR / entry, staging / Path(entry).parent)
    for name in FENCE_LIBRARIES:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise RuntimeError(f"{name} is not installed: the fence function's package needs it (requirements.txt)")
        origin = Path(spec.origin)
        _copy(origin.parent if origin.name == "__init__.py" else origin, staging)
    return str(staging)
