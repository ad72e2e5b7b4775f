"""Aurora's replication-slot and transaction-log disk usage, and the forward task's source backlog, are alarmed
and the alarms notify."""

from aspects.engine import Resource, Rule, Severity, Violation
from aspects.facts import BACKLOG_METRICS, SLOT_METRICS


def _alarmed(r: Resource, namespace: str, metric: str, dimension: str, value: object) -> bool:
    return any(a.get("namespace") == namespace and a.get("metric_name") == metric
               and (a.get("dimensions") or {}).get(dimension) == value and a.get("alarm_actions")
               for a in r.others("aws_cloudwatch_metric_alarm"))


def check(r: Resource):
    if r.type == "aws_rds_cluster":
        if r.get("engine") != "aurora-postgresql":
            return None
        watched = [(m, "AWS/RDS", "DBClusterIdentifier", r.get("cluster_identifier")) for m in SLOT_METRICS]
    else:
        if r.get("migration_type") != "full-load-and-cdc":
            return None
        watched = [(m, "AWS/DMS", "ReplicationTaskIdentifier", r.get("resource_identifier")) for m in BACKLOG_METRICS]
    return [Violation("alarms", f"no notifying alarm on {namespace} {metric} with {dimension}={value!r}")
            for metric, namespace, dimension, value in watched
            if not _alarmed(r, namespace, metric, dimension, value)]


RULE = Rule(
    id="MIG-MON-002", statement=" ".join(__doc__.split()), severity=Severity.ERROR,
    resource_types=frozenset({"aws_rds_cluster", "aws_dms_replication_task"}),
    rationale="A stopped task keeps its replication slot and WAL grows behind it until the disk fills; a forward "
              "backlog that grows is the first sign the cutover's lag budget will break.",
    fix="alarms from stack/constructs/monitoring.py (thresholds in config monitoring.*)", check=check,
    suppressible=False)
