"""Checkpoint parameters ignore changes to their value, which the cutover controller owns after deploy."""

from aspects.engine import Resource, Rule, Severity, Violation, ignores_changes


def check(r: Resource):
    if ignores_changes(r, "value"):
        return []
    return [Violation("lifecycle.ignore_changes", "a redeploy would rewind the migration state")]


RULE = Rule(
    id="MIG-MIG-002", statement=__doc__.strip(), severity=Severity.ERROR, resource_types=frozenset({"aws_ssm_parameter"}),
    rationale="The checkpoint is the controller's memory; overwriting it could repeat or skip a step.",
    fix='lifecycle ignore_changes=["value"]', check=check, suppressible=False)
