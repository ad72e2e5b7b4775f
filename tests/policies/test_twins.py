"""Every twin, over the JSON of the aspect rule's own compliant and non-compliant cases."""

from __future__ import annotations

import itertools
import json

import pytest

from aspects.registry import RULES
from foundation.aws.provider import AwsProvider, AwsProviderDefaultTags
from foundation.cdk import App, TerraformStack
from stack.tagging import RequiredTags
from tests.aspects.cases import CASES
from tests.aspects.test_rules import TAGS
from tests.policies.helpers import checkov_outcomes

_ids = itertools.count()


def synth_case(app, outdir, build, ok: bool):
    name = f"twin{next(_ids)}"
    stack = TerraformStack(app, name)
    AwsProvider(stack, "aws", region="us-east-1", default_tags=[AwsProviderDefaultTags(tags=TAGS)])
    build(stack, ok)
    RequiredTags(TAGS).visit(stack)
    folder = outdir / "stacks" / name
    folder.mkdir(parents=True)
    document = stack.to_terraform()
    (folder / "cdk.tf.json").write_text(json.dumps(document))
    return folder, document


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_twin_agrees_with_the_cases(tmp_path, rule_id):
    app = App(outdir=str(tmp_path / "app"))
    ok_dir, _ = synth_case(app, tmp_path, CASES[rule_id], True)
    passing, failing = checkov_outcomes(tmp_path, ok_dir, rule_id)
    assert passing and not failing, (passing, failing)
    fail_dir, fail_doc = synth_case(app, tmp_path, CASES[rule_id], False)
    _, ok_doc = synth_case(app, tmp_path, CASES[rule_id], True)
    rule = RULES[rule_id]
    changed = {name for kind, items in fail_doc["resource"].items() for name, body in items.items()
               if rule.applies_to(kind) and {k: v for k, v in body.items() if k != "//"} !=
               {k: v for k, v in ok_doc["resource"].get(kind, {}).get(name, {}).items() if k != "//"}}
    _, failing = checkov_outcomes(tmp_path, fail_dir, rule_id)
    assert failing, "the non-compliant case must fail the twin"
    if changed:  # cross-resource rules (e.g. zones of a cluster's instances) fail on the unchanged resource
        assert failing <= changed, (failing, changed)


def test_one_module_registers_a_twin_per_rule_and_the_suppression_check():
    from checkov.terraform.checks.resource.registry import resource_registry

    from policies.gate import CHECKS_DIR

    resource_registry.load_external_checks(str(CHECKS_DIR))
    registered = {check.id for checks in [*resource_registry.checks.values(), *resource_registry.wildcard_checks.values()]
                  for check in checks if check.id.startswith("MIG-")}
    assert registered == {*RULES, "MIG-SUP-001"}
