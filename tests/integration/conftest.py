"""Inputs of the integration suite: cfn-outputs/flat-outputs.json and the usual AWS variables.

AWS_ENDPOINT_URL (and the credential variables) select a real deployment or a local emulator. With
MIGRATION_INTEGRATION_LOCAL_INVOKE=1 (the emulator cannot run Lambda code) the deployed function's
code runs in this process with the deployed function's own environment.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest

from tests.dms_assessments import expect_start, queue_newest_run

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = ("aurora_cluster_id", "dms_forward_task_arn", "dms_reverse_task_arn", "dms_forward_task_resource_id",
            "dms_replication_instance_id", "hosted_zone_id", "record_name", "reader_record_name", "record_ttl",
            "cutover_function_name",
            "dashboard_name", "lag_alarm_names", "state_parameter_name", "event_parameter_name",
            "checkpoint_key_arn", "notification_topic_arn", "backup_vault_name", "peering_connection_id",
            "assessment_bucket")


@pytest.fixture(scope="session")
def outputs() -> dict[str, str]:
    path = Path(os.environ.get("MIGRATION_FLAT_OUTPUTS", ROOT / "cfn-outputs" / "flat-outputs.json"))
    if not path.exists():
        pytest.skip(f"{path} does not exist: deploy, then write it with scripts/flat_outputs.py (README)")
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        pytest.fail(f"{path} is not valid JSON: {error}")
    missing = [key for key in REQUIRED if not data.get(key)]
    if missing:
        pytest.fail(f"{path} lacks required output(s): {', '.join(missing)}")
    return data


@pytest.fixture(scope="session")
def aws(outputs):
    session = boto3.Session(region_name=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
                            or "us-east-1")
    from cutover.gateways import clients

    return lambda service: clients.make(service, session)


class Clock:
    def __init__(self):
        self.now = datetime.now(UTC).replace(second=0, microsecond=0)

    def __call__(self):
        return self.now

    def advance(self, minutes: float):
        self.now += timedelta(minutes=minutes)


class LocalInvoker:
    """The deployed function's code and environment, run here because the emulator cannot run Lambda.
    The two calls the emulator lacks (DMS table statistics, AWS Backup jobs) get Stubber answers, and the
    Data API is answered by a real PostgreSQL standing in for Aurora's data."""

    local = True

    def __init__(self, aws, outputs):
        from botocore.stub import ANY, Stubber

        sys.path.insert(0, str(ROOT / "lambda"))
        config = aws("lambda").get_function_configuration(FunctionName=outputs["cutover_function_name"])
        self.env = config["Environment"]["Variables"]
        from cutover.service import Controller, Gateways
        from cutover.settings import Settings

        settings = Settings.from_env(self.env)
        from cutover.service import CLIENTS

        from tests.data_api import DataApiOverPostgres
        from tests.pg import aurora_after_full_load

        clients = {n: aws(n) for n in CLIENTS}
        self.dsn = aurora_after_full_load(settings.database_name)
        DataApiOverPostgres(self.dsn, resource_arn=settings.cluster_arn, secret_arn=settings.data_api_secret_arn,
                            database=settings.database_name).attach(clients["rds-data"])
        self.statistics = Stubber(aws("dms"))
        self.statistics.activate()
        self.backups = Stubber(clients["backup"])
        for _ in range(2):  # a cutover, a rollback, and a second cutover
            self.backups.add_response("start_backup_job", {"BackupJobId": "emulated-job"}, {
                "BackupVaultName": settings.backup_vault_name, "ResourceArn": settings.cluster_arn,
                "IamRoleArn": settings.backup_role_arn, "IdempotencyToken": ANY})
        self.backups.activate()
        # moto has no premigration assessments: a Stubber answers them, shaped as the DMS API does.
        self.assessments = Stubber(aws("dms"))
        self.assessments.activate()
        self.assessment_result = ("passed", {"postgres-check-pk": "passed", "postgres-check-wal-level": "passed"})
        gateways = Gateways.from_clients(settings, clients)
        gateways.dms.statistics_client = self.statistics.client
        gateways.dms.assessment_client = self.assessments.client
        gateways.route53.poll_seconds = 0
        self.fence, self.slept = None, 0.0
        if settings.fenced:  # the fence function runs here too, over on-prem and Aurora standing in as databases
            from tests.fence_function import FenceOverPostgres, prepare

            onprem = aurora_after_full_load(f"{settings.database_name}_onprem")
            for dsn in (onprem, self.dsn):
                prepare(dsn)
            self.fence = FenceOverPostgres({"onprem": onprem, "aurora": self.dsn},
                                           function_name=settings.fence_function_name,
                                           patterns=settings.migrated_schemas)
            self.fence.attach(clients["lambda"])
        self.clock = Clock()
        self.settings = settings
        saved = dict(os.environ)
        os.environ.update(self.env)
        try:
            self.handler = importlib.reload(importlib.import_module("handler"))
        finally:
            os.environ.clear()
            os.environ.update(saved)
        self.handler._controller = Controller(settings, gateways, clock=self.clock, sleep=self._sleep,
                                              monotonic=lambda: time.monotonic() + self.slept)

    def _sleep(self, seconds: float) -> None:
        """The catch-up's wait: the stand-in replicator carries the marker instead of time passing."""
        self.slept += seconds
        if self.fence is not None:
            self.fence.replicate()

    def assessed(self, status: str, individual: dict[str, str]) -> None:
        self.assessment_result = (status, individual)

    def expect_assessment_start(self) -> None:
        expect_start(self.assessments, self.settings)

    def _assessment_responses(self) -> None:
        queue_newest_run(self.assessments, self.settings, *self.assessment_result)

    def validation(self, pending: int = 0) -> None:
        self._assessment_responses()
        self.statistics.add_response("describe_table_statistics", {"TableStatistics": [
            {"SchemaName": "public", "TableName": "payments", "ValidationState": "Validated",
             "ValidationFailedRecords": 0, "ValidationPendingRecords": pending, "ValidationSuspendedRecords": 0}]})

    def __call__(self, payload: dict) -> dict:
        return self.handler.handle(payload)


class RemoteInvoker:
    local = False

    def __init__(self, aws, outputs):
        self.client, self.name = aws("lambda"), outputs["cutover_function_name"]

    settings = None

    def validation(self, pending: int = 0) -> None:
        """Real DMS measures validation itself."""

    def __call__(self, payload: dict) -> dict:
        response = self.client.invoke(FunctionName=self.name, Payload=json.dumps(payload).encode())
        return json.loads(response["Payload"].read())


@pytest.fixture(scope="session")
def invoke(aws, outputs):
    if os.environ.get("MIGRATION_INTEGRATION_LOCAL_INVOKE") == "1":
        return LocalInvoker(aws, outputs)
    return RemoteInvoker(aws, outputs)
