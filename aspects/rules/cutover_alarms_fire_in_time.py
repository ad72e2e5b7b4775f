"""Every alarm the cutover relies on (CDC lag, backlog, replication slots) can fire within 15 minutes."""

from aspects.engine import Resource, Rule, Severity, Violation
from aspects.facts import MAX_ALARM_DELAY_SECONDS, TIMELY_METRICS


def check(r: Resource):
    if r.get("metric_name") not in TIMELY_METRICS.get(r.get("namespace"), ()):
        return None
    period, periods = r.get("period"), r.get("evaluation_periods")
    datapoints = r.get("datapoints_to_alarm", periods)
    if not all(isinstance(v, int) and v > 0 for v in (period, periods, datapoints)):
        return [Violation("period", f"period={period!r} evaluation_periods={periods!r} datapoints_to_alarm="
                                    f"{datapoints!r}: whole numbers are needed to tell when it fires")]
    out = []
    if period * periods > MAX_ALARM_DELAY_SECONDS:
        out.append(Violation("evaluation_periods", f"{periods} x {period} s = {period * periods} s to evaluate, "
                                                   f"over {MAX_ALARM_DELAY_SECONDS} s"))
    if datapoints > periods:
        out.append(Violation("datapoints_to_alarm", f"{datapoints} of {periods} periods: it can never fire"))
    return out


RULE = Rule(
    id="MIG-MON-003", statement=__doc__.strip(), severity=Severity.ERROR,
    resource_types=frozenset({"aws_cloudwatch_metric_alarm"}),
    rationale="A lag alarm that needs an hour of datapoints rolls back an hour late: the cutover runs on, blind, "
              "through the very condition it watches for.",
    fix="period x evaluation_periods within 900 s (monitoring.alarm_evaluation_minutes at most 15); "
        "datapoints_to_alarm at most evaluation_periods", check=check, suppressible=False)
