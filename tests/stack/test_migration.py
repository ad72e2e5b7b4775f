"""Migration: DMS instance, endpoints through secrets with TLS, forward and reverse tasks."""

from __future__ import annotations

import json

from aspects.facts import DMS_CLASSES


def test_replication_instance(synthesized):
    instance = synthesized.one("aws_dms_replication_instance")
    assert instance["publicly_accessible"] is False
    assert instance["kms_key_arn"].startswith("${aws_kms_key.")
    vcpu, gib = DMS_CLASSES[instance["replication_instance_class"]]
    assert vcpu >= 2 and gib >= 8
    assert instance["multi_az"] is synthesized.config.migration.dms_multi_az


def test_security_group_egress_only_to_onprem_aurora_and_endpoints(synthesized):
    group = next(g for g in synthesized.resources("aws_security_group") if g["name"].startswith("dms-"))
    assert group["egress"] == []
    rules = synthesized.resources("aws_vpc_security_group_egress_rule")
    cfg = synthesized.config
    targets = {(r.get("cidr_ipv4") or "aurora-sg", r["from_port"]) for r in rules}
    assert targets == {(cfg.network.onprem_cidr, cfg.migration.onprem_port), ("aurora-sg", cfg.database.port),
                       (cfg.network.migration_vpc_cidr, 443)}


def test_endpoints_use_existing_secrets_and_tls(synthesized):
    endpoints = synthesized.resources("aws_dms_endpoint")
    assert len(endpoints) == 4
    m = synthesized.config.migration
    for endpoint in endpoints:
        assert endpoint["ssl_mode"] != "none"
        assert endpoint["secrets_manager_arn"] in (m.source_secret_arn, m.target_secret_arn)
        assert "password" not in endpoint and "username" not in endpoint
    kinds = sorted((e["endpoint_type"], e["engine_name"]) for e in endpoints)
    assert kinds == [("source", "aurora-postgresql"), ("source", "postgres"), ("target", "aurora-postgresql"),
                     ("target", "postgres")]


def test_secrets_role_trusts_regional_principal_and_reads_only_the_two_secrets(synthesized):
    role = next(r for r in synthesized.resources("aws_iam_role") if r["name"].startswith("dms-secrets-"))
    trust = json.loads(role["assume_role_policy"])
    assert trust["Statement"][0]["Principal"]["Service"] == f"dms.{synthesized.config.region}.amazonaws.com"
    policy = json.loads(next(p for p in synthesized.resources("aws_iam_role_policy")
                             if p["name"].startswith("read-endpoint-secrets-"))["policy"])
    m = synthesized.config.migration
    resources = {r for s in policy["Statement"] for r in s["Resource"]}
    assert resources == {m.source_secret_arn, m.target_secret_arn, m.source_secret_kms_key_arn,
                         m.target_secret_kms_key_arn}


def test_forward_task_full_load_and_cdc_with_validation(synthesized):
    tasks = {t["migration_type"]: t for t in synthesized.resources("aws_dms_replication_task")}
    forward = tasks["full-load-and-cdc"]
    settings = json.loads(forward["replication_task_settings"])
    assert settings["ValidationSettings"]["EnableValidation"] is True
    assert settings["Logging"]["EnableLogging"] is True
    assert forward["lifecycle"]["ignore_changes"] == ["replication_task_settings"]
    assert forward["resource_identifier"].startswith("fwd-")
    assert forward["start_replication_task"] is False
    rules = json.loads(forward["table_mappings"])["rules"]
    assert rules[0]["object-locator"] == {"schema-name": synthesized.config.migration.schema, "table-name": "%"}


def test_both_tasks_prevent_loopback(synthesized):
    for task in synthesized.resources("aws_dms_replication_task"):
        loopback = json.loads(task["replication_task_settings"])["LoopbackPreventionSettings"]
        assert loopback["EnableLoopbackPrevention"] is True and loopback["SourceSchema"]


def test_reverse_task_is_cdc_only_and_not_started(synthesized):
    tasks = {t["migration_type"]: t for t in synthesized.resources("aws_dms_replication_task")}
    reverse = tasks["cdc"]
    assert reverse["start_replication_task"] is False
    assert reverse["resource_identifier"].startswith("rev-")
    assert reverse["lifecycle"]["ignore_changes"] == ["replication_task_settings"]


def test_account_roles_only_when_asked(synthesized):
    names = {r["name"] for r in synthesized.resources("aws_iam_role")}
    assert not names & {"dms-vpc-role", "dms-cloudwatch-logs-role"}


def test_tasks_stop_on_failed_rows_and_sources_fail_on_lob_truncation(synthesized):
    migration = synthesized.config.migration
    for task in synthesized.resources("aws_dms_replication_task"):
        settings = json.loads(task["replication_task_settings"])
        assert set(settings["ErrorBehavior"].values()) <= {"STOP_TASK", True}
        assert settings["TargetMetadata"]["BatchApplyEnabled"] is False
        assert settings["TargetMetadata"]["LobMaxSize"] == migration.lob_max_size_kb
    sources = [e for e in synthesized.resources("aws_dms_endpoint") if e["endpoint_type"] == "source"]
    assert {e["engine_name"] for e in sources} == {"postgres", "aurora-postgresql"}
    for endpoint in sources:
        assert endpoint["postgres_settings"] == {
            "heartbeat_enable": True, "heartbeat_frequency": migration.heartbeat_frequency_minutes,
            "heartbeat_schema": migration.heartbeat_schema, "plugin_name": migration.decoding_plugin,
            "capture_ddls": False, "fail_tasks_on_lob_truncation": True}
    instance = synthesized.one("aws_dms_replication_instance")
    assert instance["engine_version"] == migration.dms_engine_version
    assert instance["auto_minor_version_upgrade"] is False
