"""AWS Backup: the on-demand post-cutover backup of the Aurora cluster."""

from __future__ import annotations


class BackupGateway:
    def __init__(self, client, *, vault_name: str, role_arn: str, cluster_arn: str):
        self.client, self.vault_name, self.role_arn, self.cluster_arn = client, vault_name, role_arn, cluster_arn

    def start(self, token: str) -> str:
        response = self.client.start_backup_job(
            BackupVaultName=self.vault_name, ResourceArn=self.cluster_arn, IamRoleArn=self.role_arn,
            IdempotencyToken=token)
        return response["BackupJobId"]
