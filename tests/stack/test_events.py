"""Events: DMS task state (FAILED included), lag alarm state, a minute tick; all to the controller."""

from __future__ import annotations

import json


def rules(synthesized):
    return {r["name"].rsplit("-", 1)[0]: r for r in synthesized.resources("aws_cloudwatch_event_rule")}


def test_dms_rule_matches_on_source_detail_type_and_event_type(synthesized):
    pattern = json.loads(rules(synthesized)["dms-task-state"]["event_pattern"])
    assert pattern["source"] == ["aws.dms"]
    assert pattern["detail-type"] == ["DMS Replication Task State Change"]
    assert set(pattern["detail"]) == {"eventType"}
    assert "REPLICATION_TASK_FAILED" in pattern["detail"]["eventType"]
    assert "REPLICATION_TASK_STOPPED" in pattern["detail"]["eventType"]


def test_alarm_rule_matches_the_latency_alarms(synthesized):
    pattern = json.loads(rules(synthesized)["lag-alarm-state"]["event_pattern"])
    assert pattern["source"] == ["aws.cloudwatch"]
    alarm_names = {a["alarm_name"] for a in synthesized.resources("aws_cloudwatch_metric_alarm")
                   if a["metric_name"].startswith("CDCLatency")}
    assert {arn.rsplit(":", 1)[1] for arn in pattern["resources"]} == alarm_names


def test_tick_every_minute(synthesized):
    assert rules(synthesized)["cutover-tick"]["schedule_expression"] == "rate(1 minute)"


def test_every_rule_targets_the_function_with_a_scoped_permission(synthesized):
    targets = synthesized.resources("aws_cloudwatch_event_target")
    permissions = synthesized.resources("aws_lambda_permission")
    assert len(targets) == len(permissions) == 3
    assert all("aws_lambda_function" in t["arn"] for t in targets)
    assert all(p["principal"] == "events.amazonaws.com" and "aws_cloudwatch_event_rule" in p["source_arn"]
               for p in permissions)
    assert len({p["source_arn"] for p in permissions}) == 3


def test_topic_encrypted_and_denies_plain_transport(synthesized):
    topic = synthesized.one("aws_sns_topic")
    assert topic["kms_master_key_id"].startswith("${aws_kms_key.")
    policy = json.loads(synthesized.one("aws_sns_topic_policy")["policy"])
    deny = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
    assert deny and deny[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
