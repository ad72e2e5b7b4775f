"""Cold import time of the controller's handler over `import boto3` alone, the function's zip size, and what
creating the clients costs a first invocation.

Each import is timed in a fresh interpreter (no bytecode cache written). The two imports alternate, so a
change in the machine's load between runs falls on both sides of a pair; the ratio is the median of the
pairs' ratios.
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
sys.path.insert(0, str(ROOT / "lambda"))

# Wall time, and the CPU time of the process: on a shared machine another tenant's load stretches the first,
# hardly the second, so the ratio is taken on CPU time.
PROBE = ("import time; t, c = time.perf_counter(), time.process_time(); import {module}; "
         "print(time.perf_counter() - t, time.process_time() - c)")
CLIENTS_PROBE = ("import boto3, time; t = time.perf_counter(); [boto3.client(n) for n in {names!r}]; "
                 "print(time.perf_counter() - t)")
TICK_CLIENTS = ("ssm", "route53")  # what a tick between canary steps calls (tests/controller/test_gateways.py)


def once(probe: str, env: dict[str, str]) -> tuple[float, ...]:
    out = subprocess.run([sys.executable, "-B", "-c", probe], cwd=ROOT / "lambda", env=env, capture_output=True,
                         text=True, check=True)
    return tuple(float(x) for x in out.stdout.split())


def timed(probe: str, env: dict[str, str], repeat: int) -> float:
    return statistics.median(once(probe, env)[0] for _ in range(repeat))


def zip_size() -> tuple[int, int]:
    from stack.lambda_package import package_source

    source = Path(package_source())
    with tempfile.TemporaryDirectory() as out:
        archive = Path(out) / "code.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
            for path in sorted(source.rglob("*.py")):
                z.write(path, path.relative_to(source))
        return archive.stat().st_size, len(list(source.rglob("*.py")))


def main(repeat: int = 15) -> None:
    from tests.controller.fakes import environment  # the function's environment, as deployed

    env = {**os.environ, **environment(), "PYTHONPATH": str(ROOT / "lambda")}
    pairs = [(once(PROBE.format(module="boto3"), env), once(PROBE.format(module="handler"), env))
             for _ in range(repeat)]
    boto = statistics.median(b[0] for b, _ in pairs)
    handler = statistics.median(h[0] for _, h in pairs)
    ratio = statistics.median(h[1] / b[1] for b, h in pairs)
    wall_ratio = statistics.median(h[0] / b[0] for b, h in pairs)
    size, files = zip_size()
    sys.path.insert(0, str(ROOT / "lambda"))
    from cutover.service import CLIENTS

    env = {**env, "AWS_DEFAULT_REGION": "us-east-1"}
    every = timed(CLIENTS_PROBE.format(names=tuple(CLIENTS)), env, repeat)
    tick = timed(CLIENTS_PROBE.format(names=TICK_CLIENTS), env, repeat)
    print(f"import boto3          median {boto * 1000:7.1f} ms")
    print(f"import handler        median {handler * 1000:7.1f} ms  (includes boto3)")
    print(f"handler / boto3 = {ratio:.3f}  (CPU time, median of {repeat} alternating pairs; target <= 1.2; "
          f"wall time {wall_ratio:.3f})")
    print(f"function zip: {size / 1024:.1f} KiB, {files} files")
    print(f"first invocation, creating clients: all {len(CLIENTS)} services {every * 1000:6.1f} ms; "
          f"a tick's ({', '.join(TICK_CLIENTS)}) {tick * 1000:6.1f} ms (clients are created on first use)")


if __name__ == "__main__":
    main()
