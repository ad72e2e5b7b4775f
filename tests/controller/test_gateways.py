"""Gateways against emulated AWS: the record pair, INSYNC waiting, retries and the checkpoint's guard."""

from __future__ import annotations

import os
import subprocess
import sys
from types import SimpleNamespace

import boto3
import pytest
from botocore.exceptions import ClientError
from cutover.gateways import clients
from cutover.gateways.lazy import Lazy
from cutover.gateways.lazy import gateway as lazy_gateway
from cutover.gateways.route53 import RecordsError, Route53Gateway
from cutover.gateways.ssm import CheckpointConflictError, ParameterGateway
from cutover.models import Records, Weights
from cutover.settings import MIN_FUNCTION_TIMEOUT_SECONDS
from moto import mock_aws

from tests.conftest import ROOT
from tests.controller.fakes import environment, failing_http


@pytest.fixture
def route53():
    with mock_aws():
        client = boto3.client("route53", region_name="us-east-1")
        zone = client.create_hosted_zone(Name="example.internal", CallerReference="r")["HostedZone"]["Id"]
        yield client, zone.split("/")[-1]


def add_pair(client, zone, ttl=60):
    """Both names: the writer (db) and the reader (db-ro), each an on-prem and an Aurora record."""
    client.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [
        {"Action": "CREATE", "ResourceRecordSet": {"Name": f"{name}.example.internal", "Type": "CNAME", "TTL": ttl,
                                                   "SetIdentifier": s, "Weight": w,
                                                   "ResourceRecords": [{"Value": f"{name}-{v}"}]}}
        for name in ("db", "db-ro")
        for s, w, v in (("onprem", 100, "a.example.com"), ("aurora", 0, "b.example.com"))]})


def gateway(client, zone, **kw):
    return Route53Gateway(client, zone_id=zone, record_name="db.example.internal",
                          reader_record_name="db-ro.example.internal", onprem_id="onprem", aurora_id="aurora",
                          poll_seconds=0, **kw)


def test_missing_pair_is_an_error_not_a_guess(route53):
    client, zone = route53
    with pytest.raises(RecordsError, match="not found"):
        gateway(client, zone).weights()


def test_both_records_change_in_one_batch_keeping_ttl_and_targets(route53):
    client, zone = route53
    add_pair(client, zone, ttl=45)
    batches = []
    client.meta.events.register("provide-client-params.route53.ChangeResourceRecordSets",
                                lambda params, **_: batches.append(params))
    gateway(client, zone).set_weights(Records(Weights(100, 0), Weights(50, 50)))
    assert len(batches) == 1 and len(batches[0]["ChangeBatch"]["Changes"]) == 4  # both names, one atomic batch
    records = {(r["Name"], r["SetIdentifier"]): r
               for r in client.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"] if r.get("SetIdentifier")}
    assert {k: (r["Weight"], r["TTL"], r["ResourceRecords"][0]["Value"]) for k, r in records.items()} == {
        ("db.example.internal.", "onprem"): (100, 45, "db-a.example.com"),
        ("db.example.internal.", "aurora"): (0, 45, "db-b.example.com"),
        ("db-ro.example.internal.", "onprem"): (50, 45, "db-ro-a.example.com"),
        ("db-ro.example.internal.", "aurora"): (50, 45, "db-ro-b.example.com")}
    assert gateway(client, zone).weights() == Records(Weights(100, 0), Weights(50, 50))


def test_a_change_that_never_syncs_is_reported_but_stands(route53):
    """Route 53 applies every batch it accepted: a wait that runs out is reported, not taken as a failure."""
    client, zone = route53
    add_pair(client, zone)
    client.meta.events.register("after-call.route53.ChangeResourceRecordSets",
                                lambda parsed, **_: parsed["ChangeInfo"].update(Status="PENDING"))
    client.meta.events.register("after-call.route53.GetChange",
                                lambda parsed, **_: parsed["ChangeInfo"].update(Status="PENDING"))
    outcome = gateway(client, zone, insync_timeout=30).set_weights(Records(Weights(100, 0), Weights(90, 10)))
    assert "accepted; not seen INSYNC" in outcome and "not INSYNC after" in outcome
    assert gateway(client, zone).weights().readers == Weights(90, 10)


@pytest.fixture
def backoff(monkeypatch):
    """The sleeps botocore's retry handler asks for, recorded instead of slept."""
    import botocore.endpoint

    sleeps: list[float] = []
    monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=sleeps.append))
    return sleeps


