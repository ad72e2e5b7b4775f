"""Where DMS writes premigration assessment results: an encrypted, private, TLS-only, versioned bucket that
expires old results, and the role DMS assumes to write there (nothing else).

The bucket takes a prefix, not a name: S3 names are global, and a prefix keeps the environment suffix
while Terraform makes it unique. force_destroy keeps the stack destroyable with results in it.
"""

from __future__ import annotations

from constructs import Construct

from foundation.aws.iam_role import IamRole
from foundation.aws.iam_role_policy import IamRolePolicy
from foundation.aws.s3_bucket import S3Bucket
from foundation.aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleExpiration,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
)
from foundation.aws.s3_bucket_policy import S3BucketPolicy
from foundation.aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
from foundation.aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
)
from foundation.aws.s3_bucket_versioning import S3BucketVersioningA
from stack import iam, naming
from stack.config import MigrationConfig
from stack.iam import Account

RESULTS_FOLDER = "premigration"


class Assessment(Construct):
    def __init__(self, scope: Construct, id_: str, *, suffix: str, settings: MigrationConfig, account: Account,
                 key_arn: str):
        super().__init__(scope, id_)
        self.folder = RESULTS_FOLDER
        self.bucket = S3Bucket(self, "bucket", bucket_prefix=naming.name("assessment_bucket_prefix", suffix),
                               force_destroy=True)
        S3BucketPublicAccessBlock(self, "private", bucket=self.bucket.id, block_public_acls=True,
                                  block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True)
        S3BucketServerSideEncryptionConfigurationA(self, "encryption", bucket=self.bucket.id, rule=[
            S3BucketServerSideEncryptionConfigurationRuleA(
                apply_server_side_encryption_by_default={"sse_algorithm": "aws:kms", "kms_master_key_id": key_arn},
                bucket_key_enabled=True)])
        S3BucketVersioningA(self, "versioning", bucket=self.bucket.id,
                            versioning_configuration={"status": "Enabled"})
        days = settings.assessment_retention_days
        S3BucketLifecycleConfiguration(self, "expiry", bucket=self.bucket.id, rule=[S3BucketLifecycleConfigurationRule(
            id="expire-old-results", status="Enabled", filter=[S3BucketLifecycleConfigurationRuleFilter(prefix="")],
            expiration=[S3BucketLifecycleConfigurationRuleExpiration(days=days)],
            noncurrent_version_expiration=[S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(
                noncurrent_days=7)],
            abort_incomplete_multipart_upload=[S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(
                days_after_initiation=1)])])
        S3BucketPolicy(self, "tls-only", bucket=self.bucket.id, policy=iam.document(
            {"Sid": "DenyWithoutTls", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
             "Resource": [self.bucket.arn, f"{self.bucket.arn}/*"],
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}}))
        self.role = IamRole(self, "role", name=naming.name("assessment_role", suffix),
                            assume_role_policy=iam.trust("dms.amazonaws.com", source_account=account.account_id))
        IamRolePolicy(self, "policy", role=self.role.id, name=naming.name("assessment_policy", suffix),
                      policy=iam.document(
            iam.allow("WriteResults", ["s3:DeleteObject", "s3:GetObject", "s3:PutObject", "s3:PutObjectTagging"],
                      [f"{self.bucket.arn}/*"]),
            iam.allow("FindTheBucket", ["s3:GetBucketLocation", "s3:ListBucket"], [self.bucket.arn]),
            iam.allow("EncryptResults", ["kms:Decrypt", "kms:GenerateDataKey"], [key_arn],
                      Condition={"StringEquals": {"kms:ViaService": f"s3.{account.region}.amazonaws.com"}})))
