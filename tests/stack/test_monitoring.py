"""Monitoring: latency alarms on the task's resource id; dashboard with the metrics operators need."""

from __future__ import annotations

import json


def test_latency_alarms_use_resource_id_dimension_and_threshold(synthesized):
    task = next(t for t in synthesized.resources("aws_dms_replication_task")
                if t["migration_type"] == "full-load-and-cdc")
    instance = synthesized.one("aws_dms_replication_instance")
    alarms = [a for a in synthesized.resources("aws_cloudwatch_metric_alarm")
              if a["metric_name"].startswith("CDCLatency")]
    assert {a["metric_name"] for a in alarms} == {"CDCLatencySource", "CDCLatencyTarget"}
    for alarm in alarms:
        assert alarm["dimensions"] == {"ReplicationTaskIdentifier": task["resource_identifier"],
                                       "ReplicationInstanceIdentifier": instance["replication_instance_id"]}
        assert alarm["dimensions"]["ReplicationTaskIdentifier"] != task["replication_task_id"]
        assert alarm["threshold"] == synthesized.config.monitoring.lag_threshold_seconds
        assert alarm["comparison_operator"] == "GreaterThanThreshold"
        assert "aws_sns_topic" in alarm["alarm_actions"][0]


def test_dashboard_widgets(synthesized):
    body = json.loads(synthesized.one("aws_cloudwatch_dashboard")["dashboard_body"])
    metrics = [m for w in body["widgets"] for m in w["properties"]["metrics"]]
    names = {m[1] for m in metrics}
    assert names >= {"CDCLatencySource", "CDCLatencyTarget", "DatabaseConnections", "AuroraReplicaLag",
                     "CPUUtilization", "FreeableMemory"}
    roles = {m[m.index("Role") + 1] for m in metrics if m[1] == "DatabaseConnections"}
    assert roles == {"WRITER", "READER"}
    task = next(t for t in synthesized.resources("aws_dms_replication_task")
                if t["migration_type"] == "full-load-and-cdc")
    latency = [m for m in metrics if m[1] == "CDCLatencyTarget"]
    assert any(task["resource_identifier"] in m for m in latency)


def test_replication_slots_and_the_forward_backlog_are_alarmed_with_the_configured_limits(synthesized):
    monitoring, cluster = synthesized.config.monitoring, synthesized.one("aws_rds_cluster")
    task = next(t for t in synthesized.resources("aws_dms_replication_task") if t["migration_type"] == "full-load-and-cdc")
    alarms = {a["metric_name"]: a for a in synthesized.resources("aws_cloudwatch_metric_alarm")}
    gib = 1024 ** 3
    expected = {
        "ReplicationSlotDiskUsage": ("AWS/RDS", monitoring.slot_disk_alarm_gib * gib),
        "TransactionLogsDiskUsage": ("AWS/RDS", monitoring.transaction_logs_alarm_gib * gib),
        "CDCIncomingChanges": ("AWS/DMS", monitoring.cdc_incoming_changes_alarm),
        "CDCChangesDiskSource": ("AWS/DMS", monitoring.cdc_changes_on_disk_alarm),
    }
    for metric, (namespace, threshold) in expected.items():
        alarm = alarms[metric]
        assert (alarm["namespace"], alarm["threshold"]) == (namespace, threshold)
        assert "aws_sns_topic" in alarm["alarm_actions"][0]
        if namespace == "AWS/RDS":
            assert alarm["dimensions"] == {"DBClusterIdentifier": cluster["cluster_identifier"], "Role": "WRITER"}
        else:
            assert alarm["dimensions"]["ReplicationTaskIdentifier"] == task["resource_identifier"]
    body = json.loads(synthesized.one("aws_cloudwatch_dashboard")["dashboard_body"])
    shown = {m[1] for w in body["widgets"] for m in w["properties"]["metrics"]}
    assert set(expected) <= shown
