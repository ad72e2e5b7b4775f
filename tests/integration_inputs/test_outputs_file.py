"""The integration suite's handling of its input file: skip without it, fail naming a missing key."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import ROOT


def run_suite(tmp_path, outputs_path) -> subprocess.CompletedProcess:
    env = {**os.environ, "MIGRATION_FLAT_OUTPUTS": str(outputs_path), "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
           "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    env.pop("MIGRATION_INTEGRATION_LOCAL_INVOKE", None)
    return subprocess.run([sys.executable, "-m", "pytest", "tests/integration/test_deployed.py", "-m", "integration",
                           "-rs", "-p", "no:cacheprovider", "-q"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


def test_missing_file_skips_with_one_reason(tmp_path):
    result = run_suite(tmp_path, tmp_path / "nope.json")
    assert result.returncode == 0, result.stdout
    assert "skipped" in result.stdout and "does not exist" in result.stdout


def test_file_without_a_key_fails_naming_it(tmp_path):
    path = tmp_path / "flat-outputs.json"
    path.write_text(json.dumps({"aurora_cluster_id": "aurora-x"}))
    result = run_suite(tmp_path, path)
    assert result.returncode != 0
    assert "lacks required output(s)" in result.stdout and "dms_forward_task_arn" in result.stdout


def test_file_that_is_not_json_fails_clearly(tmp_path):
    path = tmp_path / "flat-outputs.json"
    path.write_text("{not json")
    result = run_suite(tmp_path, path)
    assert result.returncode != 0 and "is not valid JSON" in result.stdout
