"""Customer-managed KMS keys, one per trust boundary, each usable only by the services that need it."""

from __future__ import annotations

from constructs import Construct

from foundation.aws.kms_alias import KmsAlias
from foundation.aws.kms_key import KmsKey
from stack import iam, naming
from stack.iam import Account

DELETION_WINDOW_DAYS = 7  # the shortest KMS allows: the stack stays destroyable


class Keys(Construct):
    """database: RDS, DMS (and its assessment results in S3), Backup. app: SSM, SNS, SQS, Lambda. logs: CloudWatch
    Logs."""

    def __init__(self, scope: Construct, id_: str, *, suffix: str, account: Account):
        super().__init__(scope, id_)
        self.account = account
        via = lambda *services: [f"{s}.{account.region}.amazonaws.com" for s in services]  # noqa: E731
        self.database = self._key("database", suffix, "Aurora storage and Performance Insights, DMS and its "
                                  "assessment results, AWS Backup", via("rds", "dms", "backup", "secretsmanager", "s3"),
                                  [])
        self.app = self._key("app", suffix, "checkpoint parameters, notifications, dead letters, function environment",
                             via("ssm", "sns", "sqs", "lambda"), [self._publishers_statement()])
        self.logs = self._key("logs", suffix, "CloudWatch log groups of the migration",
                              [], [self._logs_statement()])

    def _key(self, purpose: str, suffix: str, description: str, via_services: list[str],
             service_statements: list[dict]) -> KmsKey:
        account = self.account
        statements = [
            {"Sid": "AccountAdministers", "Effect": "Allow", "Principal": {"AWS": account.root},
             "Action": ["kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*",
                        "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource",
                        "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion",
                        "kms:RotateKeyOnDemand"],
             "Resource": "*"},
        ]
        if via_services:
            statements.append({
                "Sid": "UseThroughNamedServicesOnly", "Effect": "Allow", "Principal": {"AWS": account.root},
                "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                           "kms:CreateGrant", "kms:ListGrants", "kms:DescribeKey"],
                "Resource": "*",
                "Condition": {"StringEquals": {"kms:ViaService": via_services,
                                               "kms:CallerAccount": account.account_id}},
            })
        statements.extend(service_statements)
        key = KmsKey(self, purpose, description=f"Migration {purpose} key: {description}",
                     enable_key_rotation=True, deletion_window_in_days=DELETION_WINDOW_DAYS,
                     policy=iam.document(*statements))
        KmsAlias(self, f"{purpose}-alias", name=naming.name(f"key_{purpose}", suffix), target_key_id=key.key_id)
        return key

    def _publishers_statement(self) -> dict:
        """CloudWatch alarms and EventBridge publish to the encrypted topic as service principals."""
        return {
            "Sid": "AlarmAndEventPublishers", "Effect": "Allow",
            "Principal": {"Service": ["cloudwatch.amazonaws.com", "events.amazonaws.com"]},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": self.account.account_id}},
        }

    def _logs_statement(self) -> dict:
        return {
            "Sid": "CloudWatchLogsOfThisAccount", "Effect": "Allow",
            "Principal": {"Service": f"logs.{self.account.region}.amazonaws.com"},
            "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            "Resource": "*",
            "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn":
                                      self.account.arn("logs", "log-group:*")}},
        }
