"""Stands in for `cdktf deploy` against a local AWS emulator: it creates the deployment from the
synthesized stack's own values (names, CIDRs, weights, TTL, patterns, thresholds, settings are read
from cdk.tf.json, never retyped) and writes cfn-outputs/flat-outputs.json from the stack's outputs.

It is a test helper, not a deployment tool: it covers what the integration suite checks, against an
emulator (moto) that accepts what real AWS would accept for these calls.

    python -m tests.integration.provision [--outdir cdktf.out] [--outputs cfn-outputs/flat-outputs.json]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import sys
import zipfile
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parents[2]
from aspects.engine import TOKEN  # noqa: E402 - the one pattern of a Terraform reference

# Terraform's postgres_settings attributes and the DMS API's PostgreSQLSettings members they set.
POSTGRES_SETTINGS = {"heartbeat_enable": "HeartbeatEnable", "heartbeat_frequency": "HeartbeatFrequency",
                     "heartbeat_schema": "HeartbeatSchema", "plugin_name": "PluginName", "capture_ddls": "CaptureDdls",
                     "fail_tasks_on_lob_truncation": "FailTasksOnLobTruncation", "slot_name": "SlotName"}


class Deployment:
    def __init__(self, document: dict, region: str):
        self.doc, self.region = document, region
        session = boto3.Session(region_name=region)
        self.c = {n: session.client(n) for n in ("ec2", "kms", "rds", "dms", "route53", "ssm", "sns", "events",
                                                 "lambda", "iam", "cloudwatch", "backup", "sts", "s3")}
        self.account = self.c["sts"].get_caller_identity()["Account"]
        self.values: dict[tuple[str, str], dict[str, str]] = {}

    # resolution -----------------------------------------------------------------------------------

    def items(self, kind: str) -> list[tuple[str, dict]]:
        return list(self.doc.get("resource", {}).get(kind, {}).items())

    def resolve(self, value):
        if isinstance(value, str):
            def token(m: re.Match) -> str:
                data, kind, name, attr = m.groups()
                if data:
                    return {"partition": "aws", "account_id": self.account, "names": ""}.get(attr, "")
                return str(self.values[(kind, name)][attr])
            return TOKEN.sub(token, value)
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items() if k != "//"}
        return value

    def keep(self, kind: str, logical: str, /, **attrs: str) -> None:
        self.values.setdefault((kind, logical), {}).update(attrs)

    # resources ------------------------------------------------------------------------------------

    def deploy(self) -> None:
        for step in (self.keys, self.network, self.database, self.migration, self.assessment, self.dns,
                     self.checkpoints, self.topic, self.function, self.events, self.monitoring, self.backup):
            step()

    def keys(self) -> None:
        for name, body in self.items("aws_kms_key"):
            key = self.c["kms"].create_key(Description=body["description"])["KeyMetadata"]
            self.keep("aws_kms_key", name, arn=key["Arn"], key_id=key["KeyId"])

    def network(self) -> None:
        ec2 = self.c["ec2"]
        for name, body in self.items("aws_vpc"):
            vpc = ec2.create_vpc(CidrBlock=body["cidr_block"])["Vpc"]
            self.keep("aws_vpc", name, id=vpc["VpcId"])
        zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:3]
        self.zones = zones
        for index, (name, body) in enumerate(sorted(self.items("aws_subnet"))):
            subnet = ec2.create_subnet(VpcId=self.resolve(body["vpc_id"]), CidrBlock=body["cidr_block"],
                                       AvailabilityZone=zones[index])["Subnet"]
            self.keep("aws_subnet", name, id=subnet["SubnetId"], availability_zone=zones[index])
        for name, body in self.items("aws_vpc_peering_connection"):
            peering = ec2.create_vpc_peering_connection(VpcId=self.resolve(body["vpc_id"]),
                                                        PeerVpcId=self.resolve(body["peer_vpc_id"]))
            peering_id = peering["VpcPeeringConnection"]["VpcPeeringConnectionId"]
            ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=peering_id)
            self.keep("aws_vpc_peering_connection", name, id=peering_id)
        for name, body in self.items("aws_security_group"):
            group = ec2.create_security_group(GroupName=body["name"], Description=body["description"],
                                              VpcId=self.resolve(body["vpc_id"]))
            self.keep("aws_security_group", name, id=group["GroupId"])

    def database(self) -> None:
        rds = self.c["rds"]
        for name, body in self.items("aws_rds_cluster_parameter_group"):
            rds.create_db_cluster_parameter_group(DBClusterParameterGroupName=body["name"],
                                                  DBParameterGroupFamily=body["family"],
                                                  Description=body["description"])
            rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName=body["name"], Parameters=[
                {"ParameterName": p["name"], "ParameterValue": p["value"], "ApplyMethod": p["apply_method"]}
                for p in body["parameter"]])
            self.keep("aws_rds_cluster_parameter_group", name, name=body["name"])
        for name, body in self.items("aws_db_subnet_group"):
            rds.create_db_subnet_group(DBSubnetGroupName=body["name"], DBSubnetGroupDescription=body["description"],
                                       SubnetIds=self.resolve(body["subnet_ids"]))
            self.keep("aws_db_subnet_group", name, name=body["name"])
        for name, body in self.items("aws_rds_cluster"):
            cluster = rds.create_db_cluster(
                DBClusterIdentifier=body["cluster_identifier"], Engine=body["engine"],
                EngineVersion=body["engine_version"], DatabaseName=body["database_name"],
                MasterUsername=body["master_username"], ManageMasterUserPassword=True,
                StorageEncrypted=body["storage_encrypted"], KmsKeyId=self.resolve(body["kms_key_id"]),
                BackupRetentionPeriod=body["backup_retention_period"], Port=body["port"],
                DeletionProtection=body["deletion_protection"], CopyTagsToSnapshot=body["copy_tags_to_snapshot"],
                DBSubnetGroupName=self.resolve(body["db_subnet_group_name"]),
                DBClusterParameterGroupName=self.resolve(body["db_cluster_parameter_group_name"]),
                EnableIAMDatabaseAuthentication=body["iam_database_authentication_enabled"],
                EnableHttpEndpoint=body["enable_http_endpoint"],
                Tags=[{"Key": k, "Value": v} for k, v in body["tags"].items()])["DBCluster"]
            self.keep("aws_rds_cluster", name, id=cluster["DBClusterIdentifier"], arn=cluster["DBClusterArn"],
                      endpoint=cluster["Endpoint"], reader_endpoint=cluster.get("ReaderEndpoint", ""),
                      cluster_identifier=cluster["DBClusterIdentifier"])
            secret = (cluster.get("MasterUserSecret") or {}).get("SecretArn", "")
            self.keep("aws_rds_cluster", name, **{"master_user_secret[0].secret_arn": secret})
        zone_of = dict(zip(sorted(n for n, _ in self.items("aws_subnet")), self.zones, strict=True))
        ordered = sorted(self.items("aws_rds_cluster_instance"), key=lambda i: i[1]["promotion_tier"])
        for (name, body), subnet in zip(ordered, sorted(zone_of), strict=True):
            rds.create_db_instance(DBInstanceIdentifier=body["identifier"],
                                   DBClusterIdentifier=self.resolve(body["cluster_identifier"]),
                                   Engine=body["engine"], DBInstanceClass=body["instance_class"],
                                   AvailabilityZone=zone_of[subnet], PromotionTier=body["promotion_tier"],
                                   PubliclyAccessible=body["publicly_accessible"])
            self.keep("aws_rds_cluster_instance", name, id=body["identifier"])

    def migration(self) -> None:
        dms = self.c["dms"]
        for name, body in self.items("aws_dms_replication_instance"):
            instance = dms.create_replication_instance(
                ReplicationInstanceIdentifier=body["replication_instance_id"],
                ReplicationInstanceClass=body["replication_instance_class"],
                AllocatedStorage=body["allocated_storage"], MultiAZ=body["multi_az"],
                PubliclyAccessible=body["publicly_accessible"], KmsKeyId=self.resolve(body["kms_key_arn"]),
                EngineVersion=body["engine_version"], AutoMinorVersionUpgrade=body["auto_minor_version_upgrade"])
            self.keep("aws_dms_replication_instance", name,
                      replication_instance_arn=instance["ReplicationInstance"]["ReplicationInstanceArn"])
        for name, body in self.items("aws_dms_endpoint"):
            extra = {}
            if body.get("postgres_settings"):
                settings = body["postgres_settings"]
                settings = settings[0] if isinstance(settings, list) else settings
                extra["PostgreSQLSettings"] = {POSTGRES_SETTINGS[key]: value for key, value in settings.items()}
            endpoint = dms.create_endpoint(EndpointIdentifier=body["endpoint_id"], EndpointType=body["endpoint_type"],
                                           EngineName=body["engine_name"], DatabaseName=body["database_name"],
                                           SslMode=body["ssl_mode"], KmsKeyId=self.resolve(body["kms_key_arn"]),
                                           **extra)
            self.keep("aws_dms_endpoint", name, endpoint_arn=endpoint["Endpoint"]["EndpointArn"])
        for name, body in self.items("aws_dms_replication_task"):
            task = dms.create_replication_task(
                ReplicationTaskIdentifier=body["replication_task_id"], MigrationType=body["migration_type"],
                SourceEndpointArn=self.resolve(body["source_endpoint_arn"]),
                TargetEndpointArn=self.resolve(body["target_endpoint_arn"]),
                ReplicationInstanceArn=self.resolve(body["replication_instance_arn"]),
                TableMappings=body["table_mappings"], ReplicationTaskSettings=body["replication_task_settings"],
                ResourceIdentifier=body["resource_identifier"])["ReplicationTask"]
            arn = task["ReplicationTaskArn"]
            self.keep("aws_dms_replication_task", name, replication_task_arn=arn)
            dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
            if body["migration_type"] == "cdc":  # the reverse task exists but does not run before a cutover
                dms.stop_replication_task(ReplicationTaskArn=arn)

    def assessment(self) -> None:
        s3 = self.c["s3"]
        for name, body in self.items("aws_s3_bucket"):
            bucket = f"{body['bucket_prefix']}emulated"  # Terraform appends a unique 26-character tail
            s3.create_bucket(Bucket=bucket)
            self.keep("aws_s3_bucket", name, id=bucket, bucket=bucket, arn=f"arn:aws:s3:::{bucket}")
        for _, body in self.items("aws_s3_bucket_server_side_encryption_configuration"):
            default = body["rule"][0]["apply_server_side_encryption_by_default"]
            s3.put_bucket_encryption(Bucket=self.resolve(body["bucket"]), ServerSideEncryptionConfiguration={"Rules": [{
                "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": default["sse_algorithm"],
                                                       "KMSMasterKeyID": self.resolve(default["kms_master_key_id"])},
                "BucketKeyEnabled": body["rule"][0]["bucket_key_enabled"]}]})
        for _, body in self.items("aws_s3_bucket_public_access_block"):
            s3.put_public_access_block(Bucket=self.resolve(body["bucket"]), PublicAccessBlockConfiguration={
                "BlockPublicAcls": body["block_public_acls"], "IgnorePublicAcls": body["ignore_public_acls"],
                "BlockPublicPolicy": body["block_public_policy"], "RestrictPublicBuckets": body["restrict_public_buckets"]})
        for _, body in self.items("aws_s3_bucket_versioning"):
            s3.put_bucket_versioning(Bucket=self.resolve(body["bucket"]), VersioningConfiguration={
                "Status": body["versioning_configuration"]["status"]})

    def dns(self) -> None:
        r53 = self.c["route53"]
        for name, body in self.items("aws_route53_zone"):
            vpc = self.resolve(body["vpc"][0]["vpc_id"])
            zone = r53.create_hosted_zone(Name=body["name"], CallerReference=name,
                                          VPC={"VPCRegion": self.region, "VPCId": vpc},
                                          HostedZoneConfig={"Comment": body["comment"], "PrivateZone": True})
            self.keep("aws_route53_zone", name, zone_id=zone["HostedZone"]["Id"].split("/")[-1])
        changes = {}
        for _, body in self.items("aws_route53_record"):
            changes.setdefault(self.resolve(body["zone_id"]), []).append({"Action": "CREATE", "ResourceRecordSet": {
                "Name": body["name"], "Type": body["type"], "TTL": body["ttl"], "SetIdentifier": body["set_identifier"],
                "Weight": body["weighted_routing_policy"]["weight"],
                "ResourceRecords": [{"Value": self.resolve(v)} for v in body["records"]]}})
        for zone_id, batch in changes.items():
            r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": batch})

    def checkpoints(self) -> None:
        for name, body in self.items("aws_ssm_parameter"):
            self.c["ssm"].put_parameter(Name=body["name"], Value=body["value"], Type=body["type"],
                                        KeyId=self.resolve(body["key_id"]), Description=body["description"])
            self.keep("aws_ssm_parameter", name, name=body["name"],
                      arn=f"arn:aws:ssm:{self.region}:{self.account}:parameter{body['name']}")

    def topic(self) -> None:
        for name, body in self.items("aws_sns_topic"):
            arn = self.c["sns"].create_topic(Name=body["name"], Attributes={
                "KmsMasterKeyId": self.resolve(body["kms_master_key_id"])})["TopicArn"]
            self.keep("aws_sns_topic", name, arn=arn)
        for name, body in self.items("aws_sqs_queue"):
            self.keep("aws_sqs_queue", name, arn=f"arn:aws:sqs:{self.region}:{self.account}:{body['name']}")

    def function(self) -> None:
        for name, body in self.items("aws_iam_role"):
            role = self.c["iam"].create_role(RoleName=body["name"], AssumeRolePolicyDocument=self.resolve(
                body["assume_role_policy"]))["Role"]
            self.keep("aws_iam_role", name, arn=role["Arn"], name=body["name"], id=body["name"])
        for name, body in self.items("aws_cloudwatch_log_group"):
            self.keep("aws_cloudwatch_log_group", name, name=body["name"],
                      arn=f"arn:aws:logs:{self.region}:{self.account}:log-group:{body['name']}")
        for name, body in self.items("aws_backup_vault"):
            vault = self.c["backup"].create_backup_vault(BackupVaultName=body["name"],
                                                         EncryptionKeyArn=self.resolve(body["kms_key_arn"]))
            self.keep("aws_backup_vault", name, name=body["name"], arn=vault["BackupVaultArn"])
        from stack.lambda_package import package_source

        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as z:
            source = Path(package_source())
            for path in sorted(source.rglob("*.py")):
                z.write(path, path.relative_to(source))
        for name, body in self.items("aws_lambda_function"):
            function = self.c["lambda"].create_function(
                FunctionName=body["function_name"], Runtime=body["runtime"], Role=self.resolve(body["role"]),
                Handler=body["handler"], Code={"ZipFile": archive.getvalue()}, Timeout=body["timeout"],
                Environment={"Variables": self.resolve(body["environment"]["variables"])})
            self.keep("aws_lambda_function", name, arn=function["FunctionArn"], function_name=body["function_name"])

    def events(self) -> None:
        for name, body in self.items("aws_cloudwatch_event_rule"):
            kwargs = {"Name": body["name"], "Description": body["description"]}
            if "event_pattern" in body:
                kwargs["EventPattern"] = self.resolve(body["event_pattern"])
            else:
                kwargs["ScheduleExpression"] = body["schedule_expression"]
            arn = self.c["events"].put_rule(**kwargs)["RuleArn"]
            self.keep("aws_cloudwatch_event_rule", name, arn=arn, name=body["name"])
        for _, body in self.items("aws_cloudwatch_event_target"):
            self.c["events"].put_targets(Rule=self.resolve(body["rule"]), Targets=[
                {"Id": body["target_id"], "Arn": self.resolve(body["arn"])}])

    def monitoring(self) -> None:
        cw = self.c["cloudwatch"]
        for _, body in self.items("aws_cloudwatch_metric_alarm"):
            cw.put_metric_alarm(
                AlarmName=body["alarm_name"], Namespace=body["namespace"], MetricName=body["metric_name"],
                Dimensions=[{"Name": k, "Value": self.resolve(v)} for k, v in body["dimensions"].items()],
                Statistic=body["statistic"], Period=body["period"], EvaluationPeriods=body["evaluation_periods"],
                DatapointsToAlarm=body["datapoints_to_alarm"], Threshold=body["threshold"],
                ComparisonOperator=body["comparison_operator"], TreatMissingData=body["treat_missing_data"],
                AlarmActions=self.resolve(body["alarm_actions"]), OKActions=self.resolve(body["ok_actions"]))
        for name, body in self.items("aws_cloudwatch_dashboard"):
            cw.put_dashboard(DashboardName=body["dashboard_name"], DashboardBody=self.resolve(body["dashboard_body"]))
            self.keep("aws_cloudwatch_dashboard", name, dashboard_name=body["dashboard_name"])

    def backup(self) -> None:
        for name, body in self.items("aws_backup_plan"):
            rule = body["rule"][0]
            plan = self.c["backup"].create_backup_plan(BackupPlan={"BackupPlanName": body["name"], "Rules": [{
                "RuleName": rule["rule_name"], "TargetBackupVaultName": self.resolve(rule["target_vault_name"]),
                "ScheduleExpression": rule["schedule"], "StartWindowMinutes": rule["start_window"],
                "CompletionWindowMinutes": rule["completion_window"],
                "Lifecycle": {"DeleteAfterDays": rule["lifecycle"]["delete_after"]}}]})
            self.keep("aws_backup_plan", name, id=plan["BackupPlanId"])

    def outputs(self) -> dict[str, str]:
        return {key: str(self.resolve(output["value"])) for key, output in sorted(self.doc.get("output", {}).items())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--outdir", default="cdktf.out")
    parser.add_argument("--outputs", default="cfn-outputs/flat-outputs.json")
    args = parser.parse_args(argv)
    if not os.environ.get("AWS_ENDPOINT_URL"):
        print("error: AWS_ENDPOINT_URL is not set; this helper only provisions into a local emulator",
              file=sys.stderr)
        return 2
    documents = sorted(Path(args.outdir).glob("stacks/*/cdk.tf.json"))
    if len(documents) != 1:
        print(f"error: expected one synthesized stack in {args.outdir}, found {len(documents)}", file=sys.stderr)
        return 2
    document = json.loads(documents[0].read_text())
    region = document["provider"]["aws"][0]["region"]
    deployment = Deployment(document, region)
    deployment.deploy()
    out = Path(args.outputs)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(deployment.outputs(), indent=2, sort_keys=True) + "\n")
    print(f"provisioned {sum(len(v) for v in document['resource'].values())} resources' worth; wrote {out}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
