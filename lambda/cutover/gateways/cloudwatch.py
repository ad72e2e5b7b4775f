"""CloudWatch: the forward task's CDC latency, one maximum per minute, and the replication backlog."""

from __future__ import annotations

from datetime import datetime, timedelta

from cutover.models import LAG_METRICS as METRICS

# What status shows next to the gates: WAL held on Aurora (the reverse task's source) and the forward
# task's source backlog.
ROLES = ("WRITER", "READER")
BACKLOG = (("AWS/RDS", "ReplicationSlotDiskUsage"), ("AWS/RDS", "TransactionLogsDiskUsage"),
           ("AWS/DMS", "CDCIncomingChanges"), ("AWS/DMS", "CDCChangesDiskSource"))


class CloudWatchGateway:
    def __init__(self, client, *, instance_id: str, task_resource_id: str, cluster_id: str = ""):
        self.client, self.instance_id, self.task_resource_id = client, instance_id, task_resource_id
        self.cluster_id = cluster_id

    def connections(self, now: datetime) -> dict[str, float | None]:
        """Aurora's connections by role, newest minute: what the weights actually moved (pools decide, not DNS)."""
        queries = [{"Id": f"c{i}", "ReturnData": True, "MetricStat": {
            "Metric": {"Namespace": "AWS/RDS", "MetricName": "DatabaseConnections",
                       "Dimensions": [{"Name": "DBClusterIdentifier", "Value": self.cluster_id},
                                      {"Name": "Role", "Value": role}]},
            "Period": 60, "Stat": "Maximum"}} for i, role in enumerate(ROLES)]
        end = now.replace(second=0, microsecond=0)
        response = self.client.get_metric_data(
            MetricDataQueries=queries, StartTime=end - timedelta(minutes=10), EndTime=end,
            ScanBy="TimestampDescending")
        by_id = {r["Id"]: r.get("Values", []) for r in response.get("MetricDataResults", [])}
        return {role: (float(by_id[f"c{i}"][0]) if by_id.get(f"c{i}") else None) for i, role in enumerate(ROLES)}

    def backlog(self, now: datetime) -> dict[str, float | None]:
        """The newest five-minute maximum of each backlog metric (None when there is no data)."""
        task = [{"Name": "ReplicationInstanceIdentifier", "Value": self.instance_id},
                {"Name": "ReplicationTaskIdentifier", "Value": self.task_resource_id}]
        writer = [{"Name": "DBClusterIdentifier", "Value": self.cluster_id}, {"Name": "Role", "Value": "WRITER"}]
        queries = [{"Id": f"b{i}", "ReturnData": True, "MetricStat": {
            "Metric": {"Namespace": namespace, "MetricName": name,
                       "Dimensions": writer if namespace == "AWS/RDS" else task},
            "Period": 300, "Stat": "Maximum"}} for i, (namespace, name) in enumerate(BACKLOG)]
        end = now.replace(second=0, microsecond=0)
        response = self.client.get_metric_data(
            MetricDataQueries=queries, StartTime=end - timedelta(minutes=15), EndTime=end,
            ScanBy="TimestampDescending")
        by_id = {r["Id"]: r.get("Values", []) for r in response.get("MetricDataResults", [])}
        return {name: (float(by_id[f"b{i}"][0]) if by_id.get(f"b{i}") else None)
                for i, (_, name) in enumerate(BACKLOG)}

    def latency(self, minutes: int, now: datetime) -> dict[str, list[float]]:
        dimensions = [{"Name": "ReplicationInstanceIdentifier", "Value": self.instance_id},
                      {"Name": "ReplicationTaskIdentifier", "Value": self.task_resource_id}]
        queries = [{"Id": f"m{i}", "ReturnData": True, "MetricStat": {
            "Metric": {"Namespace": "AWS/DMS", "MetricName": name, "Dimensions": dimensions},
            "Period": 60, "Stat": "Maximum"}} for i, name in enumerate(METRICS)]
        end = now.replace(second=0, microsecond=0)
        response = self.client.get_metric_data(
            MetricDataQueries=queries, StartTime=end - timedelta(minutes=minutes), EndTime=end,
            ScanBy="TimestampAscending")
        by_id = {r["Id"]: [float(v) for v in r.get("Values", [])] for r in response.get("MetricDataResults", [])}
        return {name: by_id.get(f"m{i}", []) for i, name in enumerate(METRICS)}
