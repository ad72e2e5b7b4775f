"""S3 buckets block every kind of public access."""

from aspects.engine import Resource, Rule, Severity, Violation, companions

SETTINGS = ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")


def check(r: Resource):
    for block in companions(r, "aws_s3_bucket_public_access_block"):
        return [Violation(key, "not true") for key in SETTINGS if block.get(key) is not True]
    return [Violation("public_access_block", "no aws_s3_bucket_public_access_block for this bucket")]


RULE = Rule(
    id="MIG-PUB-003", statement=__doc__.strip(), severity=Severity.ERROR, resource_types=frozenset({"aws_s3_bucket"}),
    rationale="A bucket policy or ACL written later must not be able to expose migration data.",
    fix="aws_s3_bucket_public_access_block with all four settings true", check=check, suppressible=False)
