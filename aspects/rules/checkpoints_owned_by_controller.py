"""Checkpoint parameters ignore changes to their value, which the cutover controller owns after deploy."""

from aspects.engine import Resource, Rule, Severity, Violation, first


def check(r: Resource):
    ignored = (first(r.get("lifecycle")) or {}).get("ignore_changes") or []
    if "value" not in ignored and ignored != "all":
        return [Violation("lifecycle.ignore_changes", "a redeploy would rewind the migration state")]
    return []


RULE = Rule(
    id="MIG-MIG-002", statement=__doc__.strip(), severity=Severity.ERROR, resource_types=frozenset({"aws_ssm_parameter"}),
    rationale="The checkpoint is the controller's memory; overwriting it could repeat or skip a step.",
    fix='lifecycle ignore_changes=["value"]', check=check, suppressible=False)
