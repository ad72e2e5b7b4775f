"""SQS queues are encrypted with a customer-managed KMS key."""

from aspects.engine import Resource, Rule, Severity, cmk_violations


def check(r: Resource):
    return cmk_violations(r, "kms_master_key_id")


RULE = Rule(
    id="MIG-ENC-006", statement=__doc__.strip(), severity=Severity.ERROR, resource_types=frozenset({"aws_sqs_queue"}),
    rationale="Dead letters hold whole controller events and commands.",
    fix="set kms_master_key_id to the app CMK", check=check, suppressible=False)
