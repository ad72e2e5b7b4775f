"""SNS topics are encrypted with a customer-managed KMS key."""

from aspects.engine import Resource, Rule, Severity, Violation, is_cmk


def check(r: Resource):
    return [] if is_cmk(r.get("kms_master_key_id")) else [Violation("kms_master_key_id", "no customer-managed key")]


RULE = Rule(
    id="MIG-ENC-005", statement=__doc__.strip(), severity=Severity.ERROR, resource_types=frozenset({"aws_sns_topic"}),
    rationale="Notices name tasks, clusters and failure details of the payment database.",
    fix="set kms_master_key_id to the app CMK", check=check, suppressible=False)
