"""Our checkov policies over fixtures whose resources are named pass*/fail*: exact sets (checkov's pattern)."""

from __future__ import annotations

import json

import pytest

from tests.policies.helpers import TAGS, checkov_outcomes, write_stack

KEY = "${aws_kms_key.key.arn}"
TASK_SETTINGS = json.dumps({"ValidationSettings": {"EnableValidation": True}})
IGNORE_SETTINGS = {"ignore_changes": ["replication_task_settings"]}


def task(kind="full-load-and-cdc", resource_id="fwd-fx01", settings=TASK_SETTINGS, **extra):
    return {"replication_task_id": f"task-{resource_id}", "resource_identifier": resource_id, "migration_type": kind,
            "replication_task_settings": settings, "lifecycle": IGNORE_SETTINGS, "tags": TAGS, **extra}


def record(set_id, weight, ttl=60, name="db.example.internal", ignore=("weighted_routing_policy",)):
    return {"zone_id": "Z1", "name": name, "type": "CNAME", "ttl": ttl, "set_identifier": set_id,
            "records": [f"{set_id}.example.com"], "weighted_routing_policy": {"weight": weight},
            "lifecycle": {"ignore_changes": list(ignore)}}


def alarm(task_dimension, threshold=60, metric="CDCLatencyTarget"):
    return {"alarm_name": f"lag-{task_dimension}", "namespace": "AWS/DMS", "metric_name": metric,
            "threshold": threshold, "dimensions": {"ReplicationInstanceIdentifier": "dms-fx01",
                                                   "ReplicationTaskIdentifier": task_dimension}, "tags": TAGS}


def instance(cluster, zone):
    return {"identifier": f"{cluster}-{zone}", "cluster_identifier": f"${{aws_rds_cluster.{cluster}.id}}",
            "availability_zone": f"us-east-1{zone}", "publicly_accessible": False, "tags": TAGS}


