"""The gate end to end: the real stack passes; overrides, hand edits and bad structure fail it."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET

import pytest
import yaml

from aspects.registry import RULES
from foundation.cdk import App
from policies import gate
from stack.config import Config
from stack.migration_stack import MigrationStack
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def real_verdict(synthesized, tmp_path_factory):
    outdir = synthesized.path.parents[2]
    reports = tmp_path_factory.mktemp("reports")
    code = gate.run(outdir, synth=False, reports=reports)
    return code, json.loads((reports / "gate.json").read_text()), reports


def test_real_stack_passes_the_gate(real_verdict):
    code, verdict, _ = real_verdict
    assert code == 0
    assert all(row["failed"] == 0 for row in verdict["counts"].values())
    assert verdict["counts"]["checkov built-in"]["passed"] > 100
    assert verdict["counts"]["checkov custom"]["passed"] > 300
    assert verdict["counts"]["terraform parser"]["passed"] >= 1


def test_reports_are_sarif_and_junit(real_verdict):
    _, _, reports = real_verdict
    sarif = json.loads((reports / "gate.sarif").read_text())
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["tool"]["driver"]["name"]
    suites = ET.parse(reports / "gate-junit.xml").getroot()
    assert suites.tag == "testsuites"
    assert {s.get("name") for s in suites} >= {"checkov built-in", "checkov custom", "terraform parser"}


def test_every_aspect_rule_has_a_checkov_twin():
    from checkov.terraform.checks.resource.registry import resource_registry

    resource_registry.load_external_checks(str(gate.CHECKS_DIR))
    twins = {check.id for checks in list(resource_registry.checks.values()) + [resource_registry.wildcard_checks.get(k, [])
                                                                             for k in resource_registry.wildcard_checks]
             for check in checks if check.id.startswith("MIG-")}
    assert set(RULES) <= twins, f"rules without a twin: {sorted(set(RULES) - twins)}"


def test_skips_have_reasons_are_known_and_still_needed(real_verdict):
    from checkov.terraform.checks.resource.registry import resource_registry

    reasons = yaml.safe_load(gate.SKIPS.read_text())
    configured = yaml.safe_load(gate.CONFIG.read_text())["skip-check"]
    assert sorted(configured) == sorted(reasons)
    from checkov.common.checks_infra.registry import get_graph_checks_registry

    graph = get_graph_checks_registry("terraform")
    graph.load_checks()
    known = {check.id for checks in resource_registry.checks.values() for check in checks} | \
        {check.id for check in graph.checks}
    _, verdict, _ = real_verdict
    skipped = {r["check_id"] for r in verdict["results"] if r["status"] == "skipped"}
    for check_id, reason in reasons.items():
        assert len(reason.strip()) >= 10, check_id
        assert check_id in known, f"{check_id} is not a checkov check"
        assert check_id in skipped, f"{check_id} no longer fails: remove its skip"


def synth_broken(tmp_path, edit) -> tuple[int, dict]:
    """Synthesize a stack without the synth-time aspects (as a bypass would), let `edit` break it, gate it."""
    app = App(outdir=str(tmp_path / "out"))
    stack = MigrationStack(app, "migration-brk02", config=Config(environment_suffix="brk02"), compliance_checks=False)
    edit(stack, None)
    app.synth()
    path = tmp_path / "out" / "stacks" / "migration-brk02" / "cdk.tf.json"
    document = json.loads(path.read_text())
    edit(None, document)
    path.write_text(json.dumps(document))
    code = gate.run(tmp_path / "out", synth=False, reports=tmp_path / "reports")
    return code, json.loads((tmp_path / "reports" / "gate.json").read_text())


def failed_ids(verdict) -> set[str]:
    return {r["check_id"] for r in verdict["results"] if r["status"] == "failed"}


def _escape_hatch(stack, document):
    """Overrides past every construct: no key on the topic, a public DMS instance."""
    if stack is not None:
        stack.node.find_child("events").node.find_child("topic").add_override("kms_master_key_id", "")
        stack.node.find_child("migration").node.find_child("instance").add_override("publicly_accessible", True)


def _hand_edit(stack, document):
    """The synthesized JSON edited by hand: a password literal, no TLS, records without their lifecycle."""
    if document is not None:
        endpoint = next(iter(document["resource"]["aws_dms_endpoint"].values()))
        endpoint.update(password="hunter2hunter2", ssl_mode="none")
        for record in document["resource"]["aws_route53_record"].values():
            record["lifecycle"] = {}


def _bad_structure(stack, document):
    """A misspelt meta-argument only Terraform's own parser refuses."""
    if document is not None:
        task = next(iter(document["resource"]["aws_dms_replication_task"].values()))
        task["lifecycle"] = {"ignore_changez": ["replication_task_settings"]}


@pytest.mark.parametrize(("edit", "expected", "says"), [
    (_escape_hatch, {"MIG-ENC-005", "MIG-PUB-001", "CKV_AWS_26"}, "publicly"),
    (_hand_edit, {"MIG-SEC-001", "MIG-TLS-001", "MIG-MIG-001"}, "password"),
    (_bad_structure, {"TF-PARSE"}, "ignore_changez"),
], ids=["override escape hatch", "hand-edited json", "invalid terraform structure"])
def test_a_broken_stack_fails_the_gate_by_the_checks_that_catch_it(tmp_path, edit, expected, says):
    code, verdict = synth_broken(tmp_path, edit)
    assert code == 1
    failed = [r for r in verdict["results"] if r["status"] == "failed"]
    assert expected <= {r["check_id"] for r in failed}, {r["check_id"] for r in failed}
    assert any(says in r["message"].lower() for r in failed if r["check_id"] in expected), failed


