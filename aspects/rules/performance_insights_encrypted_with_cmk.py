"""Performance Insights data of each Aurora instance is encrypted with a customer-managed KMS key."""

from aspects.engine import Resource, Rule, Severity, cmk_violations


def check(r: Resource):
    if r.get("performance_insights_enabled") is not True:
        return None
    return cmk_violations(r, "performance_insights_kms_key_id", "Performance Insights uses the default key")


RULE = Rule(
    id="MIG-ENC-002", statement=__doc__.strip(), severity=Severity.ERROR,
    resource_types=frozenset({"aws_rds_cluster_instance"}),
    rationale="Performance Insights keeps query text, which can hold card and account data.",
    fix="set performance_insights_kms_key_id to the database CMK", check=check, suppressible=False)