FIXTURES = {
    "MIG-MIG-004": {"aws_dms_replication_task": {
        "pass_cdc": task(), "pass_reverse": task("cdc", "rev-fx01"),
        "fail_full_load_only": task("full-load", "fl-fx01"),
        "fail_no_validation": task(resource_id="nv-fx01", settings="{}")}},
    # The pair is judged on its first record; the second is "other" (not applicable).
    "MIG-DNS-001": [
        {"aws_route53_record": {"pass_a_onprem": record("onprem", 100), "other_b_aurora": record("aurora", 0)}},
        {"aws_route53_record": {"fail_a_half": record("onprem", 50), "other_b_half": record("aurora", 50)}},
        {"aws_route53_record": {"fail_a_ttl": record("onprem", 100, ttl=300), "other_b_ttl": record("aurora", 0)}},
    ],
    "MIG-MIG-001": {"aws_route53_record": {
        "pass_onprem": record("onprem", 100), "fail_aurora": record("aurora", 0, ignore=())}},
    "MIG-MON-001": {
        "aws_dms_replication_instance": {"dms": {"replication_instance_id": "dms-fx01"}},
        "aws_dms_replication_task": {"forward": task()},
        "aws_cloudwatch_metric_alarm": {
            "pass_resource_id": alarm("fwd-fx01"),
            "fail_task_name": alarm("task-fwd-fx01"),
            "fail_threshold": alarm("fwd-fx01", threshold=300, metric="CDCLatencySource")}},
    "MIG-DMS-001": {"aws_dms_replication_instance": {
        "pass_r6i": {"replication_instance_id": "a-fx01", "replication_instance_class": "dms.r6i.large"},
        "pass_c5x": {"replication_instance_id": "b-fx01", "replication_instance_class": "dms.c5.xlarge"},
        "fail_c5": {"replication_instance_id": "c-fx01", "replication_instance_class": "dms.c5.large"},
        "fail_t3m": {"replication_instance_id": "d-fx01", "replication_instance_class": "dms.t3.medium"},
        "fail_unknown": {"replication_instance_id": "e-fx01", "replication_instance_class": "dms.x1.mega"}}},
    "MIG-ENG-001": {"aws_rds_cluster": {
        "pass_pg": {"cluster_identifier": "a-fx01", "engine": "aurora-postgresql"},
        "pass_pg_zero": {"cluster_identifier": "b-fx01", "engine": "aurora-postgresql", "backtrack_window": 0},
        "fail_pg_backtrack": {"cluster_identifier": "c-fx01", "engine": "aurora-postgresql",
                              "backtrack_window": 3600}}},
    "MIG-DB-001": {
        "aws_rds_cluster": {"pass_spread": {"cluster_identifier": "a-fx01"},
                            "fail_same_zone": {"cluster_identifier": "b-fx01"},
                            "fail_two_instances": {"cluster_identifier": "c-fx01"}},
        "aws_rds_cluster_instance": {
            "w1": instance("pass_spread", "a"), "r1": instance("pass_spread", "b"), "r2": instance("pass_spread", "c"),
            "w2": instance("fail_same_zone", "a"), "r3": instance("fail_same_zone", "b"),
            "r4": instance("fail_same_zone", "b"),
            "w3": instance("fail_two_instances", "a"), "r5": instance("fail_two_instances", "b")}},
    "MIG-MIG-002": {"aws_ssm_parameter": {
        "pass_ignored": {"name": "/m/fx01/a", "type": "SecureString", "key_id": KEY, "value": "{}",
                         "lifecycle": {"ignore_changes": ["value"]}},
        "fail_owned_by_terraform": {"name": "/m/fx01/b", "type": "SecureString", "key_id": KEY, "value": "{}"}}},
    "MIG-SEC-001": {"aws_dms_endpoint": {
        "pass_secret": {"endpoint_id": "a-fx01", "secrets_manager_arn": "arn:aws:secretsmanager:x", "tags": TAGS},
        "pass_reference": {"endpoint_id": "b-fx01", "password": "${var.password}", "tags": TAGS},
        "fail_literal": {"endpoint_id": "c-fx01", "username": "u", "password": "hunter22", "tags": TAGS}},
        "aws_rds_cluster": {"fail_master": {"cluster_identifier": "d-fx01", "master_password": "Sup3rS3cret!"},
                            "pass_managed": {"cluster_identifier": "e-fx01", "manage_master_user_password": True}}},
    "MIG-GRAPH-001": {
        "aws_rds_cluster": {"cluster": {"cluster_identifier": "a-fx01"}},
        "aws_backup_selection": {"pass_cluster": {"name": "a", "resources": ["${aws_rds_cluster.cluster.arn}"],
                                                  "plan_id": "p", "iam_role_arn": "r"},
                                 "fail_nothing": {"name": "b", "resources": ["arn:aws:rds:x"], "plan_id": "p",
                                                  "iam_role_arn": "r"}}},
    "MIG-GRAPH-002": {
        "aws_sns_topic": {"topic": {"name": "t-fx01"}},
        "aws_cloudwatch_metric_alarm": {"pass_notifies": {"alarm_name": "a", "alarm_actions": ["${aws_sns_topic.topic.arn}"]},
                                        "fail_silent": {"alarm_name": "b", "alarm_actions": []}}},
}


@pytest.mark.parametrize("check_id", sorted(FIXTURES))
def test_policy_fixtures(tmp_path, check_id):
    stacks = FIXTURES[check_id] if isinstance(FIXTURES[check_id], list) else [FIXTURES[check_id]]
    passing, failing, names = set(), set(), set()
    for index, resources in enumerate(stacks):
        stack_dir = write_stack(tmp_path, f"{check_id.lower()}-{index}", json.loads(json.dumps(resources)))
        names |= {name for items in resources.values() for name in items}
        p, f = checkov_outcomes(tmp_path, stack_dir, check_id)
        passing, failing = passing | p, failing | f
    assert passing == {n for n in names if n.startswith("pass")}
    assert failing == {n for n in names if n.startswith("fail")}
