"""What the controller's calls require of its role, and an evaluator of Allow statements.

Each recorded API call maps to the IAM action and resource ARN AWS authorizes it on (Service
Authorization Reference), plus the calls AWS services make with the role on the function's behalf:
KMS for SecureString parameters, the encrypted topic and the dead-letter queue, iam:PassRole for
the backup job, and the Lambda runtime's log and trace writes.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field

from tests.controller.fakes import ACCOUNT, REGION


@dataclass(frozen=True)
class Need:
    action: str
    resource: str
    context: tuple[tuple[str, str], ...] = field(default=())


def arn(service: str, resource: str) -> str:
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}"


def needs_of(call: tuple[str, str, dict], keys: dict[str, str], names: dict[str, str]) -> list[Need]:
    service, operation, p = call
    via = lambda svc: (("kms:ViaService", f"{svc}.{REGION}.amazonaws.com"),)  # noqa: E731
    if service == "route53":
        if operation == "GetChange":
            return [Need("route53:GetChange", f"arn:aws:route53:::change/{p['Id'].split('/')[-1]}")]
        return [Need(f"route53:{operation}", f"arn:aws:route53:::hostedzone/{p['HostedZoneId']}")]
    if service == "ssm":
        parameter = arn("ssm", f"parameter{p['Name']}")
        out = [Need(f"ssm:{operation}", parameter)]
        if operation == "GetParameter" and p.get("WithDecryption"):
            out.append(Need("kms:Decrypt", keys["app"], via("ssm")))
        if operation == "PutParameter" and p.get("Type") == "SecureString":
            # Without KeyId, Parameter Store re-encrypts with the AWS-managed key, which no statement names.
            out.append(Need("kms:Encrypt", p.get("KeyId") or arn("kms", "alias/aws/ssm"), via("ssm")))
        return out
    if service == "dms":
        if operation in ("DescribeReplicationTasks", "DescribeReplicationTaskAssessmentRuns",
                         "DescribeReplicationTaskIndividualAssessments"):
            return [Need(f"dms:{operation}", "*")]
        if operation == "StartReplicationTaskAssessmentRun":
            return [Need("dms:StartReplicationTaskAssessmentRun", p["ReplicationTaskArn"]),
                    Need("iam:PassRole", p["ServiceAccessRoleArn"], (("iam:PassedToService", "dms.amazonaws.com"),))]
        return [Need(f"dms:{operation}", p["ReplicationTaskArn"])]
    if service == "cloudwatch":
        return [Need(f"cloudwatch:{operation}", "*")]
    if service == "rds":
        if operation == "DescribeDBClusters":
            return [Need("rds:DescribeDBClusters", arn("rds", f"cluster:{p['DBClusterIdentifier']}"))]
        if operation == "DescribeDBClusterParameters":
            return [Need("rds:DescribeDBClusterParameters",
                         arn("rds", f"cluster-pg:{p['DBClusterParameterGroupName']}"))]
        if operation == "RestoreDBClusterToPointInTime":
            target = arn("rds", f"cluster:{p['DBClusterIdentifier']}")
            return [Need("rds:RestoreDBClusterToPointInTime", arn("rds", f"cluster:{p['SourceDBClusterIdentifier']}")),
                    Need("rds:RestoreDBClusterToPointInTime", target),
                    Need("rds:RestoreDBClusterToPointInTime", arn("rds", f"subgrp:{p['DBSubnetGroupName']}")),
                    Need("rds:RestoreDBClusterToPointInTime",
                         arn("rds", f"cluster-pg:{p['DBClusterParameterGroupName']}")),
                    Need("rds:AddTagsToResource", target),
                    Need("kms:CreateGrant", keys["database"]), Need("kms:DescribeKey", keys["database"])]
    if service == "rds-data" and operation == "ExecuteStatement":
        # The Data API reads the secret with the caller's own permissions, decrypting through Secrets Manager.
        return [Need("rds-data:ExecuteStatement", p["resourceArn"]),
                Need("secretsmanager:GetSecretValue", p["secretArn"]),
                Need("kms:Decrypt", keys["data_api_secret"], via("secretsmanager"))]
    if service == "sns" and operation == "Publish":
        return [Need("sns:Publish", p["TopicArn"]), Need("kms:GenerateDataKey", keys["app"], via("sns")),
                Need("kms:Decrypt", keys["app"], via("sns"))]
    if service == "backup" and operation == "StartBackupJob":
        return [Need("backup:StartBackupJob", arn("backup", f"backup-vault:{p['BackupVaultName']}")),
                Need("iam:PassRole", p["IamRoleArn"], (("iam:PassedToService", "backup.amazonaws.com"),))]
    if service == "lambda" and operation == "Invoke":  # the fence function, by name in the call
        name = p["FunctionName"]
        return [Need("lambda:InvokeFunction", name if name.startswith("arn:") else arn("lambda", f"function:{name}"))]
    raise AssertionError(f"no IAM mapping for {service}:{operation}; add it here")


def runtime_needs(names: dict[str, str], keys: dict[str, str]) -> list[Need]:
    """What the Lambda service does with the role for every function: logs, traces, dead letters."""
    group = arn("logs", f"log-group:{names['log_group']}")
    return [Need("logs:CreateLogStream", f"{group}:log-stream:2026/11/20/[$LATEST]abc"),
            Need("logs:PutLogEvents", f"{group}:log-stream:2026/11/20/[$LATEST]abc"),
            Need("xray:PutTraceSegments", "*"), Need("xray:PutTelemetryRecords", "*"),
            Need("sqs:SendMessage", arn("sqs", names["dlq"])),
            Need("kms:GenerateDataKey", keys["app"], (("kms:ViaService", f"sqs.{REGION}.amazonaws.com"),))]


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _conditions_hold(condition: dict, context: dict[str, str]) -> bool:
    for operator, pairs in condition.items():
        if operator != "StringEquals":
            return False  # unknown operators are not evaluated: treat as not satisfied
        for key, expected in pairs.items():
            if context.get(key) not in _as_list(expected):
                return False
    return True


def allowed(statements: list[dict], need: Need) -> bool:
    context = dict(need.context)
    for s in statements:
        if s.get("Effect") != "Allow":
            continue
        if not any(fnmatch.fnmatchcase(need.action.lower(), a.lower()) for a in _as_list(s["Action"])):
            continue
        if not any(fnmatch.fnmatchcase(need.resource, r) for r in _as_list(s["Resource"])):
            continue
        if _conditions_hold(s.get("Condition", {}), context):
            return True
    return False
