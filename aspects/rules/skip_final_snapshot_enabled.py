"""Aurora clusters skip the final snapshot on destroy (AWS Backup keeps the recovery points)."""

from aspects.engine import Resource, Rule, Severity, Violation


def check(r: Resource):
    if r.get("skip_final_snapshot") is not True:
        return [Violation("skip_final_snapshot", "destroy would fail without final_snapshot_identifier")]
    return []


RULE = Rule(
    id="MIG-DES-002", statement=__doc__.strip(), severity=Severity.ERROR, resource_types=frozenset({"aws_rds_cluster"}),
    rationale="A destroy that stops half way leaves billable, orphaned resources.",
    fix="set skip_final_snapshot=True", check=check)
