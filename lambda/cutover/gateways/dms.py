"""DMS: task status, table validation statistics, and starting the reverse task."""

from __future__ import annotations

from datetime import datetime

from cutover.gates import TaskStatus, Validation
from cutover.gateways.retry import with_backoff


class DmsGateway:
    def __init__(self, client, *, forward_arn: str, reverse_arn: str, statistics_client=None):
        self.client, self.forward_arn, self.reverse_arn = client, forward_arn, reverse_arn
        self.statistics_client = statistics_client or client

    def task(self, arn: str) -> TaskStatus:
        response = with_backoff(lambda: self.client.describe_replication_tasks(
            Filters=[{"Name": "replication-task-arn", "Values": [arn]}], WithoutSettings=True))
        tasks = response.get("ReplicationTasks") or []
        if not tasks:
            return TaskStatus("missing")
        task = tasks[0]
        stats = task.get("ReplicationTaskStats") or {}
        return TaskStatus(task.get("Status", "unknown"), int(stats.get("FullLoadProgressPercent", 0)),
                          int(stats.get("TablesLoading", 0)), int(stats.get("TablesQueued", 0)))

    def validation(self) -> Validation:
        tables, marker = [], None
        while True:
            kwargs = {"ReplicationTaskArn": self.forward_arn, "MaxRecords": 500}
            if marker:
                kwargs["Marker"] = marker
            response = with_backoff(lambda: self.statistics_client.describe_table_statistics(**kwargs))  # noqa: B023
            tables.extend(response.get("TableStatistics", []))
            marker = response.get("Marker")
            if not marker:
                break
        return Validation(
            tables=len(tables),
            not_validated=tuple(f"{t.get('SchemaName')}.{t.get('TableName')}" for t in tables
                                if t.get("ValidationState") != "Validated"),
            failed_records=sum(int(t.get("ValidationFailedRecords", 0)) for t in tables),
            pending_records=sum(int(t.get("ValidationPendingRecords", 0)) for t in tables),
            suspended_records=sum(int(t.get("ValidationSuspendedRecords", 0)) for t in tables))

    def start_reverse(self, cdc_start_time: datetime) -> None:
        """Replicate every write made on Aurora from now on back to on-prem."""
        with_backoff(lambda: self.client.start_replication_task(
            ReplicationTaskArn=self.reverse_arn, StartReplicationTaskType="start-replication",
            CdcStartTime=cdc_start_time))
