"""Customer-managed KMS keys rotate yearly."""

from aspects.engine import Resource, Rule, Severity, Violation


def check(r: Resource):
    return [] if r.get("enable_key_rotation") is True else [Violation("enable_key_rotation", "rotation is off")]


RULE = Rule(
    id="MIG-ENC-010", statement=__doc__.strip(), severity=Severity.ERROR, resource_types=frozenset({"aws_kms_key"}),
    rationale="PCI DSS 3.6.4 expects cryptoperiods; rotation limits what one key version protects.",
    fix="set enable_key_rotation=True", check=check, suppressible=False)
