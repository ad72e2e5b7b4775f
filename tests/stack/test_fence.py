"""Fence function: in the VPC, egress only to the two databases and the endpoints, two secrets, its package."""

from __future__ import annotations

import json
import zipfile

from aspects.facts import UNSCOPED_ACTIONS


def test_fence_runs_in_the_private_subnets_with_the_stacks_key_and_one_invocation_at_a_time(synthesized):
    fn = synthesized.function("fence")
    assert fn["reserved_concurrent_executions"] == 1 and fn["kms_key_arn"].startswith("${aws_kms_key.")
    assert fn["handler"] == "fence_handler.handle" and fn["logging_config"]["log_format"] == "JSON"
    subnets = fn["vpc_config"]["subnet_ids"]
    assert len(subnets) == 3 and all("aws_subnet." in s for s in subnets)
    variables = fn["environment"]["variables"]
    config = synthesized.config
    assert variables["APPLICATION_ROLES"] == ",".join(config.cutover.application_roles)
    k = config.cutover
    onprem, aurora = (set(variables[f"{side}_ALLOWED_ROLES"].split(",")) for side in ("ONPREM", "AURORA"))
    assert onprem == {*k.replication_roles, *k.onprem_allowed_roles}
    assert aurora == {*k.replication_roles, *k.aurora_allowed_roles, config.database.master_username}
    assert not (onprem | aurora) & set(k.application_roles)  # the fence denies every application role
    assert variables["CONTROL_TABLE"] == config.cutover.control_table
    assert variables["ONPREM_SECRET_ARN"] == config.migration.onprem_fence_secret_arn
    assert variables["AURORA_SECRET_ARN"] == config.migration.aurora_fence_secret_arn
    assert "aws_rds_cluster." in variables["AURORA_HOST"]
    controller = synthesized.function("cutover")["environment"]["variables"]
    assert controller["FENCE_FUNCTION_NAME"] == fn["function_name"] and controller["FLIP_MODE"] == "fenced"


def test_fence_security_group_reaches_only_onprem_aurora_and_the_endpoints(synthesized):
    fn = synthesized.function("fence")
    group_ref = fn["vpc_config"]["security_group_ids"][0]
    group = next(g for name, g in synthesized.document["resource"]["aws_security_group"].items()
                 if f"aws_security_group.{name}." in group_ref)
    assert group["egress"] == []
    rules = [r for r in synthesized.resources("aws_vpc_security_group_egress_rule")
             if r["security_group_id"] == group_ref]
    config = synthesized.config
    assert sorted((r["from_port"], r.get("cidr_ipv4") or "aurora") for r in rules) == sorted([
        (config.migration.onprem_port, config.network.onprem_cidr), (config.database.port, "aurora"),
        (443, config.network.migration_vpc_cidr)])
    aurora = next(r for r in rules if r.get("referenced_security_group_id"))
    assert "aws_security_group.database_sg" in aurora["referenced_security_group_id"]
    ingress = [r for r in synthesized.resources("aws_vpc_security_group_ingress_rule")
               if r.get("referenced_security_group_id") == group_ref]
    assert len(ingress) == 1 and ingress[0]["from_port"] == config.database.port


def test_fence_role_reads_its_two_secrets_and_nothing_else_by_name(synthesized):
    policy = json.loads(next(p for p in synthesized.resources("aws_iam_role_policy")
                             if p["name"].startswith("cutover-fence-"))["policy"])
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    config = synthesized.config
    assert by_sid["FenceSecrets"]["Resource"] == [config.migration.onprem_fence_secret_arn,
                                                  config.migration.aurora_fence_secret_arn]
    for statement in policy["Statement"]:
        if statement["Resource"] == ["*"]:
            assert set(statement["Action"]) <= set(UNSCOPED_ACTIONS)
    controller = json.loads(next(p for p in synthesized.resources("aws_iam_role_policy")
                                 if p["name"].startswith("cutover-controller-"))["policy"])
    invoke = next(s for s in controller["Statement"] if s["Sid"] == "InvokeFence")
    assert invoke["Action"] == ["lambda:InvokeFunction"] and "aws_lambda_function.fence_" in invoke["Resource"][0]
    unscoped = next(s for s in controller["Statement"] if s["Resource"] == ["*"])
    assert not any(a.startswith("ec2:") for a in unscoped["Action"])  # the fence's VPC access is not the controller's


def test_fence_package_holds_its_sources_the_shared_sql_and_a_pure_python_driver(synthesized):
    fn = synthesized.function("fence")
    with zipfile.ZipFile(synthesized.path.parent / fn["filename"]) as z:
        files = [n for n in z.namelist() if not n.endswith("/")]
    assert {"fence_handler.py", "fence/service.py", "fence/sql.py", "shared/sql.py", "shared/sequences.py", "pg8000/native.py",
            "scramp/core.py"} <= set(files)
    assert not any(n.endswith((".so", ".pyc")) or "__pycache__" in n for n in files)  # nothing built for one CPU
    assert not any(n.startswith(("cutover/gateways", "cutover/logic")) for n in files)  # not the controller
