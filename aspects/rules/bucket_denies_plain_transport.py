"""S3 buckets have a policy that denies requests without TLS."""

import json

from aspects.engine import Resource, Rule, Severity, Violation, companions


def _denies_plain(policy: object) -> bool:
    try:
        statements = json.loads(policy).get("Statement", []) if isinstance(policy, str) else []
    except ValueError:
        return False
    return any(s.get("Effect") == "Deny" and (s.get("Condition") or {}).get("Bool", {}).get(
        "aws:SecureTransport") in ("false", False) for s in statements)


def check(r: Resource):
    if any(_denies_plain(p.get("policy")) for p in companions(r, "aws_s3_bucket_policy")):
        return []
    return [Violation("policy", "no bucket policy denying aws:SecureTransport=false")]


RULE = Rule(
    id="MIG-TLS-004", statement=__doc__.strip(), severity=Severity.ERROR, resource_types=frozenset({"aws_s3_bucket"}),
    rationale="S3 accepts plain HTTP unless a policy refuses it.",
    fix="an aws_s3_bucket_policy with a Deny on aws:SecureTransport=false", check=check, suppressible=False)
