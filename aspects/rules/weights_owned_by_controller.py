"""Weighted records ignore changes to their weights, which the cutover controller owns after deploy."""

from aspects.engine import Resource, Rule, Severity, Violation, ignores_changes


def check(r: Resource):
    if not r.get("weighted_routing_policy"):
        return None
    if ignores_changes(r, "weighted_routing_policy"):
        return []
    return [Violation("lifecycle.ignore_changes", "a redeploy would revert a cutover in progress")]


RULE = Rule(
    id="MIG-MIG-001", statement=__doc__.strip(), severity=Severity.ERROR, resource_types=frozenset({"aws_route53_record"}),
    rationale="Terraform would silently put traffic back on the database it was moved from.",
    fix='lifecycle ignore_changes=["weighted_routing_policy"]', check=check, suppressible=False)
