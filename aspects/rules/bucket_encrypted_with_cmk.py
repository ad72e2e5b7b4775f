"""S3 buckets are encrypted by default with a customer-managed KMS key."""

from aspects.engine import Resource, Rule, Severity, Violation, companions, first, is_cmk


def check(r: Resource):
    for config in companions(r, "aws_s3_bucket_server_side_encryption_configuration"):
        default = first((first(config.get("rule")) or {}).get("apply_server_side_encryption_by_default")) or {}
        if default.get("sse_algorithm") in ("aws:kms", "aws:kms:dsse") and is_cmk(default.get("kms_master_key_id")):
            return []
    return [Violation("server_side_encryption_configuration",
                      "no default encryption with a customer-managed key (S3 would use SSE-S3 or the AWS key)")]


RULE = Rule(
    id="MIG-ENC-011", statement=__doc__.strip(), severity=Severity.ERROR, resource_types=frozenset({"aws_s3_bucket"}),
    rationale="Assessment results describe the payment database's schema, keys and settings.",
    fix="aws_s3_bucket_server_side_encryption_configuration with sse_algorithm aws:kms and the stack's key",
    check=check, suppressible=False)
