"""The aspect on the real stack: registered, clean, reported; a broken variant fails synth; suppressions."""

from __future__ import annotations

import json

import pytest

from aspects import rules_doc
from aspects.compliance import suppress
from aspects.engine import SUPPRESSIONS_KEY, UNUSED_SUPPRESSION, Outcome, SuppressionError, evaluate
from aspects.registry import RULES
from foundation.cdk import App
from stack.config import Config
from stack.migration_stack import MigrationStack


def test_real_stack_has_no_non_compliant_finding(synthesized):
    report = json.loads((synthesized.path.parents[2] / "compliance" / f"{synthesized.config.stack_name}.json")
                        .read_text())
    assert report["summary"]["non-compliant"] == 0
    assert report["summary"]["compliant"] > 200
    checked = {f["rule_id"] for f in report["findings"] if f["outcome"] == "compliant"}
    assert checked == set(RULES)  # every rule found something to check on the real stack
    markdown = (synthesized.path.parents[2] / "compliance" / f"{synthesized.config.stack_name}.md").read_text()
    assert "| MIG-ENC-001 | error | compliant |" in markdown


def test_the_synthesized_json_passes_the_rules_again(synthesized):
    findings = evaluate(synthesized.document, RULES, suffix=synthesized.config.environment_suffix)
    assert not [f for f in findings if f.outcome is Outcome.NON_COMPLIANT]


def broken_app(tmp_path):
    app = App(outdir=str(tmp_path))
    stack = MigrationStack(app, "migration-brk01", config=Config(environment_suffix="brk01"))
    find = lambda *path: stack.node.find_child(path[0]) if len(path) == 1 else find(*path[:-1]).node.find_child(path[-1])  # noqa: E731
    return app, stack, find


def test_broken_variant_fails_synth_with_matching_ids(tmp_path):
    app, stack, find = broken_app(tmp_path)
    find("database", "cluster").add_override("storage_encrypted", False)
    find("database", "cluster").add_override("deletion_protection", True)
    find("migration", "endpoint-source").add_override("ssl_mode", "none")
    find("events", "topic").add_override("name", "migration-notices")
    with pytest.raises(RuntimeError) as caught:
        app.synth()
    message = str(caught.value)
    for rule_id in ("MIG-ENC-001", "MIG-DES-001", "MIG-TLS-001", "MIG-NAM-001"):
        assert rule_id in message
    assert {f.rule_id for f in stack.compliance.blocking} == {"MIG-ENC-001", "MIG-DES-001", "MIG-TLS-001",
                                                              "MIG-NAM-001"}


def test_suppression_is_recorded_with_reason_and_honoured(tmp_path):
    app, stack, find = broken_app(tmp_path)
    topic = find("events", "topic")
    topic.add_override("name", "migration-notices-shared")
    suppress(topic, "MIG-NAM-001", "shared topic owned by the platform team")
    app.synth()
    document = json.loads((tmp_path / "stacks" / "migration-brk01" / "cdk.tf.json").read_text())
    body = next(iter(document["resource"]["aws_sns_topic"].values()))
    assert body["//"][SUPPRESSIONS_KEY] == [{"id": "MIG-NAM-001", "reason": "shared topic owned by the platform team"}]
    suppressed = [f for f in stack.compliance.findings if f.outcome is Outcome.SUPPRESSED]
    assert [(f.rule_id, f.reason) for f in suppressed] == [("MIG-NAM-001", "shared topic owned by the platform team")]


def test_unused_suppression_is_a_finding(tmp_path):
    app, stack, find = broken_app(tmp_path)
    suppress(find("events", "topic"), "MIG-NAM-001", "kept from an older name scheme")
    with pytest.raises(RuntimeError):
        app.synth()
    assert [f.rule_id for f in stack.compliance.blocking] == [UNUSED_SUPPRESSION]


@pytest.mark.parametrize(("rule_id", "reason", "expected"), [
    ("MIG-NAM-001", "short", "at least 10 characters"),
    ("MIG-NAM-001", "", "at least 10 characters"),
    ("MIG-ENC-005", "we really need this one", "cannot be suppressed"),
    ("MIG-PUB-001", "we really need this one", "cannot be suppressed"),
    ("MIG-XXX-999", "we really need this one", "no such rule"),
])
def test_bad_suppressions_are_rejected(tmp_path, rule_id, reason, expected):
    _, _, find = broken_app(tmp_path)
    with pytest.raises(SuppressionError, match=expected):
        suppress(find("events", "topic"), rule_id, reason)


def test_rules_md_is_current():
    assert rules_doc.PATH.read_text() == rules_doc.render(), "run: python -m aspects.rules_doc"


@pytest.mark.parametrize(("rule_id", "reason", "problem"), [
    ("MIG-NAM-001", "because", "at least 10 characters"),  # written by hand, past suppress()'s own check
    ("MIG-NAM-001", "the platform team owns this topic", None),
    ("MIG-XYZ-999", "no such rule exists anywhere", "no such rule"),
])
def test_a_hand_written_suppression_gets_the_one_policy(synthesized, rule_id, reason, problem):
    """The engine and the checkov twins call the same function: a suppression that does not stand suppresses
    nothing (the rule's finding stays a failure) and is itself a MIG-SUP-001 failure."""
    document = json.loads(json.dumps(synthesized.document))
    topic = next(iter(document["resource"]["aws_sns_topic"].values()))
    topic["name"] = "migration-notices-shared"
    topic["//"][SUPPRESSIONS_KEY] = [{"id": rule_id, "reason": reason}]
    findings = evaluate(document, RULES, suffix=synthesized.config.environment_suffix)
    on_topic = [f for f in findings if f.resource_type == "aws_sns_topic" and f.outcome in (
        Outcome.NON_COMPLIANT, Outcome.SUPPRESSED)]
    naming = {f.outcome for f in on_topic if f.rule_id == "MIG-NAM-001"}
    unused = [f.message for f in on_topic if f.rule_id == UNUSED_SUPPRESSION]
    if problem is None:
        assert naming == {Outcome.SUPPRESSED} and not unused
    else:
        assert naming == {Outcome.NON_COMPLIANT} and len(unused) == 1 and problem in unused[0]
