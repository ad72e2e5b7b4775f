"""The migration stack: wires the constructs together in the project's concern order, nothing more."""

from __future__ import annotations

from dataclasses import fields

from constructs import Construct

from aspects import compliance
from foundation import controller_contract
from foundation.aws.data_aws_caller_identity import DataAwsCallerIdentity
from foundation.aws.data_aws_partition import DataAwsPartition
from foundation.aws.provider import AwsProvider, AwsProviderDefaultTags
from foundation.cdk import Aspects, S3Backend, TerraformOutput, TerraformStack
from foundation.controller_contract import Settings
from stack import naming
from stack.config import Config
from stack.constructs.assessment import Assessment
from stack.constructs.backup import Backup
from stack.constructs.checkpoints import Checkpoints
from stack.constructs.cutover import ControllerTargets, Cutover
from stack.constructs.database import Database
from stack.constructs.dns import AURORA_ID, ONPREM_ID, Dns
from stack.constructs.events import Events
from stack.constructs.fence import Fence
from stack.constructs.keys import Keys
from stack.constructs.migration import Migration, migrated_schemas
from stack.constructs.monitoring import Monitoring, lag_alarm_names
from stack.constructs.network import Network
from stack.iam import Account
from stack.tagging import RequiredTags, StackAspects


class MigrationStack(TerraformStack):
    def __init__(self, scope: Construct, id_: str, *, config: Config, compliance_checks: bool = True):
        """`compliance_checks=False` exists only to measure the checks' cost; main.py never passes it."""
        super().__init__(scope, id_)
        suffix = config.environment_suffix
        AwsProvider(self, "aws", region=config.region, default_tags=[AwsProviderDefaultTags(tags=config.tags)])
        self._backend(config)
        self.compliance = compliance.ComplianceAspect(suffix) if compliance_checks else None
        # Tags first: the compliance checks must see the tagged resources. Registered on the stack,
        # since aspects added to the App never run.
        Aspects.of(self).add(StackAspects(RequiredTags(config.tags), *filter(None, [self.compliance])))
        account = Account(partition=DataAwsPartition(self, "partition").partition, region=config.region,
                          account_id=DataAwsCallerIdentity(self, "caller").account_id)

        keys = Keys(self, "keys", suffix=suffix, account=account)
        network = Network(self, "network", suffix=suffix, settings=config.network, account=account,
                          logs_key_arn=keys.logs.arn)
        database = Database(self, "database", suffix=suffix, settings=config.database, account=account,
                            vpc_id=network.vpc.id, subnet_ids=network.subnet_ids, zones=network.zones,
                            production_cidr=network.production_cidr, key_arn=keys.database.arn,
                            logs_key_arn=keys.logs.arn)
        migration = Migration(self, "migration", suffix=suffix, settings=config.migration, account=account,
                              vpc_id=network.vpc.id, subnet_ids=network.subnet_ids, onprem_cidr=network.onprem_cidr,
                              vpc_cidr=network.cidr, target_port=database.port,
                              target_database=config.database.database_name,
                              target_security_group_id=database.security_group.id, key_arn=keys.database.arn,
                              logs_key_arn=keys.logs.arn, log_retention_days=config.database.log_retention_days)
        database.allow_from("from-dms", migration.security_group.id, "DMS replication instance")
        assessment = Assessment(self, "assessment", suffix=suffix, settings=config.migration, account=account,
                                key_arn=keys.database.arn)
        dns = Dns(self, "dns", settings=config.dns, vpc_ids=[network.vpc.id, network.production_vpc_id],
                  onprem_host=config.migration.onprem_host,
                  onprem_reader_host=config.migration.onprem_reader_host or config.migration.onprem_host,
                  aurora_host=database.cluster.endpoint, aurora_reader_host=database.cluster.reader_endpoint)
        checkpoints = Checkpoints(self, "checkpoints", suffix=suffix, key_arn=keys.app.arn)
        alarm_names = lag_alarm_names(suffix)
        events = Events(self, "events", suffix=suffix, account=account, key_arn=keys.app.arn,
                        task_arns=migration.task_arns, alarm_names=alarm_names)
        monitoring = Monitoring(self, "monitoring", suffix=suffix, settings=config.monitoring, region=config.region,
                                dms_instance_id=migration.instance_id,
                                forward_task_resource_id=migration.forward_resource_id,
                                reverse_task_resource_id=migration.reverse_resource_id,
                                cluster_id=database.cluster_id, topic_arn=events.topic.arn)
        backup = Backup(self, "backup", suffix=suffix, settings=config.backup, account=account,
                        cluster_arn=database.cluster_arn, key_arn=keys.database.arn)
        fence = None
        if config.cutover.flip_mode == "fenced":
            fence = Fence(self, "fence", suffix=suffix, config=config, account=account, vpc_id=network.vpc.id,
                          vpc_cidr=network.cidr, subnet_ids=network.subnet_ids, onprem_cidr=network.onprem_cidr,
                          aurora_security_group_id=database.security_group.id, aurora_host=database.cluster.endpoint,
                          migrated_schemas=migrated_schemas(config.migration), key_arn=keys.app.arn,
                          logs_key_arn=keys.logs.arn)
            database.allow_from("from-fence", fence.security_group.id, "PostgreSQL from the fence function")
        targets = ControllerTargets(
            hosted_zone_id=dns.zone.zone_id, record_name=dns.record_name, reader_record_name=dns.reader_record_name,
            parameter_arns=checkpoints.arns,
            state_parameter_arn=checkpoints.state.arn,
            state_parameter=checkpoints.state.name, event_parameter=checkpoints.last_event.name,
            forward_task_arn=migration.forward_task.replication_task_arn,
            reverse_task_arn=migration.reverse_task.replication_task_arn,
            forward_task_resource_id=migration.forward_resource_id,
            dms_instance_id=migration.instance_id,
            cluster_id=database.cluster_id, cluster_arn=database.cluster_arn,
            db_subnet_group=database.subnet_group_name, db_security_group_id=database.security_group.id,
            cluster_parameter_group=database.parameter_group_name,
            restore_cluster_prefix=naming.restore_cluster_prefix(suffix), topic_arn=events.topic.arn,
            lag_alarm_names=alarm_names, backup_vault_name=backup.vault.name, backup_vault_arn=backup.vault.arn,
            backup_role_arn=backup.role.arn, checkpoint_key_arn=keys.app.arn, database_key_arn=keys.database.arn,
            data_api_secret_arn=config.migration.controller_secret_arn or database.cluster.master_user_secret.get(
                0).secret_arn,
            data_api_secret_key_arn=config.migration.controller_secret_kms_key_arn or keys.database.arn,
            assessment_bucket=assessment.bucket.id, assessment_bucket_arn=assessment.bucket.arn,
            assessment_folder=assessment.folder, assessment_role_arn=assessment.role.arn,
            fence_function_name=fence.function_name if fence else "-",
            fence_function_arn=fence.function.arn if fence else "")
        cutover = Cutover(self, "cutover", suffix=suffix, account=account, targets=targets,
                          environment=controller_environment(config, targets), logs_key_arn=keys.logs.arn,
                          log_retention_days=config.database.log_retention_days)
        events.route_to(cutover.function.arn, cutover.function.function_name)

        self._outputs({
            "aurora_writer_endpoint": (database.cluster.endpoint, "Aurora writer (cluster) endpoint"),
            "aurora_reader_endpoint": (database.cluster.reader_endpoint, "Aurora reader endpoint"),
            "aurora_cluster_id": (database.cluster_id, "Aurora cluster identifier"),
            "aurora_master_secret_arn": (database.cluster.master_user_secret.get(0).secret_arn,
                                         "RDS-managed secret of the Aurora master user"),
            "dms_replication_instance_id": (migration.instance_id, "DMS replication instance identifier"),
            "dms_forward_task_arn": (migration.forward_task.replication_task_arn, "Forward full-load-and-CDC task"),
            "dms_reverse_task_arn": (migration.reverse_task.replication_task_arn, "Reverse CDC task (rollback)"),
            "dms_forward_task_resource_id": (migration.forward_resource_id, "Forward task metric dimension"),
            "assessment_bucket": (assessment.bucket.id, "S3 bucket of the premigration assessment results"),
            "hosted_zone_id": (dns.zone.zone_id, "Hosted zone of the weighted record"),
            "record_name": (dns.record_name, "Weighted writer name (reads and writes) the applications use"),
            "reader_record_name": (dns.reader_record_name, "Weighted reader name (read-only traffic)"),
            "record_ttl": (str(dns.ttl), "TTL of the weighted records (seconds)"),
            "cutover_function_name": (cutover.function_name, "Cutover controller function"),
            "cutover_function_timeout_seconds": (str(controller_contract.settings.MIN_FUNCTION_TIMEOUT_SECONDS),
                                                 "The controller's timeout: the "
                                                 "console waits this long (and a margin) for a change, never twice"),
            "dashboard_name": (monitoring.dashboard.dashboard_name, "CloudWatch dashboard"),
            "lag_alarm_names": (",".join(alarm_names), "CDC latency alarms (comma-separated)"),
            "state_parameter_name": (checkpoints.state.name, "Checkpoint parameter of the cutover state"),
            "event_parameter_name": (checkpoints.last_event.name, "Checkpoint parameter of the last DMS event"),
            "checkpoint_key_arn": (keys.app.arn, "Customer-managed key of the checkpoints (every write names it)"),
            "notification_topic_arn": (events.topic.arn, "SNS topic of migration notices"),
            "backup_vault_name": (backup.vault.name, "AWS Backup vault"),
            "peering_connection_id": (network.peering.id, "VPC peering between migration and production VPCs"),
            "migration_vpc_id": (network.vpc.id, "Migration VPC"),
        })

    def _backend(self, config: Config) -> None:
        state = config.state
        if not state.bucket:
            return
        backend = S3Backend(self, bucket=state.bucket, key=state.key or f"{config.stack_name}/terraform.tfstate",
                            region=state.region or config.region, encrypt=True,
                            kms_key_id=state.kms_key_arn or None)
        backend.add_override("use_lockfile", True)

    def _outputs(self, outputs: dict[str, tuple[str, str]]) -> None:
        for key, (value, description) in outputs.items():
            TerraformOutput(self, key, value=value, description=description)


