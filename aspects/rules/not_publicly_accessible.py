"""DMS replication instances and database instances are explicitly not publicly accessible."""

from aspects.engine import Resource, Rule, Severity, Violation


def check(r: Resource):
    if r.get("publicly_accessible") is not False:
        return [Violation("publicly_accessible", "not set to false (DMS defaults to true)")]
    return []


RULE = Rule(
    id="MIG-PUB-001", statement=__doc__.strip(), severity=Severity.ERROR,
    resource_types=frozenset({"aws_dms_replication_instance", "aws_rds_cluster_instance", "aws_db_instance"}),
    rationale="A public address on a database or replication host exposes payment data to the internet.",
    fix="set publicly_accessible=False", check=check, suppressible=False)
