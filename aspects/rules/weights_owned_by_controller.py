"""Weighted records ignore changes to their weights, which the cutover controller owns after deploy."""

from aspects.engine import Resource, Rule, Severity, Violation, first


def check(r: Resource):
    if not r.get("weighted_routing_policy"):
        return None
    ignored = (first(r.get("lifecycle")) or {}).get("ignore_changes") or []
    if "weighted_routing_policy" not in ignored and ignored != "all":
        return [Violation("lifecycle.ignore_changes", "a redeploy would revert a cutover in progress")]
    return []


RULE = Rule(
    id="MIG-MIG-001", statement=__doc__.strip(), severity=Severity.ERROR, resource_types=frozenset({"aws_route53_record"}),
    rationale="Terraform would silently put traffic back on the database it was moved from.",
    fix='lifecycle ignore_changes=["weighted_routing_policy"]', check=check, suppressible=False)
