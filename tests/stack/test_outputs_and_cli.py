"""Outputs for operators and tests; the CLI refuses bad config before writing anything."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT

EXPECTED_OUTPUTS = {
    "aurora_writer_endpoint", "aurora_reader_endpoint", "aurora_cluster_id", "dms_replication_instance_id",
    "dms_forward_task_arn", "dms_reverse_task_arn", "hosted_zone_id", "record_name", "cutover_function_name",
    "dashboard_name", "lag_alarm_names", "state_parameter_name", "notification_topic_arn", "backup_vault_name",
    "checkpoint_key_arn",
}


def test_outputs_have_descriptions(synthesized):
    outputs = synthesized.outputs
    assert set(outputs) >= EXPECTED_OUTPUTS
    assert all(o.get("description") for o in outputs.values())


def test_local_backend_by_default(synthesized):
    assert "backend" not in synthesized.document.get("terraform", {}) or \
        "s3" not in synthesized.document["terraform"]["backend"]


def run_main(tmp_path, **env):
    environment = {**os.environ, "CDKTF_OUTDIR": str(tmp_path / "out"), **env}
    return subprocess.run([sys.executable, str(ROOT / "main.py")], cwd=tmp_path, env=environment,
                          capture_output=True, text=True, timeout=300)


def test_bad_config_exits_2_names_field_and_writes_nothing(tmp_path):
    result = run_main(tmp_path, ENVIRONMENT_SUFFIX="Bad_Suffix", MIGRATION_DNS_TTL_SECONDS="1")
    assert result.returncode == 2
    assert "environment_suffix:" in result.stderr and "dns.ttl_seconds:" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()
