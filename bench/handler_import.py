"""Cold import time of the controller's handler over `import boto3` alone, and the function's zip size.

Each import is timed in a fresh interpreter (no bytecode cache written), repeated; medians.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PROBE = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


def timed(module: str, env: dict[str, str], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-B", "-c", PROBE.format(module=module)], cwd=ROOT / "lambda",
                             env=env, capture_output=True, text=True, check=True)
        runs.append(float(out.stdout.strip()))
    return statistics.median(runs)


def zip_size() -> tuple[int, int]:
    from stack.lambda_package import package_source

    source = Path(package_source())
    with tempfile.TemporaryDirectory() as out:
        archive = Path(out) / "code.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
            for path in sorted(source.rglob("*.py")):
                z.write(path, path.relative_to(source))
        return archive.stat().st_size, len(list(source.rglob("*.py")))


def main(repeat: int = 7) -> None:
    from tests.controller.fakes import environment  # the function's environment, as deployed

    env = {**os.environ, **environment(), "PYTHONPATH": str(ROOT / "lambda")}
    boto = timed("boto3", env, repeat)
    handler = timed("handler", env, repeat)
    size, files = zip_size()
    print(f"import boto3          median {boto * 1000:7.1f} ms")
    print(f"import handler        median {handler * 1000:7.1f} ms  (includes boto3)")
    print(f"handler / boto3 = {handler / boto:.3f}  (target <= 1.2)")
    print(f"function zip: {size / 1024:.1f} KiB, {files} files")


if __name__ == "__main__":
    main()
