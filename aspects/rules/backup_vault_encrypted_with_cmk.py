"""AWS Backup vaults are encrypted with a customer-managed KMS key."""

from aspects.engine import Resource, Rule, Severity, Violation, is_cmk


def check(r: Resource):
    return [] if is_cmk(r.get("kms_key_arn")) else [Violation("kms_key_arn", "no customer-managed key")]


RULE = Rule(
    id="MIG-ENC-008", statement=__doc__.strip(), severity=Severity.ERROR, resource_types=frozenset({"aws_backup_vault"}),
    rationale="Recovery points are full copies of the payment database.",
    fix="set kms_key_arn to the database CMK", check=check, suppressible=False)
