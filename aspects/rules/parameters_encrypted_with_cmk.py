"""Parameter Store parameters are SecureString, encrypted with a customer-managed KMS key."""

from aspects.engine import Resource, Rule, Severity, Violation, is_cmk


def check(r: Resource):
    if r.get("type") != "SecureString":
        return [Violation("type", f"type is {r.get('type')!r}, not SecureString")]
    if not is_cmk(r.get("key_id")):
        return [Violation("key_id", "SecureString without a customer-managed key")]
    return []


RULE = Rule(
    id="MIG-ENC-004", statement=__doc__.strip(), severity=Severity.ERROR,
    resource_types=frozenset({"aws_ssm_parameter"}),
    rationale="Checkpoints record the migration's state and restore points; only the controller may read them.",
    fix='set type="SecureString" and key_id to the app CMK', check=check, suppressible=False)
