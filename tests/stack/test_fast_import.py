"""The fast provider import gives byte-identical output to the stock import, and can be switched off."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from foundation.toolchain import CURRENT
from tests.conftest import ROOT

PROBE = ("import sys; import main; from foundation.toolchain import CURRENT; main.main(); "
         "print('PACKAGE_INIT', hasattr(sys.modules[CURRENT.provider], '__all__'))")


@pytest.mark.slow
def test_fast_and_stock_paths_are_byte_identical(synthesized, tmp_path):
    """The session's stack was synthesized on the fast path (tests/conftest.py installs it); the stock path
    runs here in a fresh interpreter on the same default configuration."""
    out = tmp_path / "stock"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MIGRATION_", "ENVIRONMENT_SUFFIX"))}
    env.update(MIGRATION_FAST_IMPORT="0", CDKTF_OUTDIR=str(out), PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=600, check=True)
    assert not hasattr(sys.modules[CURRENT.provider], "__all__")  # here, the package __init__ never ran
    assert "PACKAGE_INIT True" in result.stdout  # there, the switch really turned the fast path off
    assert (out / "stacks" / synthesized.config.stack_name / "cdk.tf.json").read_bytes() == synthesized.path.read_bytes()
