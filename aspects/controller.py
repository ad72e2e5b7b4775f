"""The cutover controller as the rules see it: the function whose environment carries the controller's contract,
and the resources that environment names (by a Terraform reference or by the literal value)."""

from __future__ import annotations

import json

from aspects.engine import TOKEN, Resource, first
from foundation.controller_contract import Settings

MARKER = Settings.variable("state_parameter")  # only the controller's function reads its checkpoint


def environment(r: Resource) -> dict | None:
    """The controller's environment variables, or None when `r` is not the controller's function."""
    if r.type != "aws_lambda_function":
        return None
    variables = first((first(r.get("environment")) or {}).get("variables")) or {}
    return variables if isinstance(variables, dict) and MARKER in variables else None


def setting(variables: dict, field: str) -> str:
    return str(variables.get(Settings.variable(field), ""))


def resolve(r: Resource, value: object, kind: str, attribute: str) -> Resource | None:
    """The resource of `kind` that `value` names: "${kind.name.attribute}", or a literal equal to its `attribute`."""
    if not isinstance(value, str) or not value:
        return None
    match = TOKEN.fullmatch(value)
    if match:
        if match.group(1) or match.group(2) != kind or match.group(4) != attribute:
            return None
        return next((o for o in r.others(kind) if o.name == match.group(3)), None)
    return next((o for o in r.others(kind) if o.get(attribute) == value), None)


def reference(r: Resource, attribute: str) -> str:
    return f"${{{r.type}.{r.name}.{attribute}}}"


def pattern(rule: Resource) -> dict:
    try:
        loaded = json.loads(str(rule.get("event_pattern") or "{}"))
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def enabled(rule: Resource) -> bool:
    return rule.get("state") in (None, "ENABLED") and rule.get("is_enabled") is not False


def wired_rules(r: Resource) -> list[Resource]:
    """The enabled EventBridge rules with a target that is this function and a permission for that rule to invoke
    it (a target without the permission is dropped by EventBridge at delivery)."""
    mine = {reference(r, "arn"), reference(r, "function_name"), r.get("function_name")}
    found = []
    for target in r.others("aws_cloudwatch_event_target"):
        rule = resolve(r, target.get("rule"), "aws_cloudwatch_event_rule", "name")
        if rule is None or target.get("arn") != reference(r, "arn") or not enabled(rule):
            continue
        if any(p.get("function_name") in mine and p.get("principal") == "events.amazonaws.com"
               and p.get("action") == "lambda:InvokeFunction" and p.get("source_arn") == reference(rule, "arn")
               for p in r.others("aws_lambda_permission")):
            found.append(rule)
    return found
