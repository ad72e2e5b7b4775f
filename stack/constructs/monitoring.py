"""The dashboard operators watch during the cutover, and the alarms that hold or roll it back.

DMS task metrics are dimensioned by the task's resource id (the last segment of its ARN), not by
replication_task_id; the stack sets that id, so it is known here at synth.
"""

from __future__ import annotations

import json

from constructs import Construct

from aspects import facts
from foundation import controller_contract
from foundation.aws.cloudwatch_dashboard import CloudwatchDashboard
from foundation.aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from stack import naming
from stack.config import MonitoringConfig

LATENCY_METRICS = dict(zip(("alarm_latency_source", "alarm_latency_target"), facts.LAG_METRICS, strict=True))


def lag_alarm_names(suffix: str) -> list[str]:
    return [naming.name(key, suffix) for key in LATENCY_METRICS]


class Monitoring(Construct):
    def __init__(self, scope: Construct, id_: str, *, suffix: str, settings: MonitoringConfig, region: str,
                 dms_instance_id: str, forward_task_resource_id: str, reverse_task_resource_id: str,
                 cluster_id: str, topic_arn: str):
        super().__init__(scope, id_)
        function = naming.name("function", suffix)  # the controller publishes the cutover itself (EMF)
        task = {"ReplicationInstanceIdentifier": dms_instance_id, "ReplicationTaskIdentifier": forward_task_resource_id}
        actions = {"alarm_actions": [topic_arn], "ok_actions": [topic_arn]}
        evaluation = settings.alarm_evaluation_minutes
        self.alarms = [
            CloudwatchMetricAlarm(
                self, key.replace("_", "-"), alarm_name=naming.name(key, suffix), namespace="AWS/DMS",
                metric_name=metric, dimensions=task, statistic="Maximum", period=60, evaluation_periods=evaluation,
                datapoints_to_alarm=evaluation, threshold=settings.lag_threshold_seconds,
                comparison_operator="GreaterThanThreshold", treat_missing_data="missing", unit="Seconds",
                alarm_description=f"{metric} of the forward task above {settings.lag_threshold_seconds} s: "
                                  "the cutover holds (or rolls back) while this alarms", **actions)
            for key, metric in LATENCY_METRICS.items()
        ]
        self.alarms.append(CloudwatchMetricAlarm(
            self, "replica-lag", alarm_name=naming.name("alarm_replica_lag", suffix), namespace="AWS/RDS",
            metric_name="AuroraReplicaLagMaximum", dimensions={"DBClusterIdentifier": cluster_id},
            statistic="Maximum", period=60, evaluation_periods=5, datapoints_to_alarm=5, threshold=1000,
            comparison_operator="GreaterThanThreshold", treat_missing_data="missing",
            alarm_description="Aurora readers more than 1 s behind the writer", **actions))
        self.alarms.append(CloudwatchMetricAlarm(
            self, "dms-cpu", alarm_name=naming.name("alarm_dms_cpu", suffix), namespace="AWS/DMS",
            metric_name="CPUUtilization", dimensions={"ReplicationInstanceIdentifier": dms_instance_id},
            statistic="Average", period=300, evaluation_periods=3, datapoints_to_alarm=3, threshold=85,
            comparison_operator="GreaterThanThreshold", treat_missing_data="missing",
            alarm_description="DMS replication instance CPU above 85% for 15 minutes", **actions))
        gib = 1024 ** 3
        writer = {"DBClusterIdentifier": cluster_id, "Role": "WRITER"}  # slots live on the writer, whichever it is
        for key, metric, threshold, what in (
                ("alarm_slot_disk", "ReplicationSlotDiskUsage", settings.slot_disk_alarm_gib * gib,
                 "WAL held by replication slots on Aurora (the reverse task's source; a stopped task keeps its slot)"),
                ("alarm_transaction_logs_disk", "TransactionLogsDiskUsage", settings.transaction_logs_alarm_gib * gib,
                 "Aurora transaction logs on disk (grows behind a slot nobody reads)")):
            self.alarms.append(CloudwatchMetricAlarm(
                self, key.replace("_", "-"), alarm_name=naming.name(key, suffix), namespace="AWS/RDS",
                metric_name=metric, dimensions=writer, statistic="Maximum", period=300, evaluation_periods=3,
                datapoints_to_alarm=3, threshold=threshold, comparison_operator="GreaterThanThreshold",
                treat_missing_data="missing", unit="Bytes", alarm_description=f"{what} above the configured limit",
                **actions))
        for key, metric, threshold, what in (
                ("alarm_cdc_incoming", "CDCIncomingChanges", settings.cdc_incoming_changes_alarm,
                 "changes waiting to be applied by the forward task"),
                ("alarm_cdc_disk", "CDCChangesDiskSource", settings.cdc_changes_on_disk_alarm,
                 "source changes the forward task spilled to disk (memory pressure or a slow target)")):
            self.alarms.append(CloudwatchMetricAlarm(
                self, key.replace("_", "-"), alarm_name=naming.name(key, suffix), namespace="AWS/DMS",
                metric_name=metric, dimensions=task, statistic="Maximum", period=60, evaluation_periods=evaluation,
                datapoints_to_alarm=evaluation, threshold=threshold, comparison_operator="GreaterThanThreshold",
                treat_missing_data="missing", alarm_description=f"Forward task: {what} above the configured limit",
                **actions))
        self.alarms.append(CloudwatchMetricAlarm(
            self, "rollback-stuck", alarm_name=naming.name("alarm_rollback_stuck", suffix),
            namespace=controller_contract.CUTOVER_METRICS, metric_name="RollbackPending",
            dimensions={"Function": function}, statistic="Maximum", period=60, evaluation_periods=5,
            datapoints_to_alarm=5, threshold=0, comparison_operator="GreaterThanThreshold",
            treat_missing_data="notBreaching",
            alarm_description="A rollback has been retrying for 5 minutes: Route 53 does not accept the change; "
                              "writes are paused on both sides in fenced mode", **actions))
        self.dashboard = CloudwatchDashboard(
            self, "dashboard", dashboard_name=naming.name("dashboard", suffix),
            dashboard_body=json.dumps(self._body(settings, region, dms_instance_id, forward_task_resource_id,
                                                 reverse_task_resource_id, cluster_id, function)))

    @staticmethod
    def _body(settings: MonitoringConfig, region: str, instance: str, forward: str, reverse: str,
              cluster: str, function: str) -> dict:
        def widget(title: str, metrics: list, x: int, y: int, annotate: bool = False) -> dict:
            properties = {"title": title, "region": region, "metrics": metrics, "stat": "Maximum", "period": 60,
                          "view": "timeSeries"}
            if annotate:
                properties["annotations"] = {"horizontal": [{"label": "lag budget",
                                                             "value": settings.lag_threshold_seconds}]}
            return {"type": "metric", "x": x, "y": y, "width": 12, "height": 6, "properties": properties}

        latency = [["AWS/DMS", m, "ReplicationInstanceIdentifier", instance, "ReplicationTaskIdentifier", task,
                    {"label": f"{label} {m}"}]
                   for task, label in ((forward, "forward"), (reverse, "reverse"))
                   for m in facts.LAG_METRICS]
        connections = [["AWS/RDS", "DatabaseConnections", "DBClusterIdentifier", cluster, "Role", role,
                        {"label": role.lower()}] for role in ("WRITER", "READER")]
        cutover = [[controller_contract.CUTOVER_METRICS, metric, "Function", function, {"label": label}]
                   for metric, label in (("WriterAuroraPercent", "writer name on Aurora (%)"),
                                         ("ReadersAuroraPercent", "reader name on Aurora (%)"))]
        phases = ", ".join(f"{code} {phase}" for phase, code in controller_contract.PHASE_CODES.items())
        phase = [[controller_contract.CUTOVER_METRICS, "Phase", "Function", function, {"label": f"phase ({phases})"}],
                 [controller_contract.CUTOVER_METRICS, "RollbackPending", "Function", function,
                  {"label": "rollback retrying", "yAxis": "right"}]]
        return {"widgets": [
            widget("Cutover: Aurora's share of each name (%)", cutover, 0, 18),
            widget("Cutover phase", phase, 12, 18),
            widget("CDC latency (s)", latency, 0, 0, annotate=True),
            widget("Aurora connections by role", connections, 12, 0),
            widget("Aurora replica lag (ms)", [["AWS/RDS", "AuroraReplicaLag", "DBClusterIdentifier", cluster,
                                                "Role", "READER"]], 0, 6),
            widget("DMS instance CPU (%) and freeable memory (bytes)", [
                ["AWS/DMS", "CPUUtilization", "ReplicationInstanceIdentifier", instance],
                ["AWS/DMS", "FreeableMemory", "ReplicationInstanceIdentifier", instance, {"yAxis": "right"}]], 12, 6),
            widget("Aurora WAL held for replication (bytes)", [
                ["AWS/RDS", metric, "DBClusterIdentifier", cluster, "Role", "WRITER"]
                for metric in ("ReplicationSlotDiskUsage", "TransactionLogsDiskUsage")], 0, 12),
            widget("Forward task source backlog (changes)", [
                ["AWS/DMS", metric, "ReplicationInstanceIdentifier", instance, "ReplicationTaskIdentifier", forward]
                for metric in ("CDCIncomingChanges", "CDCChangesDiskSource")], 12, 12),
        ]}