def controller_environment(config: Config, t: ControllerTargets) -> dict[str, str]:
    """The controller's settings, named by the controller's own contract; it validates them at cold start.

    A target passes under its own name when the contract has a field of that name (the names are the same on
    both sides, by construction); the rest come from config. `Settings.environment` refuses a missing or an
    unknown field, so a renamed field fails at synth, not at the function's cold start.
    """
    shared = {f.name: getattr(t, f.name) for f in fields(t) if f.name in Settings._fields}
    cutover = config.cutover
    return Settings.environment(
        **shared, onprem_set_id=ONPREM_ID, aurora_set_id=AURORA_ID,
        database_name=config.database.database_name, migrated_schemas=migrated_schemas(config.migration),
        lag_threshold_seconds=config.monitoring.lag_threshold_seconds,
        healthy_minutes=cutover.healthy_minutes, canary_steps=cutover.canary_steps,
        bake_minutes=cutover.bake_minutes, rollback_on_alarm=cutover.rollback_on_alarm,
        write_canary=cutover.write_canary, auto_flip=cutover.auto_flip,
        flip_max_lag_seconds=cutover.flip_max_lag_seconds, sequence_gap=cutover.sequence_gap,
        flip_mode=cutover.flip_mode, flip_catchup_seconds=cutover.flip_catchup_seconds,
        long_transaction_seconds=cutover.long_transaction_seconds,
        control_table=cutover.control_table, assessment_key_arn=t.database_key_arn,
        assessment_exclusions=[e.partition("=")[0].strip() for e in config.migration.assessment_exclusions] or "-")
