"""CloudWatch: the forward task's CDC latency, one maximum per minute."""

from __future__ import annotations

from datetime import datetime, timedelta

from cutover.gateways.retry import with_backoff

METRICS = ("CDCLatencySource", "CDCLatencyTarget")


class CloudWatchGateway:
    def __init__(self, client, *, instance_id: str, task_resource_id: str):
        self.client, self.instance_id, self.task_resource_id = client, instance_id, task_resource_id

    def latency(self, minutes: int, now: datetime) -> dict[str, list[float]]:
        dimensions = [{"Name": "ReplicationInstanceIdentifier", "Value": self.instance_id},
                      {"Name": "ReplicationTaskIdentifier", "Value": self.task_resource_id}]
        queries = [{"Id": f"m{i}", "ReturnData": True, "MetricStat": {
            "Metric": {"Namespace": "AWS/DMS", "MetricName": name, "Dimensions": dimensions},
            "Period": 60, "Stat": "Maximum"}} for i, name in enumerate(METRICS)]
        end = now.replace(second=0, microsecond=0)
        response = with_backoff(lambda: self.client.get_metric_data(
            MetricDataQueries=queries, StartTime=end - timedelta(minutes=minutes), EndTime=end,
            ScanBy="TimestampAscending"))
        by_id = {r["Id"]: [float(v) for v in r.get("Values", [])] for r in response.get("MetricDataResults", [])}
        return {name: by_id.get(f"m{i}", []) for i, name in enumerate(METRICS)}
