"""An emulated AWS world for the controller: moto for what it implements, botocore Stubber for the rest
(DMS table statistics and AWS Backup jobs, which moto lacks)."""

from __future__ import annotations

import itertools
import json
import time
from datetime import timedelta

from botocore.stub import ANY, Stubber
from cutover.service import Controller, Gateways
from cutover.settings import Settings
from moto.dms.models import dms_backends

from foundation.controller_contract import initial_event_record, initial_state
from tests.controller import fakes
from tests.controller.fakes import ACCOUNT, REGION, Clock, environment
from tests.data_api import DataApiOverPostgres
from tests.dms_assessments import expect_start, queue_newest_run
from tests.fence_function import FenceOverPostgres, prepare
from tests.pg import aurora_after_full_load

# Individual PostgreSQL assessments a run reports (names as DMS gives them; the controller does not pick them).
PASSING_ASSESSMENTS = ("postgres-check-pk", "postgres-check-wal-level", "postgres-check-max-slot-wal-keep-size",
                       "postgres-check-longrunningtxn", "postgres-check-lob")
_databases = itertools.count()


class World:
    """Resources shaped as the stack deploys them, and handles to inspect and disturb them."""


    def __init__(self, **env_overrides: object):
        self.clock = Clock()
        self._moved, self._base = None, None
        database = f"aurora_{next(_databases)}"
        self.dsn = aurora_after_full_load(database)  # Aurora's data, in the session's real PostgreSQL
        env_overrides = {"database_name": database, **env_overrides}
        self.clients = {name: fakes.client(name) for name in ("route53", "ssm", "dms", "cloudwatch", "rds", "sns",
                                                                 "sqs", "kms", "backup", "lambda")}
        c = self.clients
        key = c["kms"].create_key()["KeyMetadata"]["Arn"]
        zone = c["route53"].create_hosted_zone(Name="payments-db.internal", CallerReference="ref")["HostedZone"]
        self.zone_id = zone["Id"].split("/")[-1]
        self.record_name = "db.payments-db.internal"
        self.reader_record_name = "db-ro.payments-db.internal"
        c["route53"].change_resource_record_sets(HostedZoneId=self.zone_id, ChangeBatch={"Changes": [
            {"Action": "CREATE", "ResourceRecordSet": {
                "Name": name, "Type": "CNAME", "TTL": 60, "SetIdentifier": set_id, "Weight": weight,
                "ResourceRecords": [{"Value": target}]}}
            for name, endpoint in ((self.record_name, "cluster"), (self.reader_record_name, "cluster-ro"))
            for set_id, weight, target in (("onprem", 100, "pgprimary.corp.example.com"),
                                           ("aurora", 0, f"aurora-test01.{endpoint}-x.us-east-1.rds.amazonaws.com"))]})
        env = environment(hosted_zone_id=self.zone_id, **{"checkpoint_key_arn": key, **env_overrides})
        self.checkpoint_key = env["CHECKPOINT_KEY_ARN"]  # moto keeps the name; it does not look the key up
        for name, value in ((env["STATE_PARAMETER"], initial_state()), (env["EVENT_PARAMETER"], initial_event_record())):
            c["ssm"].put_parameter(Name=name, Value=value, Type="SecureString", KeyId=self.checkpoint_key)
        topic = c["sns"].create_topic(Name=env["TOPIC_ARN"].rsplit(":", 1)[1])["TopicArn"]
        queue = c["sqs"].create_queue(QueueName="notices")["QueueUrl"]
        queue_arn = c["sqs"].get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        c["sns"].subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        self.queue = queue
        tasks = {}
        for key_name, task_id, kind in (("FORWARD_TASK_ARN", "forward-cdc-test01", "full-load-and-cdc"),
                                        ("REVERSE_TASK_ARN", "reverse-cdc-test01", "cdc")):
            tasks[key_name] = c["dms"].create_replication_task(
                ReplicationTaskIdentifier=task_id, SourceEndpointArn="arn:aws:dms:::endpoint:s",
                TargetEndpointArn="arn:aws:dms:::endpoint:t", ReplicationInstanceArn="arn:aws:dms:::rep:i",
                MigrationType=kind, TableMappings="{}")["ReplicationTask"]["ReplicationTaskArn"]
        self.forward_arn, self.reverse_arn = tasks["FORWARD_TASK_ARN"], tasks["REVERSE_TASK_ARN"]
        self.task("forward").run()
        self.task("reverse").ready()
        c["rds"].create_db_cluster_parameter_group(
            DBClusterParameterGroupName=env["CLUSTER_PARAMETER_GROUP"], DBParameterGroupFamily="aurora-postgresql16",
            Description="as deployed")
        c["rds"].modify_db_cluster_parameter_group(DBClusterParameterGroupName=env["CLUSTER_PARAMETER_GROUP"], Parameters=[
            {"ParameterName": "rds.logical_replication", "ParameterValue": "1", "ApplyMethod": "pending-reboot"}])
        c["rds"].create_db_cluster(DBClusterIdentifier=env["CLUSTER_ID"], Engine="aurora-postgresql",
                                   MasterUsername="migration_admin", ManageMasterUserPassword=True,
                                   DBClusterParameterGroupName=env["CLUSTER_PARAMETER_GROUP"])
        c["rds"].create_db_instance(DBInstanceIdentifier=f"{env['CLUSTER_ID']}-writer",
                                    DBClusterIdentifier=env["CLUSTER_ID"], Engine="aurora-postgresql",
                                    DBInstanceClass="db.r6g.large")
        env.update(FORWARD_TASK_ARN=self.forward_arn, REVERSE_TASK_ARN=self.reverse_arn, TOPIC_ARN=topic)
        self.env = env
        self.settings = Settings.from_env(env)
        self.clients["rds-data"] = fakes.client("rds-data")
        self.data_api = DataApiOverPostgres(self.dsn, resource_arn=self.settings.cluster_arn,
                                            secret_arn=self.settings.data_api_secret_arn,
                                            database=self.settings.database_name)
        self.data_api.attach(self.clients["rds-data"])
        self.fence: FenceOverPostgres | None = None
        self.slept = 0.0
        if self.settings.fenced:  # on-prem: a second database with the same data; both as the README prepares them
            self.onprem_dsn = aurora_after_full_load(f"{database}_onprem")
            for dsn in (self.onprem_dsn, self.dsn):
                prepare(dsn)
            self.fence = FenceOverPostgres({"onprem": self.onprem_dsn, "aurora": self.dsn},
                                           function_name=self.settings.fence_function_name,
                                           patterns=self.settings.migrated_schemas)
            self.fence.attach(self.clients["lambda"])
        self.statistics = Stubber(fakes.client("dms"))
        self.backups = Stubber(c["backup"])
        self.assessments = Stubber(fakes.client("dms"))  # moto has no premigration assessments
        self.statistics.activate()
        self.backups.activate()
        self.assessments.activate()
        self.assessment_result: tuple[str, dict[str, str]] = ("passed", dict.fromkeys(PASSING_ASSESSMENTS, "passed"))
        self.calls: list[tuple[str, str, dict]] = []
        self.recording = False  # only the controller's own calls count
        for client in [*c.values(), self.statistics.client, self.assessments.client]:
            client.meta.events.register("provide-client-params", self._record)
        # Real Route 53 answers PENDING and propagates within a minute; moto is INSYNC at once.
        c["route53"].meta.events.register("after-call.route53.ChangeResourceRecordSets", self._pending)
        self.latency(5)

    @staticmethod
    def _pending(parsed, **_):
        if "ChangeInfo" in parsed:
            parsed["ChangeInfo"]["Status"] = "PENDING"

    def _record(self, params, model, **_):
        if self.recording:
            self.calls.append((model.service_model.service_name, model.name, dict(params)))

    def recorded(self, handle):
        def wrapper(event):
            self.recording, self._base = True, None
            try:
                return handle(event)
            finally:
                self.recording = False
        return wrapper

    def age_checkpoint(self, versions: int, label: str = "deployed") -> None:
        """A long migration: the state parameter `versions` writes older, its first version labelled."""
        ssm, name = self.clients["ssm"], self.settings.state_parameter
        value = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
        ssm.label_parameter_version(Name=name, ParameterVersion=1, Labels=[label])
        for _ in range(versions):
            ssm.put_parameter(Name=name, Value=value, Type="SecureString", KeyId=self.checkpoint_key, Overwrite=True)

    def task(self, which: str):
        arn = self.forward_arn if which == "forward" else self.reverse_arn
        return dms_backends[ACCOUNT][REGION].replication_tasks[arn]

    def controller(self) -> Controller:
        gateways = Gateways.from_clients(self.settings, self.clients)
        gateways.dms.statistics_client = self.statistics.client
        gateways.dms.assessment_client = self.assessments.client
        gateways.route53.poll_seconds = 0
        return Controller(self.settings, gateways, clock=self._controller_clock, sleep=self._sleep,
                          monotonic=self._monotonic)

    def _controller_clock(self):
        """The world's time, plus the real time and the waits spent since the invocation began or the world's
        clock last moved: each invocation decides at exactly the world's time, and a write pause measured against
        the real databases is real."""
        now = self._monotonic()
        if self._base is None or self._moved != self.clock.now:
            self._moved, self._base = self.clock.now, now
        return self.clock.now + timedelta(seconds=now - self._base)

    def _sleep(self, seconds: float) -> None:
        """The catch-up's wait: no real sleep; the stand-in replicator runs once per wait, and the stopwatch
        counts the wait as spent."""
        self.slept += seconds
        if self.fence is not None:
            self.fence.replicate()

    def _monotonic(self) -> float:
        return time.monotonic() + self.slept

    def latency(self, seconds: float, minutes: int = 10) -> None:
        """One datapoint a minute for both CDC latency metrics, ending at the current minute."""
        end = self.clock().replace(second=0, microsecond=0)
        dims = [{"Name": "ReplicationInstanceIdentifier", "Value": self.settings.dms_instance_id},
                {"Name": "ReplicationTaskIdentifier", "Value": self.settings.forward_task_resource_id}]
        data = [{"MetricName": metric, "Dimensions": dims, "Value": seconds, "Unit": "Seconds",
                 "Timestamp": end - timedelta(minutes=m) + timedelta(seconds=30)}
                for metric in ("CDCLatencySource", "CDCLatencyTarget") for m in range(1, minutes + 1)]
        for start in range(0, len(data), 20):  # small requests: moto parses a large one in quadratic time
            self.clients["cloudwatch"].put_metric_data(Namespace="AWS/DMS", MetricData=data[start:start + 20])

    def assessed(self, status: str = "passed", individual: dict[str, str] | None = None) -> None:
        """From now on, the newest completed run of the forward task is this one (responses as the DMS API
        shapes them)."""
        self.assessments._queue.clear()
        self.assessment_result = (status, dict.fromkeys(PASSING_ASSESSMENTS, "passed") if individual is None
                                  else individual)

    def _assessment_responses(self) -> None:
        queue_newest_run(self.assessments, self.settings, *self.assessment_result)

    def expect_assessment_start(self) -> None:
        expect_start(self.assessments, self.settings)

    def validation_clean(self, times: int = 1, pending: int = 0) -> None:
        self._assessment_responses()
        for _ in range(times):
            self.statistics.add_response("describe_table_statistics", {"TableStatistics": [
                {"SchemaName": "public", "TableName": t, "ValidationState": "Validated", "ValidationFailedRecords": 0,
                 "ValidationPendingRecords": pending, "ValidationSuspendedRecords": 0} for t in ("payments", "ledger")]},
                {"ReplicationTaskArn": self.forward_arn, "MaxRecords": 500})

    def expect_backup(self) -> None:
        self.backups.add_response("start_backup_job", {"BackupJobId": "job-0001"}, {
            "BackupVaultName": self.settings.backup_vault_name, "ResourceArn": self.settings.cluster_arn,
            "IamRoleArn": self.settings.backup_role_arn, "IdempotencyToken": ANY})

    def weights(self) -> tuple[int, int]:
        """The writer name's weights (on-prem, Aurora)."""
        w = self.controller().gw.route53.weights().writer
        return w.onprem, w.aurora

    def reader_weights(self) -> tuple[int, int]:
        w = self.controller().gw.route53.weights().readers
        return w.onprem, w.aurora

    def sql(self, statement: str):
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True) as connection:
            cursor = connection.execute(statement)
            return cursor.fetchall() if cursor.description else None

    def state(self) -> dict:
        return json.loads(self.clients["ssm"].get_parameter(Name=self.settings.state_parameter,
                                                            WithDecryption=True)["Parameter"]["Value"])

    def history(self) -> list[dict]:
        pages = self.clients["ssm"].get_parameter_history(Name=self.settings.state_parameter, WithDecryption=True)
        return pages["Parameters"]

    def notices(self, bodies: bool = False) -> list[str]:
        """The subjects of the notices sent since the last call (with `bodies`: subject and message)."""
        out = []
        while True:
            messages = self.clients["sqs"].receive_message(QueueUrl=self.queue, MaxNumberOfMessages=10).get("Messages", [])
            if not messages:
                return out
            for m in messages:
                body = json.loads(m["Body"])
                out.append(f"{body['Subject']}: {body['Message']}" if bodies else body["Subject"])
                self.clients["sqs"].delete_message(QueueUrl=self.queue, ReceiptHandle=m["ReceiptHandle"])
