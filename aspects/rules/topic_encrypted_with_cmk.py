"""SNS topics are encrypted with a customer-managed KMS key."""

from aspects.engine import Resource, Rule, Severity, cmk_violations


def check(r: Resource):
    return cmk_violations(r, "kms_master_key_id")


RULE = Rule(
    id="MIG-ENC-005", statement=__doc__.strip(), severity=Severity.ERROR, resource_types=frozenset({"aws_sns_topic"}),
    rationale="Notices name tasks, clusters and failure details of the payment database.",
    fix="set kms_master_key_id to the app CMK", check=check, suppressible=False)
