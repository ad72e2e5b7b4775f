"""Test doubles that are not the thing under test: a settable clock and the function's environment."""

from __future__ import annotations

import json
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


class _Body:
    def __init__(self, body: bytes):
        self.body = body

    def stream(self, **_: object):
        yield self.body


def failing_http(client, operation: str, code: str, *, when=lambda: True, sent: list | None = None) -> None:
    """Answer `operation` with an HTTP 400 AWS error `code` while `when()` holds, on the wire (before-send), so
    the client's own retry handler sees it exactly as it would see AWS's answer, in the service's protocol.

    moto answers on the same event and every handler of an event runs, so moto's handler is taken off this
    client and called from here only for the requests that are not failed: a failed request changes nothing.
    """
    from botocore.awsrequest import AWSResponse
    from moto.core.models import botocore_stubber

    protocol = client.meta.service_model.protocol

    def error() -> AWSResponse:
        if protocol in ("json", "rest-json"):
            body, headers = json.dumps({"__type": code, "message": "busy"}).encode(), {"x-amzn-ErrorType": code}
        else:
            body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>busy</Message></Error>"
                    "<RequestId>r</RequestId></ErrorResponse>").encode()
            headers = {"Content-Type": "text/xml"}
        return AWSResponse("https://aws.invalid/", 400, headers, _Body(body))

    def answer(request, event_name: str, **kwargs):
        if event_name.endswith(f".{operation}"):
            if sent is not None:
                sent.append(request.url)
            if when():
                return error()
        return botocore_stubber(event_name, request, **kwargs)

    client.meta.events.unregister("before-send", botocore_stubber)
    client.meta.events.register("before-send", answer)


@dataclass
class Clock:
    now: datetime = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)


def environment(**overrides: object) -> dict[str, str]:
    """The function's environment for one test world, built through the contract the stack builds it with
    (`Settings.environment`): an override names a settings field, and a field the function does not read
    fails here as it would in the stack."""
    from cutover.settings import Settings

    values: dict[str, object] = {
        "state_parameter": "/migration/test01/state", "event_parameter": "/migration/test01/last-event",
        "checkpoint_key_arn": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/00000000-0000-4000-8000-000000000001",
        "hosted_zone_id": "Z000TEST", "record_name": "db.payments-db.internal",
        "reader_record_name": "db-ro.payments-db.internal", "onprem_set_id": "onprem",
        "aurora_set_id": "aurora", "forward_task_arn": FORWARD, "reverse_task_arn": REVERSE,
        "forward_task_resource_id": "fwd-test01", "dms_instance_id": "dms-test01", "cluster_id": "aurora-test01",
        "cluster_arn": f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:aurora-test01", "db_subnet_group": "aurora-test01",
        "db_security_group_id": "sg-0123456789abcdef0", "cluster_parameter_group": "aurora-pg-test01",
        "restore_cluster_prefix": "aurora-test01-pitr-", "database_key_arn": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/x",
        "topic_arn": f"arn:aws:sns:{REGION}:{ACCOUNT}:migration-notices-test01",
        "lag_alarm_names": "dms-cdc-latency-source-test01,dms-cdc-latency-target-test01",
        "lag_threshold_seconds": "60", "healthy_minutes": "5", "canary_steps": "10,50,100", "bake_minutes": "15",
        "rollback_on_alarm": "true", "backup_vault_name": "migration-vault-test01",
        "backup_role_arn": f"arn:aws:iam::{ACCOUNT}:role/backup-test01",
        "data_api_secret_arn": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:rds!cluster-test01-AbCdEf",
        "database_name": "payments", "migrated_schemas": "public", "write_canary": "false", "auto_flip": "false",
        "flip_max_lag_seconds": "5", "sequence_gap": "1000000",
        "assessment_bucket": "dms-assessment-test01-20261120", "assessment_folder": "premigration",
        "assessment_role_arn": f"arn:aws:iam::{ACCOUNT}:role/dms-assessment-test01",
        "assessment_key_arn": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/database", "assessment_exclusions": "-",
        "flip_mode": "drain", "flip_catchup_seconds": "10", "long_transaction_seconds": "30",
        "fence_function_name": "migration-fence-test01",
        "control_table": "public.cutover_marker",
    }
    return Settings.environment(**{**values, **overrides})
