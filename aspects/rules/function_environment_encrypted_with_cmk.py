"""Lambda function environments are encrypted with a customer-managed KMS key."""

from aspects.engine import Resource, Rule, Severity, cmk_violations, first


def check(r: Resource):
    if not (first(r.get("environment")) or {}).get("variables"):
        return None
    return cmk_violations(r, "kms_key_arn", "environment uses the default key")


RULE = Rule(
    id="MIG-ENC-009", statement=__doc__.strip(), severity=Severity.ERROR,
    resource_types=frozenset({"aws_lambda_function"}),
    rationale="The controller's environment names every resource it may change.",
    fix="set kms_key_arn to the app CMK", check=check, suppressible=False)
