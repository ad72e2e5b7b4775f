"""The fence function: in the migration VPC, the only code that speaks PostgreSQL to both databases.

The controller stays outside the VPC (Route 53's API has no VPC endpoint) and invokes this function, which
reaches on-prem over the path DMS uses and Aurora through its security group, with two existing secrets
read through the VPC's Secrets Manager endpoint. Its security group allows nothing else out.
"""

from __future__ import annotations

from constructs import Construct

from aspects import facts
from foundation import controller_contract
from foundation.aws.cloudwatch_log_group import CloudwatchLogGroup
from foundation.aws.iam_role import IamRole
from foundation.aws.iam_role_policy import IamRolePolicy
from foundation.aws.lambda_function import LambdaFunction
from foundation.aws.security_group import SecurityGroup
from foundation.aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from foundation.cdk import AssetType, TerraformAsset
from stack import iam, naming
from stack.config import Config
from stack.iam import Account
from stack.lambda_package import fence_package_source

RUNTIME = "python3.12"
VPC_ACCESS = sorted(facts.UNSCOPED_GRANTS["function-in-vpc"])  # each with its reason there


class Fence(Construct):
    def __init__(self, scope: Construct, id_: str, *, suffix: str, config: Config, account: Account, vpc_id: str,
                 vpc_cidr: str, subnet_ids: list[str], onprem_cidr: str, aurora_security_group_id: str,
                 aurora_host: str, migrated_schemas: list[str], key_arn: str, logs_key_arn: str):
        super().__init__(scope, id_)
        m, k = config.migration, config.cutover
        self.function_name = naming.name("fence_function", suffix)
        self.security_group = SecurityGroup(
            self, "sg", name=naming.name("fence_sg", suffix), vpc_id=vpc_id, egress=[],
            description="Fence function: egress only to on-prem PostgreSQL, Aurora and the VPC endpoints",
            tags={"Name": naming.name("fence_sg", suffix)})
        VpcSecurityGroupEgressRule(self, "to-onprem", security_group_id=self.security_group.id, ip_protocol="tcp",
                                   from_port=m.onprem_port, to_port=m.onprem_port, cidr_ipv4=onprem_cidr,
                                   description="On-prem PostgreSQL")
        VpcSecurityGroupEgressRule(self, "to-aurora", security_group_id=self.security_group.id, ip_protocol="tcp",
                                   from_port=config.database.port, to_port=config.database.port,
                                   referenced_security_group_id=aurora_security_group_id, description="Aurora")
        VpcSecurityGroupEgressRule(self, "to-endpoints", security_group_id=self.security_group.id,
                                   ip_protocol="tcp", from_port=443, to_port=443, cidr_ipv4=vpc_cidr,
                                   description="Secrets Manager, KMS and Logs endpoints in the VPC")
        self.log_group = CloudwatchLogGroup(self, "logs", name=naming.name("fence_log_group", suffix),
                                            retention_in_days=config.database.log_retention_days,
                                            kms_key_id=logs_key_arn)
        self.role = IamRole(self, "role", name=naming.name("fence_role", suffix),
                            assume_role_policy=iam.trust("lambda.amazonaws.com", source_account=account.account_id))
        secrets = [m.onprem_fence_secret_arn, m.aurora_fence_secret_arn]
        self.policy = IamRolePolicy(self, "policy", role=self.role.id, name=naming.name("fence_policy", suffix),
                                    policy=iam.document(
            iam.allow("FenceSecrets", ["secretsmanager:GetSecretValue"], secrets),
            iam.allow("FenceSecretsKey", ["kms:Decrypt"], [m.fence_secret_kms_key_arn], Condition={"StringEquals": {
                "kms:ViaService": f"secretsmanager.{account.region}.amazonaws.com"}}),
            iam.allow("EnvironmentKey", ["kms:Decrypt"], [key_arn], Condition={"StringEquals": {
                "kms:ViaService": f"lambda.{account.region}.amazonaws.com"}}),
            iam.allow("Logs", ["logs:CreateLogStream", "logs:PutLogEvents"], [f"{self.log_group.arn}:*"]),
            iam.allow("VpcAccess", VPC_ACCESS, ["*"])))
        code = TerraformAsset(self, "code", path=fence_package_source(), type=AssetType.ARCHIVE)
        environment = {
            "ONPREM_SECRET_ARN": m.onprem_fence_secret_arn, "AURORA_SECRET_ARN": m.aurora_fence_secret_arn,
            "ONPREM_HOST": m.onprem_host, "ONPREM_PORT": str(m.onprem_port), "AURORA_HOST": aurora_host,
            "AURORA_PORT": str(config.database.port), "ONPREM_DATABASE": m.onprem_database,
            "AURORA_DATABASE": config.database.database_name,
            "APPLICATION_ROLES": ",".join(k.application_roles), "MIGRATED_SCHEMAS": ",".join(migrated_schemas),
            "ONPREM_ALLOWED_ROLES": ",".join(dict.fromkeys((*k.replication_roles, *k.onprem_allowed_roles))),
            "AURORA_ALLOWED_ROLES": ",".join(dict.fromkeys((*k.replication_roles, *k.aurora_allowed_roles,
                                                             config.database.master_username))),
            "CONTROL_TABLE": k.control_table}
        self.function = LambdaFunction(
            self, "function", function_name=self.function_name, role=self.role.arn, runtime=RUNTIME,
            handler="fence_handler.handle", filename=code.path, source_code_hash=code.asset_hash,
            timeout=controller_contract.settings.FENCE_CALL_SECONDS, memory_size=256, architectures=["arm64"],
            reserved_concurrent_executions=1, kms_key_arn=key_arn, environment={"variables": environment},
            vpc_config={"subnet_ids": subnet_ids, "security_group_ids": [self.security_group.id]},
            tracing_config={"mode": "PassThrough"},
            logging_config={"log_format": "JSON", "log_group": self.log_group.name,
                            "application_log_level": "INFO", "system_log_level": "WARN"},
            description="Fences the application's writes in on-prem's and Aurora's databases for the cutover",
            depends_on=[self.log_group, self.policy])
