"""CDC latency alarms use the task's resource id as ReplicationTaskIdentifier and a threshold of at most 60 s."""

from aspects.engine import Resource, Rule, Severity, Violation
from aspects.facts import MAX_LAG_THRESHOLD_SECONDS as MAX_THRESHOLD


def check(r: Resource):
    if r.get("namespace") != "AWS/DMS" or not str(r.get("metric_name", "")).startswith("CDCLatency"):
        return None
    out = []
    dimensions = r.get("dimensions") or {}
    task_ids = {t.get("resource_identifier") for t in r.others("aws_dms_replication_task")}
    if dimensions.get("ReplicationTaskIdentifier") not in task_ids:
        names = {t.get("replication_task_id") for t in r.others("aws_dms_replication_task")}
        hint = " (that is the task name; DMS metrics use the resource id)" if \
            dimensions.get("ReplicationTaskIdentifier") in names else ""
        out.append(Violation("dimensions.ReplicationTaskIdentifier",
                             f"{dimensions.get('ReplicationTaskIdentifier')!r} is no task's resource_identifier{hint}"))
    instances = {i.get("replication_instance_id") for i in r.others("aws_dms_replication_instance")}
    if dimensions.get("ReplicationInstanceIdentifier") not in instances:
        out.append(Violation("dimensions.ReplicationInstanceIdentifier", "not this stack's replication instance"))
    threshold = r.get("threshold")
    if not isinstance(threshold, int | float) or threshold > MAX_THRESHOLD:
        out.append(Violation("threshold", f"{threshold!r} exceeds the {MAX_THRESHOLD} s lag budget"))
    return out


RULE = Rule(
    id="MIG-MON-001", statement=__doc__.strip(), severity=Severity.ERROR,
    resource_types=frozenset({"aws_cloudwatch_metric_alarm"}),
    rationale="An alarm on the wrong dimension has no data and never fires: the cutover would proceed blind.",
    fix="dimension ReplicationTaskIdentifier = the task's resource_identifier; threshold <= 60", check=check,
    suppressible=False)
