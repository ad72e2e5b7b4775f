"""Every rule: its compliant case passes, its non-compliant case triggers exactly its id."""

from __future__ import annotations

import itertools

import pytest

from aspects.engine import Outcome, evaluate
from aspects.registry import RULES
from foundation.aws.provider import AwsProvider
from foundation.cdk import App, TerraformStack
from stack.tagging import RequiredTags
from tests.aspects.cases import CASES, EXTRA_CASES, SUFFIX

TAGS = {"Project": "p", "EnvironmentSuffix": SUFFIX, "Owner": "o", "CostCenter": "c", "ManagedBy": "cdktf"}
_counter = itertools.count()


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return App(outdir=str(tmp_path_factory.mktemp("rules")))


def findings_for(app, build, ok: bool):
    stack = TerraformStack(app, f"case{next(_counter)}")
    AwsProvider(stack, "aws", region="us-east-1")
    build(stack, ok)
    RequiredTags(TAGS).visit(stack)
    return evaluate(stack.to_terraform(), RULES, suffix=SUFFIX)


def failing_ids(findings):
    return {f.rule_id for f in findings if f.outcome is Outcome.NON_COMPLIANT}


def test_every_rule_has_a_case():
    assert set(CASES) == set(RULES)


@pytest.mark.parametrize("cases", [CASES, EXTRA_CASES], ids=["main", "extra"])
def test_compliant_cases_pass_and_non_compliant_trigger_exactly_their_rule(app, cases):
    for rule_id, build in cases.items():
        passing = findings_for(app, build, ok=True)
        assert failing_ids(passing) == set(), (rule_id, [f for f in passing if f.outcome is Outcome.NON_COMPLIANT])
        assert any(f.rule_id == rule_id and f.outcome is Outcome.COMPLIANT for f in passing), rule_id
        failing = findings_for(app, build, ok=False)
        assert failing_ids(failing) == {rule_id}, (rule_id, [f for f in failing if f.outcome is Outcome.NON_COMPLIANT])


def test_rules_are_well_formed():
    for rule in RULES.values():
        assert rule.id.startswith("MIG-") and rule.statement and rule.rationale and rule.fix
        assert rule.resource_types or rule.all_resources
