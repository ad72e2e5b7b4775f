"""Synth time with the compliance aspects over synth time without them, in one warm process."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from foundation import provider_import

provider_import.install()

from foundation.cdk import App  # noqa: E402
from stack.config import Config  # noqa: E402
from stack.migration_stack import MigrationStack  # noqa: E402


def synth_seconds(checks: bool) -> float:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        app = App(outdir=out)
        MigrationStack(app, "migration-sbx01", config=Config(), compliance_checks=checks)
        app.synth()
        return time.perf_counter() - start


def main(repeat: int = 7) -> None:
    synth_seconds(True)  # warm-up: imports, jsii kernel
    with_checks, without = [], []
    for _ in range(repeat):  # interleaved, so drift on a shared machine hits both alike
        with_checks.append(synth_seconds(True))
        without.append(synth_seconds(False))
    a, b = statistics.median(with_checks), statistics.median(without)
    print(f"synth with aspects    median {a:.3f} s  runs {[round(x, 3) for x in with_checks]}")
    print(f"synth without aspects median {b:.3f} s  runs {[round(x, 3) for x in without]}")
    print(f"aspects overhead ratio = {a / b:.3f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
