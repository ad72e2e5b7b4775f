"""Benchmark: prints figures, asserts nothing. Each measurement is a fresh process, repeated; medians.

- stock floor: `import <provider bindings>.<module>` for every module the stack uses, the way every
  CDKTF user pays it (the package __init__ loads every submodule), on the toolchain of this environment;
- synth: a full `python main.py` (fast import on), wall time and peak memory of the process tree;
- the same synth without the compliance aspects, for their cost;
- the whole gate (synth, checkov, Terraform's parser) as a fresh process.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ALIAS = "foundation.aws"
sys.path.insert(0, str(ROOT))
from foundation.toolchain import CURRENT  # noqa: E402

PACKAGE = CURRENT.provider


def provider_modules() -> list[str]:
    """Provider submodules imported anywhere in the stack's sources."""
    found = set()
    for path in (ROOT / "stack").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(ALIAS + "."):
                found.add(PACKAGE + node.module[len(ALIAS):])
    return sorted(found)


def lazy_bindings() -> bool:
    """Whether the bindings' package __init__ defers its submodules (a module-level __getattr__, PEP 562)."""
    spec = importlib.util.find_spec(PACKAGE)
    return spec is not None and "\ndef __getattr__(" in Path(spec.origin).read_text()


def tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and all its descendants (jsii's node runs as a child)."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                total += next((int(line.split()[1]) for line in status if line.startswith("VmRSS:")), 0)
            with open(f"/proc/{current}/task/{current}/children") as children:
                stack.extend(int(c) for c in children.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def run(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and peak tree RSS (KiB) of one fresh process."""
    peak = 0
    start = time.perf_counter()
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def sample() -> None:
        nonlocal peak
        while process.poll() is None:
            peak = max(peak, tree_rss_kib(process.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    elapsed = time.perf_counter() - start
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({process.returncode}):\n{stderr.decode()[-2000:]}")
    return elapsed, peak


def measure(label: str, argv: list[str], env: dict[str, str], repeat: int) -> dict:
    runs = [run(argv, env) for _ in range(repeat)]
    seconds = [r[0] for r in runs]
    result = {"label": label, "median_s": statistics.median(seconds), "runs_s": [round(s, 2) for s in seconds],
              "peak_rss_mib": round(max(r[1] for r in runs) / 1024, 1)}
    print(f"{label:<44} median {result['median_s']:6.2f} s   runs {result['runs_s']}   "
          f"peak {result['peak_rss_mib']:7.1f} MiB", flush=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    modules = provider_modules()
    print(f"python {sys.version.split()[0]}, node {env.get('JSII_NODE') or 'node'}, {os.cpu_count()} cores, "
          f"{len(modules)} provider modules used by the stack", flush=True)
    figures = {}
    floor = measure("stock import of the stack's provider modules", [sys.executable, "-c", "; ".join(
        f"import {m}" for m in modules)], env, args.repeat)
    with tempfile.TemporaryDirectory() as out:
        synth_env = {**env, "CDKTF_OUTDIR": out}
        synth = measure("python main.py (full synth, fast import)", [sys.executable, "main.py"], synth_env,
                        args.repeat)
        bare = measure("same synth without compliance aspects", [sys.executable, "bench/synth_without_checks.py"],
                       synth_env, args.repeat)
        gate = measure("python -m policies.gate (synth+checkov+parser)", [sys.executable, "-m", "policies.gate",
                       "--reports", str(Path(out) / "reports")], synth_env, args.repeat)
        stock = measure("python main.py (full synth, stock import)", [sys.executable, "main.py"],
                        {**synth_env, "MIGRATION_FAST_IMPORT": "0"}, 1)
    figures.update(floor=floor, synth=synth, bare_synth=bare, gate=gate, stock_synth=stock)
    figures["gate_over_floor"] = round(gate["median_s"] / floor["median_s"], 3)
    figures["aspects_ratio"] = round(synth["median_s"] / bare["median_s"], 3)
    ratio = synth["median_s"] / floor["median_s"]
    figures["synth_over_floor"] = round(ratio, 3)
    print(f"\nsynth / stock floor = {ratio:.3f}  (target <= 0.35)")
    print(f"synth peak memory   = {synth['peak_rss_mib']:.1f} MiB  (target <= 1024)")
    print(f"synth with aspects / without = {figures['aspects_ratio']:.3f}  (target <= 1.10)")
    print(f"whole gate / stock floor     = {figures['gate_over_floor']:.3f}  (target <= 1.0)")
    if lazy_bindings():
        print(f"note: {PACKAGE} loads its submodules lazily, so its stock floor is already small and the ratios "
              "to it say little; compare the absolute times with the default toolchain's")
    warm = subprocess.run([sys.executable, "bench/aspects_overhead.py"], cwd=ROOT, env=env, capture_output=True,
                          text=True, check=True).stdout.strip().splitlines()
    print("in one warm process (construct + synth only, imports excluded):")
    print("\n".join(f"  {line}" for line in warm))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
