"""Least privilege, proven: the role's policy from the synthesized JSON covers every call of a full
cutover, rollback and restore, and each of its statements is needed by at least one of them."""

from __future__ import annotations

import importlib
import json
import re

import pytest
from moto import mock_aws

from aspects.engine import TOKEN
from tests.controller import iam_eval
from tests.controller.fakes import ACCOUNT, REGION
from tests.controller.walk import run_full_cutover
from tests.controller.world import World

ENV_FILLED_BY_WORLD = {"HOSTED_ZONE_ID", "FORWARD_TASK_ARN", "REVERSE_TASK_ARN", "TOPIC_ARN"}


class Resolver:
    """Replaces the synthesized document's tokens with the emulated deployment's values."""

    def __init__(self, document: dict):
        self.document, self.world = document, None

    def body(self, kind: str, name: str) -> dict:
        return self.document["resource"][kind][name]

    def value(self, match: re.Match) -> str:
        data, kind, name, attribute = match.groups()
        if data:
            return {"partition": "aws", "account_id": ACCOUNT}[attribute]
        body = self.body(kind, name)
        path = body["//"]["metadata"]["path"]
        a = iam_eval.arn
        table = {
            ("aws_route53_zone", "zone_id"): lambda: self.world.zone_id if self.world else "ZONE",
            ("aws_ssm_parameter", "arn"): lambda: a("ssm", f"parameter{body['name']}"),
            ("aws_ssm_parameter", "name"): lambda: body["name"],
            ("aws_dms_replication_task", "replication_task_arn"): lambda: (
                self.world.forward_arn if body["migration_type"] == "full-load-and-cdc" else self.world.reverse_arn)
            if self.world else f"task-{body['migration_type']}",
            ("aws_rds_cluster", "arn"): lambda: a("rds", f"cluster:{body['cluster_identifier']}"),
            ("aws_rds_cluster", "master_user_secret[0].secret_arn"): lambda: a(
                "secretsmanager", f"secret:rds!cluster-{body['cluster_identifier']}-AbCdEf"),
            ("aws_kms_key", "arn"): lambda: a("kms", f"key/{path.rsplit('/', 1)[1]}"),
            ("aws_backup_vault", "arn"): lambda: a("backup", f"backup-vault:{body['name']}"),
            ("aws_backup_vault", "name"): lambda: body["name"],
            ("aws_iam_role", "arn"): lambda: f"arn:aws:iam::{ACCOUNT}:role/{body['name']}",
            ("aws_sns_topic", "arn"): lambda: a("sns", body["name"]),
            ("aws_sqs_queue", "arn"): lambda: a("sqs", body["name"]),
            ("aws_cloudwatch_log_group", "arn"): lambda: a("logs", f"log-group:{body['name']}"),
            ("aws_cloudwatch_log_group", "name"): lambda: body["name"],
            ("aws_security_group", "id"): lambda: "sg-0123456789abcdef0",
            ("aws_rds_cluster_parameter_group", "name"): lambda: body["name"],
            ("aws_db_subnet_group", "name"): lambda: body["name"],
            ("aws_s3_bucket", "id"): lambda: f"{body['bucket_prefix']}20261120",
            ("aws_s3_bucket", "arn"): lambda: f"arn:aws:s3:::{body['bucket_prefix']}20261120",
            ("aws_lambda_function", "arn"): lambda: a("lambda", f"function:{body['function_name']}"),
        }
        return table[(kind, attribute)]()

    def __call__(self, text: str) -> str:
        return TOKEN.sub(self.value, text)


@pytest.fixture(scope="module")
def run(synthesized):
    """A full cutover, a rollback and a restore, with the synthesized function's own environment."""
    document = synthesized.document
    resolve = Resolver(document)
    function = synthesized.function("cutover")
    env = {k: resolve(v) for k, v in function["environment"]["variables"].items() if k not in ENV_FILLED_BY_WORLD}
    env["TOPIC_ARN"] = resolve(function["environment"]["variables"]["TOPIC_ARN"])
    mp = pytest.MonkeyPatch()
    with mock_aws():
        world = World(**{variable.lower(): value for variable, value in env.items()})  # fields, not variables
        resolve.world = world
        for key, value in world.env.items():
            mp.setenv(key, value)
        handler = importlib.reload(importlib.import_module("handler"))
        handler._controller = world.controller()
        world.handle = world.recorded(handler.handle)
        world.expect_backup()
        world.age_checkpoint(97)  # the run's writes push the labelled first version out (budget upkeep)
        world.task("forward").status = "ready"  # DMS assesses a task before its full load
        world.expect_assessment_start()
        assert world.handle({"command": "assess"})["outcome"] == "assessment started"
        world.task("forward").run()
        run_full_cutover(world)
        assert world.handle({"command": "rollback", "reason": "drill"})["phase"] == "rolled-back"
        assert world.handle({"command": "restore-to-checkpoint"})["outcome"] == "restore started"
        policy = json.loads(resolve(next(p for p in synthesized.resources("aws_iam_role_policy")
                                         if p["name"].startswith("cutover-controller-"))["policy"]))
    mp.undo()
    keys = {purpose: iam_eval.arn("kms", f"key/{purpose}") for purpose in ("app", "database", "logs")}
    keys["data_api_secret"] = keys["database"]  # the RDS-managed master secret is encrypted with the database key
    names = {"log_group": resolve(function["logging_config"]["log_group"]),
             "dlq": next(q["name"] for q in synthesized.resources("aws_sqs_queue"))}
    needs = [n for call in world.calls for n in iam_eval.needs_of(call, keys, names)]
    needs += iam_eval.runtime_needs(names, keys)
    return policy["Statement"], needs, world.calls


def test_the_run_exercised_every_kind_of_call(run):
    _, _, calls = run
    operations = {f"{service}:{op}" for service, op, _ in calls}
    assert {"route53:ChangeResourceRecordSets", "ssm:PutParameter", "ssm:LabelParameterVersion",
            "ssm:GetParameterHistory", "ssm:UnlabelParameterVersion",
            "dms:StartReplicationTask", "dms:DescribeTableStatistics", "cloudwatch:GetMetricData",
            "rds:RestoreDBClusterToPointInTime", "sns:Publish", "backup:StartBackupJob"} <= operations


def test_the_synthesized_policy_allows_every_call(run):
    statements, needs, _ = run
    denied = sorted({(n.action, n.resource) for n in needs if not iam_eval.allowed(statements, n)})
    assert denied == []


def test_every_statement_is_needed(run):
    statements, needs, _ = run
    for index, statement in enumerate(statements):
        without = statements[:index] + statements[index + 1:]
        assert any(not iam_eval.allowed(without, n) for n in needs), f"statement {statement['Sid']} is not needed"


def test_nothing_wider_than_needed(run):
    statements, needs, _ = run
    for statement in statements:
        for action in statement["Action"]:
            assert any(n.action.lower() == action.lower() for n in needs), f"{statement['Sid']}: {action} unused"


def test_every_arn_the_controller_sends_is_in_the_configured_region_and_account(run):
    """The ARNs in the calls' own parameters (from the function's environment and the services' answers),
    not ones this test built."""
    _, _, calls = run
    sent = [v for _, _, params in calls for v in params.values() if isinstance(v, str) and v.startswith("arn:")]
    assert len(sent) > 20
    for arn in sent:
        _, partition, _service, region, account, _ = arn.split(":", 5)
        assert partition == "aws" and (region in (REGION, "") and account in (ACCOUNT, "")), arn
