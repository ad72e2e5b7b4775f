"""The premigration assessment results bucket and the role DMS assumes to write there."""

from __future__ import annotations

import json


def bucket_ref(synthesized) -> str:
    name = next(iter(synthesized.document["resource"]["aws_s3_bucket"]))
    return f"${{aws_s3_bucket.{name}.id}}"


def test_the_bucket_is_private_encrypted_versioned_tls_only_and_destroyable(synthesized):
    bucket = synthesized.one("aws_s3_bucket")
    assert bucket["force_destroy"] is True
    assert synthesized.config.environment_suffix in bucket["bucket_prefix"] and "bucket" not in bucket
    ref = bucket_ref(synthesized)
    block = synthesized.one("aws_s3_bucket_public_access_block")
    assert block["bucket"] == ref and all(block[k] is True for k in (
        "block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"))
    sse = synthesized.one("aws_s3_bucket_server_side_encryption_configuration")
    default = sse["rule"][0]["apply_server_side_encryption_by_default"]
    assert sse["bucket"] == ref and default["sse_algorithm"] == "aws:kms"
    assert default["kms_master_key_id"].startswith("${aws_kms_key.keys_database")
    versioning = synthesized.one("aws_s3_bucket_versioning")
    assert versioning["versioning_configuration"]["status"] == "Enabled"
    rule = synthesized.one("aws_s3_bucket_lifecycle_configuration")["rule"][0]
    assert rule["status"] == "Enabled"
    assert rule["expiration"][0]["days"] == synthesized.config.migration.assessment_retention_days
    policy = json.loads(synthesized.one("aws_s3_bucket_policy")["policy"])
    deny = policy["Statement"][0]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_dms_assumes_a_role_that_only_writes_results_to_that_bucket(synthesized):
    role = next(r for r in synthesized.resources("aws_iam_role") if r["name"].startswith("dms-assessment-"))
    trust = json.loads(role["assume_role_policy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "dms.amazonaws.com"}
    assert "aws:SourceAccount" in trust["Condition"]["StringEquals"]
    policy = json.loads(next(p for p in synthesized.resources("aws_iam_role_policy")
                             if p["name"].startswith("write-assessment-results-"))["policy"])
    grants = {a: s["Resource"] for s in policy["Statement"] for a in s["Action"]}
    bucket = next(iter(synthesized.document["resource"]["aws_s3_bucket"]))
    assert grants["s3:PutObject"] == [f"${{aws_s3_bucket.{bucket}.arn}}/*"]
    assert grants["s3:ListBucket"] == [f"${{aws_s3_bucket.{bucket}.arn}}"]
    assert set(grants) == {"s3:DeleteObject", "s3:GetObject", "s3:PutObject", "s3:PutObjectTagging",
                           "s3:GetBucketLocation", "s3:ListBucket", "kms:Decrypt", "kms:GenerateDataKey"}
    kms = next(s for s in policy["Statement"] if "kms:Decrypt" in s["Action"])
    assert kms["Condition"]["StringEquals"]["kms:ViaService"].startswith("s3.")


def test_the_controller_may_start_runs_of_the_forward_task_only_and_pass_only_that_role(synthesized):
    policy = json.loads(next(p for p in synthesized.resources("aws_iam_role_policy")
                             if p["name"].startswith("cutover-controller-"))["policy"])
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    forward = next(n for n, t in synthesized.document["resource"]["aws_dms_replication_task"].items()
                   if t["migration_type"] == "full-load-and-cdc")
    assert by_sid["PremigrationAssessment"]["Resource"] == [f"${{aws_dms_replication_task.{forward}.replication_task_arn}}"]
    passed = by_sid["PassAssessmentRole"]
    assert len(passed["Resource"]) == 1 and passed["Resource"][0].startswith("${aws_iam_role.assessment_role")
    assert passed["Condition"] == {"StringEquals": {"iam:PassedToService": "dms.amazonaws.com"}}
