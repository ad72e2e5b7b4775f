"""AWS DMS: the forward full-load-and-CDC task, and the reverse CDC task that makes rollback lossless.

Credentials come from existing Secrets Manager entries through an access role; the stack never sees
a password. Neither task starts at deploy: the operator starts the forward task once the target
schema exists, and the cutover controller starts the reverse task when a cutover starts. Both tasks
stop on any row they cannot apply, and both PostgreSQL sources fail a task on a LOB they would
truncate, instead of DMS's defaults, which log and skip.
"""

from __future__ import annotations

import json
from pathlib import Path

from constructs import Construct

from aspects.facts import ERROR_POLICIES
from foundation.aws.cloudwatch_log_group import CloudwatchLogGroup
from foundation.aws.dms_endpoint import DmsEndpoint, DmsEndpointPostgresSettings
from foundation.aws.dms_replication_instance import DmsReplicationInstance
from foundation.aws.dms_replication_subnet_group import DmsReplicationSubnetGroup
from foundation.aws.dms_replication_task import DmsReplicationTask
from foundation.aws.iam_role import IamRole
from foundation.aws.iam_role_policy import IamRolePolicy
from foundation.aws.iam_role_policy_attachment import IamRolePolicyAttachment
from foundation.aws.security_group import SecurityGroup
from foundation.aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from foundation.cdk import TerraformResourceLifecycle
from stack import iam, naming
from stack.config import MigrationConfig
from stack.iam import Account

# Both tasks run together once a cutover starts (bidirectional): DMS marks its own changes in a
# loopback table in this schema on each side, so a change is never replicated back to where it came from.
LOOPBACK_SCHEMA = "awsdms_loopback"
LOOPBACK = {"EnableLoopbackPrevention": True, "SourceSchema": LOOPBACK_SCHEMA, "TargetSchema": LOOPBACK_SCHEMA}
# Every policy that decides what happens to a row DMS cannot apply (see aspects/facts.py): stop the task.
# A suspended table would keep the others replicating while it silently falls behind.
ERROR_BEHAVIOR = {**{policy: "STOP_TASK" for policy in ERROR_POLICIES},
                  "ApplyErrorEscalationPolicy": "STOP_TASK", "DataErrorEscalationPolicy": "STOP_TASK",
                  "TableErrorEscalationPolicy": "STOP_TASK", "FailOnNoTablesCaptured": True}


def task_settings(settings: MigrationConfig, *, forward: bool) -> dict:
    """Only what decides data safety is stated; AWS fills in the rest, and the settings are ignored after
    creation anyway (a running task cannot take a change)."""
    full_lob = settings.lob_mode == "full"
    target = {"SupportLobs": True, "FullLobMode": full_lob, "LimitedSizeLobMode": not full_lob,
              "LobMaxSize": 0 if full_lob else settings.lob_max_size_kb, "BatchApplyEnabled": False}
    if full_lob:
        target["LobChunkSize"] = 64
    body = {"TargetMetadata": target, "Logging": {"EnableLogging": True}, "ErrorBehavior": ERROR_BEHAVIOR,
            "LoopbackPreventionSettings": LOOPBACK}
    if forward:
        body.update(FullLoadSettings={"TargetTablePrepMode": "DO_NOTHING"},
                    ValidationSettings={"EnableValidation": True, "ValidationMode": "ROW_LEVEL", "ThreadCount": 5})
    else:
        body["ValidationSettings"] = {"EnableValidation": False}
    return body


def source_settings(settings: MigrationConfig) -> DmsEndpointPostgresSettings:
    """A PostgreSQL source: heartbeats keep an idle slot's restart point moving; DDL is not captured (the
    runbook freezes DDL, and loopback prevention covers DML only); a LOB past the limit fails the task."""
    return DmsEndpointPostgresSettings(
        heartbeat_enable=True, heartbeat_frequency=settings.heartbeat_frequency_minutes,
        heartbeat_schema=settings.heartbeat_schema, plugin_name=settings.decoding_plugin, capture_ddls=False,
        fail_tasks_on_lob_truncation=True)


