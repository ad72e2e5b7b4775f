"""The cutover controller function and the exact permissions it needs.

It runs outside the VPC: it talks only to AWS APIs, and Route 53's API has no VPC endpoint, so inside
the VPC it would need a NAT gateway and a route to the internet that nothing else here has.
Reserved concurrency 1 serializes every weight change.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from aspects import facts
from foundation import controller_contract
from foundation.aws.cloudwatch_log_group import CloudwatchLogGroup
from foundation.aws.iam_role import IamRole
from foundation.aws.iam_role_policy import IamRolePolicy
from foundation.aws.lambda_function import LambdaFunction
from foundation.aws.sqs_queue import SqsQueue
from foundation.aws.sqs_queue_policy import SqsQueuePolicy
from foundation.cdk import AssetType, TerraformAsset
from stack import iam, naming
from stack.iam import Account
from stack.lambda_package import package_source

RUNTIME = "python3.12"
# The actions the controller calls that IAM scopes to no resource: its own group, each with its reason there.
UNSCOPED = sorted(facts.UNSCOPED_GRANTS["controller"])


@dataclass(frozen=True)
class ControllerTargets:
    """Everything the controller reads or changes, as ARNs and names."""

    hosted_zone_id: str
    record_name: str
    reader_record_name: str
    parameter_arns: list[str]
    state_parameter_arn: str
    state_parameter: str
    event_parameter: str
    forward_task_arn: str
    reverse_task_arn: str
    forward_task_resource_id: str
    dms_instance_id: str
    cluster_id: str
    cluster_arn: str
    db_subnet_group: str
    db_security_group_id: str
    cluster_parameter_group: str
    restore_cluster_prefix: str
    topic_arn: str
    lag_alarm_names: list[str]
    backup_vault_name: str
    backup_vault_arn: str
    backup_role_arn: str
    checkpoint_key_arn: str
    database_key_arn: str
    data_api_secret_arn: str
    data_api_secret_key_arn: str
    assessment_bucket: str
    assessment_bucket_arn: str
    assessment_folder: str
    assessment_role_arn: str
    fence_function_name: str  # "-" in drain mode (no fence function)
    fence_function_arn: str  # "" in drain mode


class Cutover(Construct):
    def __init__(self, scope: Construct, id_: str, *, suffix: str, account: Account, targets: ControllerTargets,
                 environment: dict[str, str], logs_key_arn: str, log_retention_days: int):
        super().__init__(scope, id_)
        self.function_name = naming.name("function", suffix)
        self.log_group = CloudwatchLogGroup(self, "logs", name=naming.name("function_log_group", suffix),
                                            retention_in_days=log_retention_days, kms_key_id=logs_key_arn)
        self.dead_letters = SqsQueue(self, "dlq", name=naming.name("dead_letter_queue", suffix),
                                     kms_master_key_id=targets.checkpoint_key_arn, kms_data_key_reuse_period_seconds=300,
                                     message_retention_seconds=1209600)
        SqsQueuePolicy(self, "dlq-policy", queue_url=self.dead_letters.url, policy=iam.document(
            {"Sid": "DenyWithoutTls", "Effect": "Deny", "Principal": "*", "Action": "sqs:*",
             "Resource": self.dead_letters.arn, "Condition": {"Bool": {"aws:SecureTransport": "false"}}}))
        self.role = IamRole(self, "role", name=naming.name("function_role", suffix),
                            assume_role_policy=iam.trust("lambda.amazonaws.com", source_account=account.account_id))
        self.policy = IamRolePolicy(self, "policy", role=self.role.id, name=naming.name("function_policy", suffix),
                                    policy=self.policy_document(account, targets))
        code = TerraformAsset(self, "code", path=package_source(), type=AssetType.ARCHIVE)
        self.function = LambdaFunction(
            self, "function", function_name=self.function_name, role=self.role.arn, runtime=RUNTIME,
            handler="handler.handle", filename=code.path, source_code_hash=code.asset_hash,
            timeout=controller_contract.settings.MIN_FUNCTION_TIMEOUT_SECONDS,
            memory_size=256, architectures=["arm64"], reserved_concurrent_executions=1,
            kms_key_arn=targets.checkpoint_key_arn, environment={"variables": environment},
            dead_letter_config={"target_arn": self.dead_letters.arn}, tracing_config={"mode": "Active"},
            logging_config={"log_format": "JSON", "log_group": self.log_group.name,
                            "application_log_level": "INFO", "system_log_level": "WARN"},
            description="Shifts the weighted database name between on-prem and Aurora, and rolls back",
            depends_on=[self.log_group, self.policy])

    def policy_document(self, account: Account, t: ControllerTargets) -> str:
        statements = [
            iam.allow("ReadAndShiftWeightedRecords", ["route53:ChangeResourceRecordSets",
                                                      "route53:ListResourceRecordSets"],
                      [f"arn:{account.partition}:route53:::hostedzone/{t.hosted_zone_id}"]),
            iam.allow("WaitForInsync", ["route53:GetChange"], [f"arn:{account.partition}:route53:::change/*"]),
            iam.allow("Checkpoints", ["ssm:GetParameter", "ssm:PutParameter"], t.parameter_arns),
            # Milestone labels, taken off a version only when Parameter Store is about to drop it.
            iam.allow("CheckpointLabels", ["ssm:GetParameterHistory", "ssm:LabelParameterVersion",
                                           "ssm:UnlabelParameterVersion"], [t.state_parameter_arn]),
            iam.allow("AppKeyThroughItsServices", ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
                      [t.checkpoint_key_arn], Condition={"StringEquals": {"kms:ViaService": [
                          f"{service}.{account.region}.amazonaws.com" for service in ("ssm", "sns", "sqs")]}}),
            iam.allow("ReplicationTasks", ["dms:DescribeTableStatistics", "dms:StartReplicationTask"],
                      [t.forward_task_arn, t.reverse_task_arn]),
            # Premigration assessments of the forward task only, written by DMS with the assessment role only.
            iam.allow("PremigrationAssessment", ["dms:StartReplicationTaskAssessmentRun"], [t.forward_task_arn]),
            iam.allow("PassAssessmentRole", ["iam:PassRole"], [t.assessment_role_arn],
                      Condition={"StringEquals": {"iam:PassedToService": "dms.amazonaws.com"}}),
            iam.allow("ClusterState", ["rds:DescribeDBClusters"],
                      [t.cluster_arn, account.arn("rds", f"cluster:{t.restore_cluster_prefix}*")]),
            iam.allow("RestoreToCheckpoint", ["rds:AddTagsToResource", "rds:RestoreDBClusterToPointInTime"], [
                t.cluster_arn, account.arn("rds", f"cluster:{t.restore_cluster_prefix}*"),
                account.arn("rds", f"subgrp:{t.db_subnet_group}"),
                account.arn("rds", f"cluster-pg:{t.cluster_parameter_group}")]),
            iam.allow("RestoreEncryption", ["kms:CreateGrant", "kms:DescribeKey"], [t.database_key_arn]),
            # Sequences and data gates through the RDS Data API: the writer only, with one secret.
            iam.allow("DataApi", ["rds-data:ExecuteStatement"], [t.cluster_arn]),
            iam.allow("DataApiSecret", ["secretsmanager:GetSecretValue"], [t.data_api_secret_arn]),
            iam.allow("DataApiSecretKey", ["kms:Decrypt"], [t.data_api_secret_key_arn], Condition={"StringEquals": {
                "kms:ViaService": f"secretsmanager.{account.region}.amazonaws.com"}}),
            iam.allow("LogicalReplicationSetting", ["rds:DescribeDBClusterParameters"],
                      [account.arn("rds", f"cluster-pg:{t.cluster_parameter_group}")]),
            iam.allow("PostCutoverBackup", ["backup:StartBackupJob"], [t.backup_vault_arn]),
            iam.allow("PassBackupRole", ["iam:PassRole"], [t.backup_role_arn],
                      Condition={"StringEquals": {"iam:PassedToService": "backup.amazonaws.com"}}),
            iam.allow("Notify", ["sns:Publish"], [t.topic_arn]),
            iam.allow("DeadLetters", ["sqs:SendMessage"], [self.dead_letters.arn]),
            iam.allow("Logs", ["logs:CreateLogStream", "logs:PutLogEvents"], [f"{self.log_group.arn}:*"]),
            iam.allow("ReadMetricsAndTrace", UNSCOPED, ["*"]),
        ]
        if t.fence_function_arn:
            statements.append(iam.allow("InvokeFence", ["lambda:InvokeFunction"], [t.fence_function_arn]))
        return iam.document(*statements)
