"""DMS replication instances and endpoints are encrypted with a customer-managed KMS key."""

from aspects.engine import Resource, Rule, Severity, cmk_violations


def check(r: Resource):
    return cmk_violations(r, "kms_key_arn")


RULE = Rule(
    id="MIG-ENC-003", statement=__doc__.strip(), severity=Severity.ERROR,
    resource_types=frozenset({"aws_dms_replication_instance", "aws_dms_endpoint"}),
    rationale="The replication instance stores change data on disk; endpoints store connection settings.",
    fix="set kms_key_arn to the database CMK", check=check, suppressible=False)
