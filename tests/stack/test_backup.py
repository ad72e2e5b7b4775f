"""Backup: encrypted vault, plan from config, selection of the cluster, managed-policy role."""

from __future__ import annotations


def test_backup(synthesized):
    vault = synthesized.one("aws_backup_vault")
    assert vault["kms_key_arn"].startswith("${aws_kms_key.") and vault["force_destroy"] is True
    rule = synthesized.one("aws_backup_plan")["rule"][0]
    assert rule["schedule"] == synthesized.config.backup.schedule
    assert rule["lifecycle"]["delete_after"] == synthesized.config.backup.retention_days
    selection = synthesized.one("aws_backup_selection")
    assert len(selection["resources"]) == 1
    assert selection["resources"][0].startswith("${aws_rds_cluster.") and selection["resources"][0].endswith(".arn}")
    attached = {a["policy_arn"].rsplit("/", 1)[1] for a in synthesized.resources("aws_iam_role_policy_attachment")}
    assert {"AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores"} <= attached
