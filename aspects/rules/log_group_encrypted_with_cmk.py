"""CloudWatch log groups are encrypted with a customer-managed KMS key."""

from aspects.engine import Resource, Rule, Severity, cmk_violations


def check(r: Resource):
    return cmk_violations(r, "kms_key_id")


RULE = Rule(
    id="MIG-ENC-007", statement=__doc__.strip(), severity=Severity.ERROR,
    resource_types=frozenset({"aws_cloudwatch_log_group"}),
    rationale="Database, DMS and flow logs can contain statements, errors with row data, and network peers.",
    fix="set kms_key_id to the logs CMK", check=check, suppressible=False)
