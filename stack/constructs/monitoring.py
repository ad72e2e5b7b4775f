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
        evaluation = settings.alarm_evaluation_minutes
        gib = 1024 ** 3
        writer = {"DBClusterIdentifier": cluster_id, "Role": "WRITER"}  # slots live on the writer, whichever it is
        # (construct id, name key, namespace, metric, dimensions, statistic, period, periods, threshold, unit,
        #  description); every alarm fires on all of its periods above the threshold, and tells the topic both ways.
        rows = [
            *((key.replace("_", "-"), key, "AWS/DMS", metric, task, "Maximum", 60, evaluation,
               settings.lag_threshold_seconds, "Seconds",
               f"{metric} of the forward task above {settings.lag_threshold_seconds} s: the cutover holds (or rolls "
               "back) while this alarms") for key, metric in LATENCY_METRICS.items()),
            ("replica-lag", "alarm_replica_lag", "AWS/RDS", "AuroraReplicaLagMaximum",
             {"DBClusterIdentifier": cluster_id}, "Maximum", 60, 5, 1000, None,
             "Aurora readers more than 1 s behind the writer"),
            ("dms-cpu", "alarm_dms_cpu", "AWS/DMS", "CPUUtilization", {"ReplicationInstanceIdentifier": dms_instance_id},
             "Average", 300, 3, 85, None, "DMS replication instance CPU above 85% for 15 minutes"),
            ("alarm-slot-disk", "alarm_slot_disk", "AWS/RDS", "ReplicationSlotDiskUsage", writer, "Maximum", 300, 3,
             settings.slot_disk_alarm_gib * gib, "Bytes", "WAL held by replication slots on Aurora (the reverse "
             "task's source; a stopped task keeps its slot) above the configured limit"),
            ("alarm-transaction-logs-disk", "alarm_transaction_logs_disk", "AWS/RDS", "TransactionLogsDiskUsage",
             writer, "Maximum", 300, 3, settings.transaction_logs_alarm_gib * gib, "Bytes",
             "Aurora transaction logs on disk (grows behind a slot nobody reads) above the configured limit"),
            ("alarm-cdc-incoming", "alarm_cdc_incoming", "AWS/DMS", "CDCIncomingChanges", task, "Maximum", 60,
             evaluation, settings.cdc_incoming_changes_alarm, None,
             "Forward task: changes waiting to be applied by the forward task above the configured limit"),
            ("alarm-cdc-disk", "alarm_cdc_disk", "AWS/DMS", "CDCChangesDiskSource", task, "Maximum", 60, evaluation,
             settings.cdc_changes_on_disk_alarm, None, "Forward task: source changes the forward task spilled to "
             "disk (memory pressure or a slow target) above the configured limit"),
        ]
        self.alarms = [self._alarm(*row, suffix=suffix, topic_arn=topic_arn) for row in rows]
        self.alarms.append(self._alarm(
            "rollback-stuck", "alarm_rollback_stuck", controller_contract.CUTOVER_METRICS, "RollbackPending",
            {"Function": function}, "Maximum", 60, 5, 0, None,
            "A rollback has been retrying for 5 minutes: Route 53 does not accept the change; writes are paused on "
            "both sides in fenced mode", suffix=suffix, topic_arn=topic_arn, treat_missing_data="notBreaching"))
        self.dashboard = CloudwatchDashboard(
            self, "dashboard", dashboard_name=naming.name("dashboard", suffix),
            dashboard_body=json.dumps(self._body(settings, region, dms_instance_id, forward_task_resource_id,
                                                 reverse_task_resource_id, cluster_id, function)))

    def _alarm(self, id_: str, key: str, namespace: str, metric: str, dimensions: dict, statistic: str, period: int,
               periods: int, threshold: float, unit: str | None, description: str, *, suffix: str, topic_arn: str,
               treat_missing_data: str = "missing") -> CloudwatchMetricAlarm:
        return CloudwatchMetricAlarm(
            self, id_, alarm_name=naming.name(key, suffix), namespace=namespace, metric_name=metric,
            dimensions=dimensions, statistic=statistic, period=period, evaluation_periods=periods,
            datapoints_to_alarm=periods, threshold=threshold, comparison_operator="GreaterThanThreshold",
            treat_missing_data=treat_missing_data, alarm_description=description,
            alarm_actions=[topic_arn], ok_actions=[topic_arn], **({"unit": unit} if unit else {}))

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
