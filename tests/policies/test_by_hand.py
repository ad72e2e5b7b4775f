"""The checks as users run them: checkov's CLI, exactly as the README says, and the gate with --no-synth, over
the clean stack and over a hand edit of cdk.tf.json for every rule. Both ways agree on every case."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from aspects.registry import RULES
from tests.conftest import ROOT

CHECKOV = str(Path(sys.executable).with_name("checkov"))
pytestmark = pytest.mark.slow


def one(document: dict, kind: str, where=lambda body: True) -> dict:
    return next(body for body in document["resource"][kind].values() if where(body))


def task_settings(document: dict, kind: str, change) -> None:
    task = one(document, "aws_dms_replication_task", lambda t: t["migration_type"] == kind)
    settings = json.loads(task["replication_task_settings"])
    change(settings)
    task["replication_task_settings"] = json.dumps(settings)


def policy_statements(document: dict, kind: str, change) -> None:
    body = one(document, kind)
    policy = json.loads(body["policy"])
    change(policy["Statement"])
    body["policy"] = json.dumps(policy)


def controller_granted_vpc_access(d: dict) -> None:
    """The controller's unscoped statement widened with the fence's VPC actions: each is unscoped, none is its."""
    body = one(d, "aws_iam_role_policy", lambda p: p["name"].startswith("cutover-controller-"))
    policy = json.loads(body["policy"])
    unscoped = next(s for s in policy["Statement"] if s["Resource"] == ["*"])
    unscoped["Action"] = [*unscoped["Action"], "ec2:CreateNetworkInterface"]
    body["policy"] = json.dumps(policy)


def forward_lag_alarm(d: dict) -> dict:
    return one(d, "aws_cloudwatch_metric_alarm", lambda a: a["metric_name"] == "CDCLatencyTarget")


def controller(d: dict) -> dict:
    return one(d, "aws_lambda_function", lambda f: "STATE_PARAMETER" in f["environment"]["variables"])


def controller_env(d: dict) -> dict:
    return controller(d)["environment"]["variables"]


def swap_tasks(d: dict) -> None:
    env = controller_env(d)
    env["FORWARD_TASK_ARN"], env["REVERSE_TASK_ARN"] = env["REVERSE_TASK_ARN"], env["FORWARD_TASK_ARN"]


def drop_failed_events(d: dict) -> None:
    rule = one(d, "aws_cloudwatch_event_rule", lambda r: "aws.dms" in r.get("event_pattern", ""))
    pattern = json.loads(rule["event_pattern"])
    pattern["detail"]["eventType"].remove("REPLICATION_TASK_FAILED")
    rule["event_pattern"] = json.dumps(pattern)


def suppress(body: dict, rule_id: str, reason: str) -> None:
    body.setdefault("//", {}).setdefault("compliance_suppressions", []).append({"id": rule_id, "reason": reason})


def backtrack_suppressed(d: dict) -> None:
    cluster = one(d, "aws_rds_cluster")
    cluster["backtrack_window"] = 3600
    suppress(cluster, "MIG-ENG-001", "we really want backtrack on this cluster")


def ignore_changes_suppressed(d: dict) -> None:
    record = one(d, "aws_route53_record")
    record["lifecycle"] = {}
    suppress(record, "MIG-MIG-001", "weights managed by hand for this drill")


def encryption_suppressed(d: dict) -> None:
    cluster = one(d, "aws_rds_cluster")
    cluster["storage_encrypted"] = False
    suppress(cluster, "MIG-ENC-001", "encryption slows the load test down")


def rename_topic(d: dict, reason: str) -> None:
    topic = one(d, "aws_sns_topic")
    topic["name"] = "shared-notices"
    suppress(topic, "MIG-NAM-001", reason)


# case -> (hand edit of the synthesized document, the MIG rule it must fail; None: it must pass)
HAND_EDITS = {
    "clean": (lambda d: None, None),
    "CTL-001 controller runs twice at once": (lambda d: controller(d).update(reserved_concurrent_executions=5),
                                              "MIG-CTL-001"),
    "CTL-002 controller without dead letters": (lambda d: controller(d).pop("dead_letter_config"), "MIG-CTL-002"),
    "CTL-003 controller times out while waiting": (lambda d: controller(d).update(timeout=60), "MIG-CTL-003"),
    "CTL-004 FAILED task events not delivered": (drop_failed_events, "MIG-CTL-004"),
    "CTL-005 target lag alarm on the reverse task": (lambda d: forward_lag_alarm(d)["dimensions"].update(
        ReplicationTaskIdentifier=one(d, "aws_dms_replication_task", lambda t: t["migration_type"] == "cdc")[
            "resource_identifier"]), "MIG-CTL-005"),
    "CTL-006 controller on a stale checkpoint": (lambda d: controller_env(d).update(
        STATE_PARAMETER="/migration/old/state"), "MIG-CTL-006"),
    "CTL-007 controller shifts another name": (lambda d: controller_env(d).update(
        READER_RECORD_NAME="db-read." + controller_env(d)["READER_RECORD_NAME"].split(".", 1)[1]), "MIG-CTL-007"),
    "CTL-008 controller's tasks swapped": (swap_tasks, "MIG-CTL-008"),
    "CTL-009 Data API turned off": (lambda d: one(d, "aws_rds_cluster").update(enable_http_endpoint=False),
                                    "MIG-CTL-009"),
    "DB-001 readers in one zone": (lambda d: [i.update(availability_zone="us-east-1a")
                                              for i in d["resource"]["aws_rds_cluster_instance"].values()], "MIG-DB-001"),
    "DB-002 one day of point-in-time recovery": (lambda d: one(d, "aws_rds_cluster").update(
        backup_retention_period=1), "MIG-DB-002"),
    "DES-001 deletion protection": (lambda d: one(d, "aws_rds_cluster").update(deletion_protection=True),
                                    "MIG-DES-001"),
    "DES-002 final snapshot": (lambda d: one(d, "aws_rds_cluster").update(skip_final_snapshot=False), "MIG-DES-002"),
    "DES-003 prevent_destroy": (lambda d: one(d, "aws_cloudwatch_log_group").update(
        lifecycle={"prevent_destroy": True}), "MIG-DES-003"),
    "DES-004 zone kept when not empty": (lambda d: one(d, "aws_route53_zone").update(force_destroy=False),
                                         "MIG-DES-004"),
    "DES-005 long key deletion window": (lambda d: one(d, "aws_kms_key").update(deletion_window_in_days=30),
                                         "MIG-DES-005"),
    "DMS-001 instance too small": (lambda d: one(d, "aws_dms_replication_instance").update(
        replication_instance_class="dms.t3.medium"), "MIG-DMS-001"),
    "DNS-001 swapped weights": (lambda d: [r["weighted_routing_policy"].update(
        weight=100 - r["weighted_routing_policy"]["weight"]) for r in d["resource"]["aws_route53_record"].values()
        if r["name"].startswith("db.")], "MIG-DNS-001"),
    "DNS-002 hour-long TTL": (lambda d: [r.update(ttl=3600) for r in d["resource"]["aws_route53_record"].values()
                                         if r.get("weighted_routing_policy")], "MIG-DNS-002"),
    "ENC-001 cluster unencrypted": (lambda d: one(d, "aws_rds_cluster").update(storage_encrypted=False), "MIG-ENC-001"),
    "ENC-002 insights on the AWS key": (lambda d: one(d, "aws_rds_cluster_instance").pop(
        "performance_insights_kms_key_id"), "MIG-ENC-002"),
    "ENC-003 DMS on the AWS key": (lambda d: one(d, "aws_dms_replication_instance").pop("kms_key_arn"), "MIG-ENC-003"),
    "ENC-004 checkpoint on alias/aws/ssm": (lambda d: one(d, "aws_ssm_parameter").update(key_id="alias/aws/ssm"),
                                           "MIG-ENC-004"),
    "ENC-005 topic unencrypted": (lambda d: one(d, "aws_sns_topic").update(kms_master_key_id=""), "MIG-ENC-005"),
    "ENC-006 queue unencrypted": (lambda d: one(d, "aws_sqs_queue").pop("kms_master_key_id"), "MIG-ENC-006"),
    "ENC-007 log group unencrypted": (lambda d: one(d, "aws_cloudwatch_log_group").pop("kms_key_id"), "MIG-ENC-007"),
    "ENC-008 vault on the AWS key": (lambda d: one(d, "aws_backup_vault").pop("kms_key_arn"), "MIG-ENC-008"),
    "ENC-009 function environment on the AWS key": (lambda d: one(d, "aws_lambda_function").pop("kms_key_arn"),
                                                    "MIG-ENC-009"),
    "ENC-010 key never rotates": (lambda d: one(d, "aws_kms_key").update(enable_key_rotation=False), "MIG-ENC-010"),
    "ENG-001 backtrack on PostgreSQL": (lambda d: one(d, "aws_rds_cluster").update(backtrack_window=3600),
                                        "MIG-ENG-001"),
    "IAM-001 wildcard action": (lambda d: policy_statements(d, "aws_iam_role_policy", lambda s: s.append(
        {"Effect": "Allow", "Action": "ssm:*", "Resource": "*"})), "MIG-IAM-001"),
    "IAM-001 controller granted another role's unscoped actions": (controller_granted_vpc_access, "MIG-IAM-001"),
    "LOG-001 a month of controller logs": (lambda d: one(d, "aws_cloudwatch_log_group").update(
        retention_in_days=30), "MIG-LOG-001"),
    "MIG-001 weights without ignore_changes": (lambda d: one(d, "aws_route53_record").update(lifecycle={}),
                                               "MIG-MIG-001"),
    "MIG-002 checkpoint value owned by terraform": (lambda d: one(d, "aws_ssm_parameter").update(lifecycle={}),
                                                    "MIG-MIG-002"),
    "MIG-003 task settings owned by terraform": (lambda d: one(d, "aws_dms_replication_task").update(lifecycle={}),
                                                 "MIG-MIG-003"),
    "MIG-004 full load only": (lambda d: one(d, "aws_dms_replication_task", lambda t: t["migration_type"] ==
                                             "full-load-and-cdc").update(migration_type="full-load"), "MIG-MIG-004"),
    "MIG-005 apply errors logged": (lambda d: task_settings(d, "cdc", lambda s: s["ErrorBehavior"].update(
        ApplyErrorInsertPolicy="LOG_ERROR")), "MIG-MIG-005"),
    "MIG-006 no heartbeat": (lambda d: one(d, "aws_dms_endpoint", lambda e: e["endpoint_type"] == "source")[
        "postgres_settings"].update(heartbeat_enable=False), "MIG-MIG-006"),
    "MIG-007 engine too old": (lambda d: one(d, "aws_dms_replication_instance").update(engine_version="3.4.7"),
                               "MIG-MIG-007"),
    "MON-001 lag alarm on the task name": (lambda d: forward_lag_alarm(d)["dimensions"].update(
        ReplicationTaskIdentifier=one(d, "aws_dms_replication_task")["replication_task_id"]), "MIG-MON-001"),
    "MON-002 no slot alarm": (lambda d: d["resource"]["aws_cloudwatch_metric_alarm"].pop(next(
        n for n, a in d["resource"]["aws_cloudwatch_metric_alarm"].items()
        if a["metric_name"] == "ReplicationSlotDiskUsage")), "MIG-MON-002"),
    "MON-003 lag alarm an hour late": (lambda d: forward_lag_alarm(d).update(period=3600), "MIG-MON-003"),
    "NAM-001 name without suffix": (lambda d: one(d, "aws_sns_topic").update(name="notices"), "MIG-NAM-001"),
    "NET-001 default group opened": (lambda d: one(d, "aws_default_security_group").update(egress=[{
        "cidr_blocks": ["10.0.0.0/8"], "from_port": 0, "to_port": 0, "protocol": "-1", "description": "all",
        "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": [], "self": False}]), "MIG-NET-001"),
    "PUB-001 public DMS": (lambda d: one(d, "aws_dms_replication_instance").update(publicly_accessible=True),
                           "MIG-PUB-001"),
    "PUB-002 ingress from anywhere": (lambda d: one(d, "aws_vpc_security_group_ingress_rule").update(
        cidr_ipv4="0.0.0.0/0"), "MIG-PUB-002"),
    "SEC-001 password literal": (lambda d: one(d, "aws_dms_endpoint").update(password="hunter2hunter2"),
                                 "MIG-SEC-001"),
    "TAG-001 owner tag removed": (lambda d: one(d, "aws_cloudwatch_log_group")["tags"].pop("Owner"), "MIG-TAG-001"),
    "TLS-001 ssl_mode none": (lambda d: one(d, "aws_dms_endpoint").update(ssl_mode="none"), "MIG-TLS-001"),
    "TLS-002 force_ssl off": (lambda d: [p.update(value="0") for p in one(d, "aws_rds_cluster_parameter_group")[
        "parameter"] if p["name"] == "rds.force_ssl"], "MIG-TLS-002"),
    "TLS-003 topic takes plain HTTP": (lambda d: policy_statements(d, "aws_sns_topic_policy", lambda s: s.__delitem__(
        next(i for i, st in enumerate(s) if st.get("Sid") == "DenyWithoutTls"))), "MIG-TLS-003"),
    "ENC-011 results bucket on SSE-S3": (lambda d: one(d, "aws_s3_bucket_server_side_encryption_configuration")[
        "rule"][0]["apply_server_side_encryption_by_default"].update(sse_algorithm="AES256",
                                                                         kms_master_key_id=None), "MIG-ENC-011"),
    "PUB-003 results bucket public": (lambda d: one(d, "aws_s3_bucket_public_access_block").update(
        restrict_public_buckets=False), "MIG-PUB-003"),
    "TLS-004 results bucket over HTTP": (lambda d: d["resource"].pop("aws_s3_bucket_policy"), "MIG-TLS-004"),
    # Hand-written suppressions: the engine's policy applies to them too.
    "SUP forbidden: backtrack suppressed": (backtrack_suppressed, "MIG-ENG-001"),
    "SUP forbidden: weights' ignore_changes suppressed": (ignore_changes_suppressed, "MIG-MIG-001"),
    "SUP forbidden: encryption suppressed": (encryption_suppressed, "MIG-ENC-001"),
    "SUP reason too short": (lambda d: rename_topic(d, "because"), "MIG-NAM-001"),
    "SUP unknown rule": (lambda d: suppress(one(d, "aws_sns_topic"), "MIG-XYZ-999", "no such rule exists"),
                         "MIG-SUP-001"),
    "SUP matching no finding": (lambda d: suppress(one(d, "aws_sns_topic"), "MIG-NAM-001", "the topic is shared"),
                                "MIG-SUP-001"),
    "SUP valid: shared topic renamed": (lambda d: rename_topic(d, "shared topic owned by the platform team"), None),
}
# A forbidden or invalid suppression fails twice: its rule still fails, and so does the suppression itself. A lag
# alarm off the forward task's resource id also leaves the controller watching the wrong task.
ALSO_FAILS = {"MON-001 lag alarm on the task name": "MIG-CTL-005",
              "SUP forbidden: backtrack suppressed": "MIG-SUP-001",
              "SUP forbidden: weights' ignore_changes suppressed": "MIG-SUP-001",
              "SUP forbidden: encryption suppressed": "MIG-SUP-001", "SUP reason too short": "MIG-SUP-001"}


def stack_name(case: str) -> str:
    return "case-" + "".join(c if c.isalnum() else "-" for c in case.lower()).strip("-")


@pytest.fixture(scope="module")
def cases(synthesized, tmp_path_factory) -> Path:
    outdir = tmp_path_factory.mktemp("by-hand")
    for case, (edit, _) in HAND_EDITS.items():
        document = copy.deepcopy(synthesized.document)
        edit(document)
        folder = outdir / "stacks" / stack_name(case)
        folder.mkdir(parents=True)
        (folder / "cdk.tf.json").write_text(json.dumps(document, indent=2))
    return outdir


def failures_by_stack(results: list[dict]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {stack_name(case): set() for case in HAND_EDITS}
    for r in results:
        out[r["stack"]].add(r["check_id"])
    return out


@pytest.fixture(scope="module")
def both_ways(cases, tmp_path_factory) -> tuple[dict[str, set[str]], dict]:
    """checkov's CLI as the README tells users (from the project root, with the project's configuration) and
    the gate with --no-synth, run side by side over the same cases: (CLI failures by stack, gate verdict)."""
    cli_reports, gate_reports = tmp_path_factory.mktemp("cli-reports"), tmp_path_factory.mktemp("gate-reports")
    cli = subprocess.Popen([CHECKOV, "--config-file", ".checkov.yaml", "-d", str(cases / "stacks"), "-o", "json",
                            "--output-file-path", str(cli_reports)], cwd=ROOT, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, env={**os.environ, "LOG_LEVEL": "WARNING"})
    gated = subprocess.Popen([sys.executable, "-m", "policies.gate", "--no-synth", "--outdir", str(cases),
                              "--reports", str(gate_reports)], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    _, cli_err = cli.communicate(timeout=900)
    gate_out, gate_err = gated.communicate(timeout=900)
    assert "Cannot load external check" not in cli_err, cli_err[-3000:]
    assert gated.returncode == 1, gate_out[-3000:] + gate_err[-3000:]
    report = json.loads((cli_reports / "results_json.json").read_text())
    report = report if isinstance(report, list) else [report]
    results = [{"stack": Path(r["file_path"]).parent.name, "check_id": r["check_id"]}
               for section in report for r in section["results"]["failed_checks"]]
    return failures_by_stack(results), json.loads((gate_reports / "gate.json").read_text())


@pytest.fixture(scope="module")
def by_checkov_cli(both_ways) -> dict[str, set[str]]:
    return both_ways[0]


@pytest.fixture(scope="module")
def by_gate(both_ways) -> dict[str, set[str]]:
    return failures_by_stack([r for r in both_ways[1]["results"] if r["status"] == "failed"])


def test_every_rule_has_a_hand_edit_case():
    assert {rule for _, rule in HAND_EDITS.values() if rule} >= set(RULES) | {"MIG-SUP-001"}


@pytest.mark.parametrize("case", list(HAND_EDITS))
def test_both_ways_fail_exactly_the_rule_each_hand_edit_breaks(by_checkov_cli, by_gate, case):
    _, rule = HAND_EDITS[case]
    cli, gated = by_checkov_cli[stack_name(case)], by_gate[stack_name(case)]
    assert cli == gated, f"checkov CLI {sorted(cli)} vs gate {sorted(gated)}"
    expected = {rule, ALSO_FAILS.get(case)} - {None}
    assert {check for check in gated if check.startswith("MIG-")} == expected


def test_the_valid_suppression_is_reported_with_its_reason(both_ways):
    verdict = both_ways[1]
    suppressed = [(r["stack"], r["check_id"], r["message"]) for r in verdict["results"] if r["status"] == "suppressed"]
    assert suppressed == [(stack_name("SUP valid: shared topic renamed"), "MIG-NAM-001",
                           "shared topic owned by the platform team")]


def test_checkov_from_another_directory_judges_the_file_it_is_given(cases, tmp_path):
    """Not ./cdktf.out: the scanned file itself, with -f, from any working directory."""
    skips = ",".join(yaml.safe_load((ROOT / ".checkov.yaml").read_text())["skip-check"])
    backtrack = cases / "stacks" / stack_name("ENG-001 backtrack on PostgreSQL") / "cdk.tf.json"
    run = subprocess.run([CHECKOV, "-f", str(backtrack), "--framework", "terraform_json", "--external-checks-dir",
                          str(ROOT / "policies" / "checks"), "--skip-check", skips, "--skip-download", "-o", "json"],
                         cwd=tmp_path, capture_output=True, text=True, check=False)
    report = json.loads(run.stdout)
    failed = {r["check_id"] for r in report["results"]["failed_checks"]}
    assert run.returncode == 1 and "MIG-ENG-001" in failed
    assert report["summary"]["passed"] > 300  # every custom check loaded and ran
