"""AWS Backup vaults are encrypted with a customer-managed KMS key."""

from aspects.engine import Resource, Rule, Severity, cmk_violations


def check(r: Resource):
    return cmk_violations(r, "kms_key_arn")


RULE = Rule(
    id="MIG-ENC-008", statement=__doc__.strip(), severity=Severity.ERROR, resource_types=frozenset({"aws_backup_vault"}),
    rationale="Recovery points are full copies of the payment database.",
    fix="set kms_key_arn to the database CMK", check=check, suppressible=False)
