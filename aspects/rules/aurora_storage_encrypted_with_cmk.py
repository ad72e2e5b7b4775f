"""Aurora cluster storage is encrypted with a customer-managed KMS key."""

from aspects.engine import Resource, Rule, Severity, Violation, is_cmk


def check(r: Resource):
    if r.get("storage_encrypted") is not True:
        yield Violation("storage_encrypted", "storage is not encrypted")
    if not is_cmk(r.get("kms_key_id")):
        yield Violation("kms_key_id", "no customer-managed key (AWS-managed or default key)")
    if r.get("manage_master_user_password") is True and not is_cmk(r.get("master_user_secret_kms_key_id")):
        yield Violation("master_user_secret_kms_key_id", "the RDS-managed master secret uses the default key")


RULE = Rule(
    id="MIG-ENC-001", statement=__doc__.strip(), severity=Severity.ERROR, resource_types=frozenset({"aws_rds_cluster"}),
    rationale="Payment data at rest must be readable only through a key the account controls and can audit.",
    fix="set storage_encrypted=True and kms_key_id (and master_user_secret_kms_key_id) to the database CMK",
    check=check, suppressible=False)
