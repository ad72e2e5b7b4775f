"""The fast provider import gives byte-identical output to the stock import, and can be switched off."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT

PROBE = "import sys; import main; main.main(); print('PACKAGE_INIT', hasattr(sys.modules['cdktf_cdktf_provider_aws'], '__all__'))"


def synth(tmp_path, fast: str) -> tuple[bytes, str]:
    out = tmp_path / f"out-{fast}"
    env = {**os.environ, "MIGRATION_FAST_IMPORT": fast, "CDKTF_OUTDIR": str(out), "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=600, check=True)
    return (out / "stacks" / "migration-sbx01" / "cdk.tf.json").read_bytes(), result.stdout


def test_fast_and_stock_paths_are_byte_identical(tmp_path):
    fast_json, fast_out = synth(tmp_path, "1")
    stock_json, stock_out = synth(tmp_path, "0")
    assert "PACKAGE_INIT False" in fast_out  # the package __init__ did not run
    assert "PACKAGE_INIT True" in stock_out  # the switch really turned the fast path off
    assert fast_json == stock_json