def test_suppression_recorded_by_the_aspects_is_honoured_and_an_unused_one_fails(tmp_path):
    from aspects.compliance import suppress

    def edit(stack, document):
        if stack is not None:
            topic = stack.node.find_child("events").node.find_child("topic")
            topic.add_override("name", "shared-notices")
            suppress(topic, "MIG-NAM-001", "shared topic owned by the platform team")
            suppress(stack.node.find_child("cutover").node.find_child("dlq"), "MIG-NAM-001", "kept for an old name")
    code, verdict = synth_broken(tmp_path, edit)
    suppressed = [r for r in verdict["results"] if r["status"] == "suppressed"]
    assert [(r["check_id"], r["message"]) for r in suppressed] == [("MIG-NAM-001",
                                                                     "shared topic owned by the platform team")]
    assert code == 1 and failed_ids(verdict) == {"MIG-SUP-001"}


def test_gate_refuses_a_skip_without_reason(tmp_path, monkeypatch):
    config = tmp_path / ".checkov.yaml"
    shutil.copy(ROOT / ".checkov.yaml", config)
    data = yaml.safe_load(config.read_text())
    data["skip-check"].append("CKV_AWS_26")
    config.write_text(yaml.safe_dump(data))
    monkeypatch.setattr(gate, "CONFIG", config)
    with pytest.raises(gate.GateConfigError, match="CKV_AWS_26"):
        gate.load_skips()


def _task(document: dict, kind: str) -> dict:
    return next(t for t in document["resource"]["aws_dms_replication_task"].values() if t["migration_type"] == kind)


def _task_settings(kind: str, change) -> callable:
    def edit(document: dict) -> None:
        task = _task(document, kind)
        settings = json.loads(task["replication_task_settings"])
        change(settings)
        task["replication_task_settings"] = json.dumps(settings)
    return edit


def _source(which: str, **values) -> callable:
    def edit(document: dict) -> None:
        endpoint = next(e for e in document["resource"]["aws_dms_endpoint"].values()
                        if e["endpoint_type"] == "source" and e["engine_name"] == which)
        endpoint["postgres_settings"].update(values)
    return edit


def _drop_alarm(metric: str) -> callable:
    def edit(document: dict) -> None:
        alarms = document["resource"]["aws_cloudwatch_metric_alarm"]
        del alarms[next(name for name, a in alarms.items() if a["metric_name"] == metric)]
    return edit


def _instance(**values) -> callable:
    def edit(document: dict) -> None:
        instance = next(iter(document["resource"]["aws_dms_replication_instance"].values()))
        for key, value in values.items():
            if value is None:
                instance.pop(key, None)
            else:
                instance[key] = value
    return edit


SILENT_LOSS_EDITS = {
    "apply errors logged and skipped": (_task_settings("full-load-and-cdc", lambda s: s["ErrorBehavior"].update(
        ApplyErrorUpdatePolicy="LOG_ERROR")), "MIG-MIG-005"),
    "deletes ignored on the reverse task": (_task_settings("cdc", lambda s: s["ErrorBehavior"].update(
        ApplyErrorDeletePolicy="IGNORE_RECORD")), "MIG-MIG-005"),
    "error policies left to DMS's defaults": (_task_settings("cdc", lambda s: s.pop("ErrorBehavior")), "MIG-MIG-005"),
    "batch apply on": (_task_settings("full-load-and-cdc", lambda s: s["TargetMetadata"].update(
        BatchApplyEnabled=True)), "MIG-MIG-005"),
    "LOBs truncated quietly": (_source("postgres", fail_tasks_on_lob_truncation=False), "MIG-MIG-006"),
    "no heartbeat on Aurora as a source": (_source("aurora-postgresql", heartbeat_enable=False), "MIG-MIG-006"),
    "DDL captured": (_source("postgres", capture_ddls=True), "MIG-MIG-006"),
    "engine below 3.5.3": (_instance(engine_version="3.4.7"), "MIG-MIG-007"),
    "engine left to AWS's default": (_instance(engine_version=None), "MIG-MIG-007"),
    "no replication slot alarm": (_drop_alarm("ReplicationSlotDiskUsage"), "MIG-MON-002"),
    "no source backlog alarm": (_drop_alarm("CDCIncomingChanges"), "MIG-MON-002"),
}


@pytest.mark.parametrize("case", sorted(SILENT_LOSS_EDITS))
def test_each_silent_loss_setting_written_by_hand_fails_the_gate_naming_its_rule(synthesized, tmp_path, case):
    edit, rule_id = SILENT_LOSS_EDITS[case]
    stack_dir = tmp_path / "out" / "stacks" / synthesized.path.parent.name
    shutil.copytree(synthesized.path.parent, stack_dir)
    document = json.loads((stack_dir / "cdk.tf.json").read_text())
    edit(document)
    (stack_dir / "cdk.tf.json").write_text(json.dumps(document))
    code = gate.run(tmp_path / "out", synth=False, reports=tmp_path / "reports")
    verdict = json.loads((tmp_path / "reports" / "gate.json").read_text())
    assert code == 1
    assert {r["check_id"] for r in verdict["results"] if r["status"] == "failed" and r["check_id"].startswith("MIG-")} \
        == {rule_id}