ACCOUNT_ROLES = {
    "dms-vpc-role": "service-role/AmazonDMSVPCManagementRole",
    "dms-cloudwatch-logs-role": "service-role/AmazonDMSCloudWatchLogsRole",
}


def table_mappings(settings: MigrationConfig) -> str:
    if settings.table_mappings_file:
        return json.dumps(json.loads(Path(settings.table_mappings_file).read_text()), sort_keys=True)
    return json.dumps({"rules": [{
        "rule-type": "selection", "rule-id": "1", "rule-name": "all-tables-of-schema", "rule-action": "include",
        "object-locator": {"schema-name": settings.schema, "table-name": "%"},
    }]}, sort_keys=True)


def migrated_schemas(settings: MigrationConfig) -> list[str]:
    """The schemas the tasks select, as SQL LIKE patterns (DMS's % wildcard kept, a literal _ escaped)."""
    mappings = json.loads(table_mappings(settings))
    names = sorted({rule["object-locator"]["schema-name"] for rule in mappings["rules"]
                    if rule.get("rule-type") == "selection" and rule.get("rule-action") == "include"})
    return [name.replace("\\", "\\\\").replace("_", "\\_") for name in names]


class Migration(Construct):
    def __init__(self, scope: Construct, id_: str, *, suffix: str, settings: MigrationConfig, account: Account,
                 vpc_id: str, subnet_ids: list[str], onprem_cidr: str, vpc_cidr: str,
                 target_port: int, target_database: str, target_security_group_id: str, key_arn: str,
                 logs_key_arn: str, log_retention_days: int):
        super().__init__(scope, id_)
        self.instance_id = naming.name("dms_instance", suffix)

        account_roles = self._account_roles(account) if settings.create_dms_account_roles else []
        self.security_group = SecurityGroup(
            self, "sg", name=naming.name("dms_sg", suffix), vpc_id=vpc_id, egress=[],
            description="DMS: egress only to on-prem PostgreSQL, Aurora and the VPC endpoints",
            tags={"Name": naming.name("dms_sg", suffix)})
        VpcSecurityGroupEgressRule(self, "to-onprem", security_group_id=self.security_group.id, ip_protocol="tcp",
                                   from_port=settings.onprem_port, to_port=settings.onprem_port,
                                   cidr_ipv4=onprem_cidr, description="On-prem PostgreSQL")
        VpcSecurityGroupEgressRule(self, "to-aurora", security_group_id=self.security_group.id, ip_protocol="tcp",
                                   from_port=target_port, to_port=target_port,
                                   referenced_security_group_id=target_security_group_id, description="Aurora")
        VpcSecurityGroupEgressRule(self, "to-endpoints", security_group_id=self.security_group.id,
                                   ip_protocol="tcp", from_port=443, to_port=443, cidr_ipv4=vpc_cidr,
                                   description="Secrets Manager, KMS and Logs endpoints in the VPC")

        subnets = DmsReplicationSubnetGroup(
            self, "subnets", replication_subnet_group_id=naming.name("dms_subnet_group", suffix),
            replication_subnet_group_description="Private subnets of the migration VPC", subnet_ids=subnet_ids,
            depends_on=account_roles)
        # DMS writes task logs to dms-tasks-<instance id>; creating it first gives it a key and a retention.
        self.log_group = CloudwatchLogGroup(self, "task-logs", name=naming.name("dms_log_group", suffix),
                                            retention_in_days=log_retention_days, kms_key_id=logs_key_arn)
        self.instance = DmsReplicationInstance(
            self, "instance", replication_instance_id=self.instance_id,
            replication_instance_class=settings.dms_instance_class,
            allocated_storage=settings.dms_allocated_storage_gib, multi_az=settings.dms_multi_az,
            publicly_accessible=False, kms_key_arn=key_arn, replication_subnet_group_id=subnets.id,
            vpc_security_group_ids=[self.security_group.id], engine_version=settings.dms_engine_version,
            # Pinned: an automatic minor upgrade would move the engine under a running CDC task and leave
            # Terraform planning a downgrade.
            auto_minor_version_upgrade=False,
            apply_immediately=True, preferred_maintenance_window="sun:06:00-sun:07:00",
            depends_on=[self.log_group])

        secrets_role = self._secrets_role(suffix, settings, account)
        endpoint = lambda key, **kw: DmsEndpoint(  # noqa: E731
            self, key.replace("_", "-"), endpoint_id=naming.name(key, suffix), kms_key_arn=key_arn,
            secrets_manager_access_role_arn=secrets_role.arn, **kw)
        onprem = {"engine_name": "postgres", "database_name": settings.onprem_database,
                  "secrets_manager_arn": settings.source_secret_arn, "ssl_mode": settings.source_ssl_mode}
        aurora = {"engine_name": "aurora-postgresql", "database_name": target_database,
                  "secrets_manager_arn": settings.target_secret_arn, "ssl_mode": settings.target_ssl_mode}
        self.source = endpoint("endpoint_source", endpoint_type="source", postgres_settings=source_settings(settings),
                               **onprem)
        self.target = endpoint("endpoint_target", endpoint_type="target", **aurora)
        self.reverse_source = endpoint("endpoint_reverse_source", endpoint_type="source",
                                       postgres_settings=source_settings(settings), **aurora)
        self.reverse_target = endpoint("endpoint_reverse_target", endpoint_type="target", **onprem)

        ignore_settings = TerraformResourceLifecycle(ignore_changes=["replication_task_settings"])
        mappings = table_mappings(settings)
        self.forward_resource_id = naming.name("task_forward_resource", suffix)
        self.reverse_resource_id = naming.name("task_reverse_resource", suffix)
        self.forward_task = DmsReplicationTask(
            self, "forward-task", replication_task_id=naming.name("task_forward", suffix),
            resource_identifier=self.forward_resource_id, migration_type="full-load-and-cdc",
            replication_instance_arn=self.instance.replication_instance_arn,
            source_endpoint_arn=self.source.endpoint_arn, target_endpoint_arn=self.target.endpoint_arn,
            table_mappings=mappings,
            replication_task_settings=json.dumps(task_settings(settings, forward=True), sort_keys=True),
            start_replication_task=False, lifecycle=ignore_settings)
        self.reverse_task = DmsReplicationTask(
            self, "reverse-task", replication_task_id=naming.name("task_reverse", suffix),
            resource_identifier=self.reverse_resource_id, migration_type="cdc",
            replication_instance_arn=self.instance.replication_instance_arn,
            source_endpoint_arn=self.reverse_source.endpoint_arn,
            target_endpoint_arn=self.reverse_target.endpoint_arn, table_mappings=mappings,
            replication_task_settings=json.dumps(task_settings(settings, forward=False), sort_keys=True),
            start_replication_task=False, lifecycle=ignore_settings)
        self.task_arns = [self.forward_task.replication_task_arn, self.reverse_task.replication_task_arn]

    def _account_roles(self, account: Account) -> list[IamRole]:
        """DMS looks these roles up by exact name, once per account: the documented suffix exemption."""
        roles = []
        for role_name, policy in ACCOUNT_ROLES.items():
            role = IamRole(self, role_name, name=role_name, assume_role_policy=iam.trust("dms.amazonaws.com"))
            attachment = IamRolePolicyAttachment(self, f"{role_name}-policy", role=role.name,
                                                 policy_arn=f"arn:{account.partition}:iam::aws:policy/{policy}")
            roles.extend([role, attachment])
        return roles

    def _secrets_role(self, suffix: str, settings: MigrationConfig, account: Account) -> IamRole:
        role = IamRole(self, "secrets-role", name=naming.name("dms_secrets_role", suffix),
                       assume_role_policy=iam.trust(f"dms.{account.region}.amazonaws.com",
                                                    source_account=account.account_id))
        IamRolePolicy(self, "secrets-policy", role=role.id, name=naming.name("dms_secrets_policy", suffix), policy=iam.document(
            iam.allow("ReadEndpointSecrets", ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                      sorted({settings.source_secret_arn, settings.target_secret_arn})),
            iam.allow("DecryptEndpointSecrets", ["kms:Decrypt"],
                      sorted({settings.source_secret_kms_key_arn, settings.target_secret_kms_key_arn}),
                      Condition={"StringEquals": {"kms:ViaService": f"secretsmanager.{account.region}.amazonaws.com"}}),
        ))
        return role
