"""Cutover function: runtime, packaging, encryption, DLQ, tracing, logs, concurrency and a scoped role."""

from __future__ import annotations

import json
import zipfile

from aspects.facts import UNSCOPED_ACTIONS


def test_function_settings(synthesized):
    fn = synthesized.function("cutover")
    major, minor = (int(x) for x in fn["runtime"].removeprefix("python").split("."))
    assert fn["runtime"].startswith("python") and (major, minor) >= (3, 12)  # "python3.9" < "python3.12" here
    assert fn["reserved_concurrent_executions"] == 1
    assert fn["kms_key_arn"].startswith("${aws_kms_key.")
    assert fn["tracing_config"]["mode"] == "Active"
    assert fn["logging_config"]["log_format"] == "JSON"
    assert "aws_sqs_queue" in fn["dead_letter_config"]["target_arn"]
    assert "vpc_config" not in fn
    queue = synthesized.one("aws_sqs_queue")
    assert queue["kms_master_key_id"].startswith("${aws_kms_key.")


def test_package_holds_only_the_controller_sources(synthesized):
    fn = synthesized.function("cutover")
    archive = synthesized.path.parent / fn["filename"]
    with zipfile.ZipFile(archive) as z:
        names = z.namelist()
    files = [n for n in names if not n.endswith("/")]
    assert {"handler.py", "cutover/logic.py", "cutover/gateways/route53.py"} <= set(files)
    assert all(n.endswith(".py") for n in files)  # no caches, no tests, nothing vendored


def test_role_scoped_to_exact_resources(synthesized):
    policy = json.loads(next(p for p in synthesized.resources("aws_iam_role_policy")
                             if p["name"].startswith("cutover-controller-"))["policy"])
    for statement in policy["Statement"]:
        assert "*" not in "".join(statement["Action"]).replace("GenerateDataKey", "")
        if statement["Resource"] == ["*"]:
            assert set(statement["Action"]) <= set(UNSCOPED_ACTIONS)
    resources = " ".join(r for s in policy["Statement"] for r in s["Resource"])
    for kind in ("aws_route53_zone", "aws_ssm_parameter", "aws_dms_replication_task", "aws_rds_cluster",
                 "aws_sns_topic", "aws_backup_vault"):
        assert kind in resources


def test_environment_names_every_target(synthesized):
    variables = synthesized.function("cutover")["environment"]["variables"]
    assert variables["LAG_THRESHOLD_SECONDS"] == str(synthesized.config.monitoring.lag_threshold_seconds)
    assert variables["FORWARD_TASK_RESOURCE_ID"].startswith("fwd-")
    assert "aws_route53_zone" in variables["HOSTED_ZONE_ID"]
