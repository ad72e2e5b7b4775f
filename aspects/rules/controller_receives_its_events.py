"""The cutover controller receives both DMS tasks' state changes, its lag alarms' state changes and a one-minute
tick, each through an enabled rule that targets it with a permission scoped to that rule."""

from aspects.controller import environment, pattern, setting, wired_rules
from aspects.engine import Resource, Rule, Severity, Violation
from aspects.facts import ALARM_EVENT, DMS_EVENT, DMS_EVENT_TYPES, TICK_SCHEDULES


def _covers(filter_values: object, wanted: object) -> bool:
    """An absent filter matches everything; a list matches the values it names."""
    return filter_values is None or (isinstance(filter_values, list) and wanted in filter_values)


def _from(rule_pattern: dict, event: tuple[str, str]) -> bool:
    return bool(rule_pattern) and _covers(rule_pattern.get("source"), event[0]) and \
        _covers(rule_pattern.get("detail-type"), event[1])


def _dms_missing(rules: list[Resource], tasks: list[str]) -> list[str]:
    missing = []
    for task in tasks:
        for event_type in DMS_EVENT_TYPES:
            if not any(_from(p := pattern(rule), DMS_EVENT) and _covers(p.get("resources"), task)
                       and _covers((p.get("detail") or {}).get("eventType"), event_type) for rule in rules):
                missing.append(f"{event_type} of {task}")
    return missing


def _alarm_missing(rules: list[Resource], names: list[str]) -> list[str]:
    def covered(p: dict, name: str) -> bool:
        resources = p.get("resources")
        return resources is None or any(isinstance(a, str) and a.endswith(f":alarm:{name}") for a in resources)
    return [name for name in names if not any(_from(p := pattern(rule), ALARM_EVENT) and covered(p, name)
                                              for rule in rules)]


def check(r: Resource):
    variables = environment(r)
    if variables is None:
        return None
    rules = wired_rules(r)
    out = []
    tasks = [setting(variables, "forward_task_arn"), setting(variables, "reverse_task_arn")]
    if missing := _dms_missing(rules, tasks):
        out.append(Violation("events", f"no enabled rule brings it {', '.join(missing)}"))
    names = [n for n in setting(variables, "lag_alarm_names").split(",") if n]
    if missing := _alarm_missing(rules, names):
        out.append(Violation("events", f"no enabled rule brings it the state changes of {', '.join(missing)}"))
    if not any(rule.get("schedule_expression") in TICK_SCHEDULES for rule in rules):
        out.append(Violation("events", f"no enabled rule ticks it once a minute ({' or '.join(TICK_SCHEDULES)})"))
    return out


RULE = Rule(
    id="MIG-CTL-004", statement=" ".join(__doc__.split()), severity=Severity.ERROR,
    resource_types=frozenset({"aws_lambda_function"}),
    rationale="The controller only acts when woken: without the FAILED event or the lag alarm it shifts on while "
              "replication is broken, and without the tick the canary never advances.",
    fix="the rules, targets and permissions of stack/constructs/events.py", check=check, suppressible=False)
