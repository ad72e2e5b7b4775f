"""Aurora PostgreSQL: one writer and two readers, each pinned to its own availability zone.

The master password is generated and kept by RDS in Secrets Manager (manage_master_user_password), so
no password ever enters the Terraform configuration or state. There is no backtrack: Aurora
PostgreSQL does not have it; point-in-time restore (7 days) is what replaces it.
"""

from __future__ import annotations

from constructs import Construct

from foundation.aws.cloudwatch_log_group import CloudwatchLogGroup
from foundation.aws.db_subnet_group import DbSubnetGroup
from foundation.aws.iam_role import IamRole
from foundation.aws.iam_role_policy_attachment import IamRolePolicyAttachment
from foundation.aws.rds_cluster import RdsCluster
from foundation.aws.rds_cluster_instance import RdsClusterInstance
from foundation.aws.rds_cluster_parameter_group import (
    RdsClusterParameterGroup,
    RdsClusterParameterGroupParameter,
)
from foundation.aws.security_group import SecurityGroup
from foundation.aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from stack import iam, naming
from stack.config import DatabaseConfig
from stack.iam import Account

ENGINE = "aurora-postgresql"
INSTANCE_KEYS = ("instance_writer", "instance_reader_1", "instance_reader_2")


class Database(Construct):
    def __init__(self, scope: Construct, id_: str, *, suffix: str, settings: DatabaseConfig, account: Account,
                 vpc_id: str, subnet_ids: list[str], zones: list[str], production_cidr: str, key_arn: str,
                 logs_key_arn: str):
        super().__init__(scope, id_)
        self.port = settings.port
        self.cluster_id = naming.name("cluster", suffix)
        major = settings.engine_version.split(".")[0]

        self.security_group = SecurityGroup(
            self, "sg", name=naming.name("aurora_sg", suffix), vpc_id=vpc_id, egress=[],
            description="PostgreSQL from DMS and the production VPC; no egress",
            tags={"Name": naming.name("aurora_sg", suffix)})
        VpcSecurityGroupIngressRule(self, "from-production", security_group_id=self.security_group.id,
                                    ip_protocol="tcp", from_port=settings.port, to_port=settings.port,
                                    cidr_ipv4=production_cidr, description="Applications in the production VPC")

        parameters = RdsClusterParameterGroup(
            self, "parameters", name=naming.name("cluster_parameter_group", suffix), family=f"aurora-postgresql{major}",
            description="TLS only; logical replication for the reverse CDC task",
            parameter=[
                RdsClusterParameterGroupParameter(name=name, value=value, apply_method=method)
                for name, value, method in (("rds.force_ssl", "1", "pending-reboot"),
                                            ("rds.logical_replication", "1", "pending-reboot"),
                                            ("log_min_duration_statement", "1000", "immediate"),
                                            # DDL only: "all" would write card and account data to the logs.
                                            ("log_statement", "ddl", "immediate"))
            ])
        subnets = DbSubnetGroup(self, "subnets", name=naming.name("db_subnet_group", suffix), subnet_ids=subnet_ids,
                                description="Private subnets of the migration VPC")
        # What a point-in-time restore of this cluster needs to land in the same place.
        self.subnet_group_name, self.parameter_group_name = subnets.name, parameters.name
        # RDS writes exported logs to this group; creating it first gives it a key and a retention.
        self.log_group = CloudwatchLogGroup(self, "logs", name=naming.name("rds_log_group", suffix),
                                            retention_in_days=settings.log_retention_days, kms_key_id=logs_key_arn)
        monitoring_role = IamRole(self, "monitoring-role", name=naming.name("monitoring_role", suffix),
                                  assume_role_policy=iam.trust("monitoring.rds.amazonaws.com",
                                                               source_account=account.account_id))
        IamRolePolicyAttachment(
            self, "monitoring-policy", role=monitoring_role.name,
            policy_arn=f"arn:{account.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole")

        self.cluster = RdsCluster(
            self, "cluster", cluster_identifier=self.cluster_id, engine=ENGINE,
            engine_version=settings.engine_version, database_name=settings.database_name,
            master_username=settings.master_username, manage_master_user_password=True,
            master_user_secret_kms_key_id=key_arn, port=settings.port,
            db_subnet_group_name=subnets.name, db_cluster_parameter_group_name=parameters.name,
            vpc_security_group_ids=[self.security_group.id], storage_encrypted=True, kms_key_id=key_arn,
            backup_retention_period=settings.backup_retention_days, preferred_backup_window="03:00-04:00",
            preferred_maintenance_window="sun:05:00-sun:06:00", copy_tags_to_snapshot=True,
            deletion_protection=False, skip_final_snapshot=True, iam_database_authentication_enabled=True,
            enabled_cloudwatch_logs_exports=["postgresql"], apply_immediately=True,
            # The RDS Data API: the controller syncs sequences and checks tables over HTTPS with IAM and a
            # secret, without a network path to the database.
            enable_http_endpoint=True,
            depends_on=[self.log_group])
        self.cluster_arn = self.cluster.arn

        self.instances = []
        for index, (key, zone) in enumerate(zip(INSTANCE_KEYS, zones, strict=True)):
            instance = RdsClusterInstance(
                self, key.replace("instance_", ""), identifier=naming.name(key, suffix),
                cluster_identifier=self.cluster.id, engine=ENGINE, engine_version=settings.engine_version,
                instance_class=settings.instance_class, availability_zone=zone, promotion_tier=index,
                publicly_accessible=False, auto_minor_version_upgrade=True,
                performance_insights_enabled=True, performance_insights_kms_key_id=key_arn,
                performance_insights_retention_period=7, monitoring_interval=60,
                monitoring_role_arn=monitoring_role.arn, copy_tags_to_snapshot=True, apply_immediately=True,
                # The first instance created becomes the writer; readers wait for it.
                depends_on=self.instances[:1])
            self.instances.append(instance)

    def allow_from(self, id_: str, security_group_id: str, description: str) -> None:
        VpcSecurityGroupIngressRule(self, id_, security_group_id=self.security_group.id, ip_protocol="tcp",
                                    from_port=self.port, to_port=self.port,
                                    referenced_security_group_id=security_group_id, description=description)
