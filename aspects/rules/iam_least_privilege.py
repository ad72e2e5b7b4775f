"""IAM policies grant no wildcard action, and "*" only to actions without resource-level permissions, of one purpose."""

import json

from aspects.engine import Resource, Rule, Severity, Violation
from aspects.facts import UNSCOPED_ACTIONS, UNSCOPED_GRANTS


def as_list(value: object) -> list:
    return value if isinstance(value, list) else [value]


def check(r: Resource):
    try:
        document = json.loads(r.get("policy") or "{}")
    except ValueError:
        return [Violation("policy", "not a JSON policy document")]
    out = []
    for index, statement in enumerate(as_list(document.get("Statement", []))):
        if statement.get("Effect") != "Allow":
            continue
        actions = [str(a) for a in as_list(statement.get("Action", []))]
        wild = [a for a in actions if a == "*" or a.endswith(":*")]
        if wild or "NotAction" in statement:
            out.append(Violation(f"Statement[{index}].Action", f"wildcard action {wild or 'NotAction'}"))
        if "*" in as_list(statement.get("Resource", [])):
            broad = sorted(set(actions) - UNSCOPED_ACTIONS)
            if broad:
                out.append(Violation(f"Statement[{index}].Resource", f"'*' for {', '.join(broad)}"))
            elif not any(set(actions) <= set(group) for group in UNSCOPED_GRANTS.values()):
                out.append(Violation(f"Statement[{index}].Action", "unscoped actions of more than one purpose "
                                     f"({', '.join(sorted(actions))}): grant each role only its own group"))
    return out


RULE = Rule(
    id="MIG-IAM-001", statement=__doc__.strip(), severity=Severity.ERROR,
    resource_types=frozenset({"aws_iam_role_policy", "aws_iam_policy"}),
    rationale="The controller can move production traffic; each grant must name the resource it is for.",
    fix="list exact actions and the resource ARNs they need", check=check)
