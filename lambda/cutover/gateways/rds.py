"""RDS: the writer's health, and the point-in-time restore that replaces backtrack.

A copy-on-write clone can only be taken at the latest restorable time (RDS rejects RestoreToTime with
copy-on-write), so going back to a recorded checkpoint is a full-copy point-in-time restore.
"""

from __future__ import annotations

from datetime import datetime

from botocore.exceptions import ClientError


class RdsGateway:
    def __init__(self, client, *, cluster_id: str, subnet_group: str, security_group_id: str,
                 parameter_group: str, kms_key_arn: str):
        self.client, self.cluster_id = client, cluster_id
        self.subnet_group, self.security_group_id = subnet_group, security_group_id
        self.parameter_group, self.kms_key_arn = parameter_group, kms_key_arn

    def writer(self) -> tuple[bool, str]:
        clusters = self.client.describe_db_clusters(
            DBClusterIdentifier=self.cluster_id)["DBClusters"]
        cluster = clusters[0]
        writers = [m["DBInstanceIdentifier"] for m in cluster.get("DBClusterMembers", []) if m.get("IsClusterWriter")]
        ok = cluster.get("Status") == "available" and bool(writers)
        return ok, f"cluster={cluster.get('Status')} writer={writers[0] if writers else 'none'}"

    def logical_replication(self) -> tuple[str, str]:
        """rds.logical_replication in the cluster parameter group, and the writer's parameter status (a static
        parameter takes effect only after a reboot; until then the writer shows pending-reboot)."""
        value = "unset"
        pages = self.client.get_paginator("describe_db_cluster_parameters").paginate(
            DBClusterParameterGroupName=self.parameter_group, Source="user")
        for parameter in pages.search("Parameters[?ParameterName == 'rds.logical_replication']"):
            value = str(parameter.get("ParameterValue"))
        cluster = self.client.describe_db_clusters(
            DBClusterIdentifier=self.cluster_id)["DBClusters"][0]
        writer = next((m for m in cluster.get("DBClusterMembers", []) if m.get("IsClusterWriter")), {})
        return value, str(writer.get("DBClusterParameterGroupStatus", "no writer"))

    def restore(self, cluster_id: str, to_time: datetime, tags: list[dict]) -> str:
        """Start the restore; a retry after a lost answer finds the cluster already there and reports it."""
        existing = self.cluster_status(cluster_id)
        if existing != "not found":
            return existing
        try:
            response = self.client.restore_db_cluster_to_point_in_time(
                DBClusterIdentifier=cluster_id, SourceDBClusterIdentifier=self.cluster_id, RestoreType="full-copy",
                RestoreToTime=to_time, DBSubnetGroupName=self.subnet_group,
                VpcSecurityGroupIds=[self.security_group_id], DBClusterParameterGroupName=self.parameter_group,
                KmsKeyId=self.kms_key_arn, EnableIAMDatabaseAuthentication=True, CopyTagsToSnapshot=True,
                DeletionProtection=False, Tags=tags)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "DBClusterAlreadyExistsFault":
                raise
            return self.cluster_status(cluster_id)
        return response["DBCluster"]["Status"]

    def cluster_status(self, cluster_id: str) -> str:
        try:
            return self.client.describe_db_clusters(DBClusterIdentifier=cluster_id)["DBClusters"][0]["Status"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "DBClusterNotFoundFault":
                return "not found"
            raise
