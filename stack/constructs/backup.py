"""AWS Backup of the Aurora cluster: a scheduled plan, plus the vault the post-cutover snapshot goes to."""

from __future__ import annotations

from constructs import Construct

from foundation.aws.backup_plan import BackupPlan, BackupPlanRule, BackupPlanRuleLifecycle
from foundation.aws.backup_selection import BackupSelection
from foundation.aws.backup_vault import BackupVault
from foundation.aws.iam_role import IamRole
from foundation.aws.iam_role_policy_attachment import IamRolePolicyAttachment
from stack import iam, naming
from stack.config import BackupConfig
from stack.iam import Account

MANAGED_POLICIES = ("AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores")


class Backup(Construct):
    def __init__(self, scope: Construct, id_: str, *, suffix: str, settings: BackupConfig, account: Account,
                 cluster_arn: str, key_arn: str):
        super().__init__(scope, id_)
        self.vault = BackupVault(self, "vault", name=naming.name("backup_vault", suffix), kms_key_arn=key_arn,
                                 force_destroy=True)
        self.role = IamRole(self, "role", name=naming.name("backup_role", suffix),
                            assume_role_policy=iam.trust("backup.amazonaws.com", source_account=account.account_id))
        for policy in MANAGED_POLICIES:
            IamRolePolicyAttachment(self, policy, role=self.role.name,
                                    policy_arn=f"arn:{account.partition}:iam::aws:policy/service-role/{policy}")
        self.plan = BackupPlan(self, "plan", name=naming.name("backup_plan", suffix), rule=[BackupPlanRule(
            rule_name="scheduled", target_vault_name=self.vault.name, schedule=settings.schedule, start_window=60,
            completion_window=360, lifecycle=BackupPlanRuleLifecycle(delete_after=settings.retention_days))])
        BackupSelection(self, "selection", name=naming.name("backup_selection", suffix), plan_id=self.plan.id,
                        iam_role_arn=self.role.arn, resources=[cluster_arn])
