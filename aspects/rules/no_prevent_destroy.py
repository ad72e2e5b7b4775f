"""No resource sets lifecycle.prevent_destroy."""

from aspects.engine import Resource, Rule, Severity, Violation, first


def check(r: Resource):
    lifecycle = first(r.get("lifecycle")) or {}
    return [Violation("lifecycle.prevent_destroy", "prevent_destroy is on")] if lifecycle.get("prevent_destroy") else []


RULE = Rule(
    id="MIG-DES-003", statement=__doc__.strip(), severity=Severity.ERROR, resource_types=frozenset(),
    all_resources=True, rationale="prevent_destroy makes `cdktf destroy` fail part way.",
    fix="remove prevent_destroy", check=check, suppressible=False)