@pytest.mark.parametrize(("code", "requests"), [("PriorRequestNotComplete", clients.MAX_ATTEMPTS),
                                                ("Throttling", clients.MAX_ATTEMPTS), ("AccessDenied", 1)])
def test_a_client_retries_throttling_within_its_budget_and_nothing_else(route53, backoff, code, requests):
    """The function's own client (not the test's): standard mode, MAX_ATTEMPTS requests per call at most."""
    _, zone = route53
    client, sent = clients.make("route53", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s"), []
    failing_http(client, "ListResourceRecordSets", code, sent=sent)
    with pytest.raises(ClientError, match=code):
        client.list_resource_record_sets(HostedZoneId=zone)
    assert len(sent) == requests and len(backoff) == requests - 1
    assert all(0 <= slept <= 2 ** attempt for attempt, slept in enumerate(backoff))  # full jitter, doubling


def test_the_data_api_client_retries_once_inside_the_function(backoff):
    client, sent = clients.make("rds-data", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s"), []
    failing_http(client, "ExecuteStatement", "ThrottlingException", sent=sent)
    with pytest.raises(ClientError):
        client.execute_statement(resourceArn="arn:aws:rds:us-east-1:123456789012:cluster:c", sql="select 1",
                                 secretArn="arn:aws:secretsmanager:us-east-1:123456789012:secret:s")
    worst = 2 * clients.DATA_API_CONFIG.read_timeout + sum(2 ** n for n in range(len(backoff)))
    assert len(sent) == 2 and worst < MIN_FUNCTION_TIMEOUT_SECONDS


CMK = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-4000-8000-00000000000a"


def test_a_write_over_a_stale_read_is_detected():
    with mock_aws():
        client = boto3.client("ssm", region_name="us-east-1")
        client.put_parameter(Name="/m/state", Value="{}", Type="SecureString", KeyId=CMK)
        params = ParameterGateway(client, state_name="/m/state", event_name="/m/event", key_id=CMK)
        _, version = params.read()
        assert params.write_detecting_conflict('{"a": 1}', version) == version + 1
        with pytest.raises(CheckpointConflictError):
            params.write_detecting_conflict('{"a": 2}', version)  # stale: someone (this test) wrote since
        params.label(version + 1, "cutover-started")
        labels = client.get_parameter_history(Name="/m/state")["Parameters"][-1]["Labels"]
        assert labels == ["cutover-started"]


def test_a_labelled_oldest_version_never_blocks_a_write():
    """Parameter Store keeps 100 versions and refuses the 101st while the oldest carries a label (moto
    enforces it); the gateway takes the label off the version about to be dropped."""
    with mock_aws():
        client = boto3.client("ssm", region_name="us-east-1")
        client.put_parameter(Name="/m/state", Value="v1", Type="SecureString", KeyId=CMK)
        client.label_parameter_version(Name="/m/state", ParameterVersion=1, Labels=["cutover-started"])
        for n in range(2, 101):
            client.put_parameter(Name="/m/state", Value=f"v{n}", Type="SecureString", KeyId=CMK, Overwrite=True)
        with pytest.raises(ClientError, match="ParameterMaxVersionLimitExceeded"):  # what a plain write meets
            client.put_parameter(Name="/m/state", Value="v101", Type="SecureString", KeyId=CMK, Overwrite=True)
        params = ParameterGateway(client, state_name="/m/state", event_name="/m/event", key_id=CMK)
        assert params.write_detecting_conflict("v101", 100) == 101
        history = client.get_parameter_history(Name="/m/state", MaxResults=50)["Parameters"]
        assert history[0]["Version"] == 2 and not any(v.get("Labels") for v in history)


def test_every_write_names_the_customer_managed_key():
    with mock_aws():
        client = boto3.client("ssm", region_name="us-east-1")
        for name in ("/m/state", "/m/event"):
            client.put_parameter(Name=name, Value="{}", Type="SecureString", KeyId=CMK)
        sent = []
        client.meta.events.register("provide-client-params.ssm.PutParameter", lambda params, **_: sent.append(params))
        params = ParameterGateway(client, state_name="/m/state", event_name="/m/event", key_id=CMK)
        params.write_detecting_conflict("{}", 1)
        params.record_event("{}")
        assert [call.get("KeyId") for call in sent] == [CMK, CMK]


def test_a_lazy_client_is_created_once_on_first_use():
    made = []
    lazy = Lazy(lambda: made.append("ssm") or SimpleNamespace(service="ssm"))
    assert made == []
    assert lazy.service == "ssm" and lazy.service == "ssm"
    assert made == ["ssm"]


def test_a_cold_start_tick_creates_only_the_clients_it_calls(world, monkeypatch):
    """The deployed handler's own clients (not the test world's): a tick between steps reads the checkpoint
    and the records, so loading the other six service models would only slow its cold start."""
    import handler

    made, real = [], boto3.client
    monkeypatch.setattr(boto3, "client", lambda name, *a, **k: made.append(name) or real(name, *a, **k))
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    handler._controller = None
    world.latency(5)
    world.validation_clean()
    result = handler.handle({"id": "cold", "source": "aws.events", "detail-type": "Scheduled Event", "detail": {}})
    assert result["ok"] and result["phase"] == "replicating", result
    assert sorted(made) == ["route53", "ssm"]


def test_a_lazy_gateway_is_built_on_first_use_and_takes_writes():
    lazy = lazy_gateway("sns", "SnsGateway", SimpleNamespace(), topic_arn="arn:aws:sns:us-east-1:123456789012:t")
    assert lazy._target is None
    assert lazy.topic_arn == "arn:aws:sns:us-east-1:123456789012:t"
    lazy.topic_arn = "arn:aws:sns:us-east-1:123456789012:other"
    assert lazy._target.topic_arn == "arn:aws:sns:us-east-1:123456789012:other"


def test_a_cold_start_imports_only_the_gateways_every_invocation_uses():
    probe = "import sys, handler; print(' '.join(sorted(m for m in sys.modules if m.startswith('cutover.gateways.'))))"
    result = subprocess.run([sys.executable, "-B", "-c", probe], cwd=ROOT / "lambda", capture_output=True, text=True,
                            env={**os.environ, **environment(), "PYTHONPATH": str(ROOT / "lambda")}, check=True)
    assert result.stdout.split() == ["cutover.gateways.clients", "cutover.gateways.errors",
                                     "cutover.gateways.lazy", "cutover.gateways.route53", "cutover.gateways.ssm"]


def test_a_fence_call_is_sent_once_and_waits_for_the_functions_own_timeout(backoff):
    """A second Invoke after a timeout would run the same fence step beside the first: one attempt, and a read
    timeout longer than the fence function's."""
    from cutover.settings import FENCE_CALL_SECONDS

    client, sent = clients.make("lambda", region_name="us-east-1", aws_access_key_id="k",
                                aws_secret_access_key="s"), []
    failing_http(client, "Invoke", "TooManyRequestsException", sent=sent)
    with pytest.raises(ClientError):
        client.invoke(FunctionName="cutover-fence-test01", Payload=b"{}")
    assert len(sent) == 1 and client.meta.config.read_timeout > FENCE_CALL_SECONDS
