"""Test doubles that are not the thing under test: a settable clock and the function's environment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

ACCOUNT = "123456789012"
REGION = "us-east-1"
FORWARD = f"arn:aws:dms:{REGION}:{ACCOUNT}:task:fwd-test01"
REVERSE = f"arn:aws:dms:{REGION}:{ACCOUNT}:task:rev-test01"


@cache
def session():
    """One boto3 session for every emulated world: its loader reads each service model once, not per world."""
    import boto3

    return boto3.Session(region_name=REGION)


def client(name: str, key: str = "testing", secret: str = "testing"):
    """A client made as the function makes its own (retry budget, zone-aware timestamps)."""
    from cutover.gateways import clients

    return clients.make(name, session(), aws_access_key_id=key, aws_secret_access_key=secret)


@dataclass
class Clock:
    now: datetime = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)


def environment(**overrides: str) -> dict[str, str]:
    env = {
        "STATE_PARAMETER": "/migration/test01/state", "EVENT_PARAMETER": "/migration/test01/last-event",
        "CHECKPOINT_KEY_ARN": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/00000000-0000-4000-8000-000000000001",
        "HOSTED_ZONE_ID": "Z000TEST", "RECORD_NAME": "db.payments-db.internal",
        "READER_RECORD_NAME": "db-ro.payments-db.internal", "ONPREM_SET_ID": "onprem",
        "AURORA_SET_ID": "aurora", "FORWARD_TASK_ARN": FORWARD, "REVERSE_TASK_ARN": REVERSE,
        "FORWARD_TASK_RESOURCE_ID": "fwd-test01", "DMS_INSTANCE_ID": "dms-test01", "CLUSTER_ID": "aurora-test01",
        "CLUSTER_ARN": f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:aurora-test01", "DB_SUBNET_GROUP": "aurora-test01",
        "DB_SECURITY_GROUP_ID": "sg-0123456789abcdef0", "CLUSTER_PARAMETER_GROUP": "aurora-pg-test01",
        "RESTORE_CLUSTER_PREFIX": "aurora-test01-pitr-", "DATABASE_KEY_ARN": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/x",
        "TOPIC_ARN": f"arn:aws:sns:{REGION}:{ACCOUNT}:migration-notices-test01",
        "LAG_ALARM_NAMES": "dms-cdc-latency-source-test01,dms-cdc-latency-target-test01",
        "LAG_THRESHOLD_SECONDS": "60", "HEALTHY_MINUTES": "5", "CANARY_STEPS": "10,50,100", "BAKE_MINUTES": "15",
        "ROLLBACK_ON_ALARM": "true", "BACKUP_VAULT_NAME": "migration-vault-test01",
        "BACKUP_ROLE_ARN": f"arn:aws:iam::{ACCOUNT}:role/backup-test01",
        "DATA_API_SECRET_ARN": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:rds!cluster-test01-AbCdEf",
        "DATABASE_NAME": "payments", "MIGRATED_SCHEMAS": "public", "WRITE_CANARY": "false", "AUTO_FLIP": "false",
        "FLIP_MAX_LAG_SECONDS": "5", "SEQUENCE_GAP": "1000000",
        "ASSESSMENT_BUCKET": "dms-assessment-test01-20261120", "ASSESSMENT_FOLDER": "premigration",
        "ASSESSMENT_ROLE_ARN": f"arn:aws:iam::{ACCOUNT}:role/dms-assessment-test01",
        "ASSESSMENT_KEY_ARN": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/database", "ASSESSMENT_EXCLUSIONS": "-",
    }
    env.update(overrides)
    return env
