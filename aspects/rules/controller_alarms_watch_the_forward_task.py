"""The lag alarms named in the cutover controller's environment exist and watch both CDC latencies of the
forward task on the stack's replication instance."""

from aspects.controller import environment, setting
from aspects.engine import Resource, Rule, Severity, Violation
from aspects.facts import LAG_METRICS


def check(r: Resource):
    variables = environment(r)
    if variables is None:
        return None
    alarms = {a.get("alarm_name"): a for a in r.others("aws_cloudwatch_metric_alarm")}
    expected = {"ReplicationTaskIdentifier": setting(variables, "forward_task_resource_id"),
                "ReplicationInstanceIdentifier": setting(variables, "dms_instance_id")}
    out, watched = [], set()
    for name in (n for n in setting(variables, "lag_alarm_names").split(",") if n):
        alarm = alarms.get(name)
        if alarm is None:
            out.append(Violation("environment.LAG_ALARM_NAMES", f"{name!r} is no alarm of this stack"))
            continue
        dimensions = alarm.get("dimensions") or {}
        if alarm.get("namespace") != "AWS/DMS" or alarm.get("metric_name") not in LAG_METRICS or \
                any(dimensions.get(k) != v for k, v in expected.items()):
            out.append(Violation("environment.LAG_ALARM_NAMES", f"{name!r} watches {alarm.get('namespace')} "
                                 f"{alarm.get('metric_name')} {dimensions}, not the forward task's CDC latency "
                                 f"{expected}"))
            continue
        watched.add(alarm.get("metric_name"))
    if not out and watched != set(LAG_METRICS):
        out.append(Violation("environment.LAG_ALARM_NAMES", f"watches {sorted(watched)}; the controller needs "
                                                            f"{', '.join(LAG_METRICS)}"))
    return out


RULE = Rule(
    id="MIG-CTL-005", statement=" ".join(__doc__.split()), severity=Severity.ERROR,
    resource_types=frozenset({"aws_lambda_function"}),
    rationale="The controller holds or rolls back on these alarms only; an alarm it does not know, or one on the "
              "reverse task, leaves it blind to the forward task's lag.",
    fix="lag alarms from stack/constructs/monitoring.py, named through lag_alarm_names()", check=check,
    suppressible=False)
