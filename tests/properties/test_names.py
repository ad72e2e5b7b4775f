"""Laws over the synthesized JSON for any valid suffix; clear errors for any invalid one."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aspects import names as name_rules
from stack import naming
from stack.config import Config
from stack.config_loading import ConfigError, load
from tests.aws_names import AWS_NAME_RULES, aws_problems, forbidden_in
from tests.conftest import SYNTHESIZING
from tests.properties.strategies import INVALID_SUFFIXES, valid_suffixes
from tests.synth import synth_configs

_batches = itertools.count()


def names_of(document: dict) -> list[tuple[str, str, str, str]]:
    """(resource type, property, rule kind, value) of every name-like property with a literal value."""
    out = []
    for kind, items in document.get("resource", {}).items():
        for body in items.values():
            for (rtype, prop), rule_kind in name_rules.NAME_PROPERTIES.items():
                value = body.get(prop)
                if rtype == kind and isinstance(value, str) and "${" not in value:
                    out.append((kind, prop, rule_kind, value))
    return out


@pytest.mark.slow
@SYNTHESIZING
@given(suffixes=st.lists(valid_suffixes(), min_size=1, max_size=3, unique=True))
def test_every_name_carries_the_suffix_fits_its_rule_and_is_unique(tmp_path_factory, suffixes):
    configs = [load({"ENVIRONMENT_SUFFIX": s}) for s in suffixes]  # valid suffixes load
    synths = synth_configs(configs, tmp_path_factory.mktemp(f"names{next(_batches)}"))
    seen_across: Counter = Counter()
    for synth in synths:
        suffix = synth.config.environment_suffix
        names = names_of(synth.document)
        assert len(names) > 40
        for kind, prop, _, value in names:
            if kind == "aws_iam_role" and value in name_rules.FIXED_ACCOUNT_ROLES:
                continue
            assert suffix in value, (kind, prop, value)
            assert aws_problems(kind, prop, value) == [], (kind, prop, value)  # AWS's rules, written independently
            assert forbidden_in(value.replace(suffix, "")) == [], (kind, prop, value)
        per_namespace = Counter((rule_kind, value) for _, _, rule_kind, value in names)
        assert [k for k, n in per_namespace.items() if n > 1] == []
        seen_across.update({(rule_kind, value) for _, _, rule_kind, value in names})
        assert synth.document["resource"]["aws_cloudwatch_log_group"]  # the stack is complete
    assert [k for k, n in seen_across.items() if n > 1] == []  # environments never collide


@given(suffix=INVALID_SUFFIXES)
def test_invalid_suffix_is_a_named_configuration_error(suffix):
    with pytest.raises(ConfigError) as caught:
        load({"ENVIRONMENT_SUFFIX": suffix})
    assert any(p.startswith("environment_suffix:") for p in caught.value.problems)


def test_the_longest_suffix_fits_and_one_more_character_does_not():
    longest = "a" * naming.max_suffix_length()
    assert load({"ENVIRONMENT_SUFFIX": longest}).environment_suffix == longest
    with pytest.raises(ConfigError, match="tightest name"):
        load({"ENVIRONMENT_SUFFIX": longest + "a"})
    assert Config().environment_suffix == "sbx01"


def test_every_name_property_the_stack_sets_has_an_aws_rule_written_down():
    assert set(name_rules.NAME_PROPERTIES) == set(AWS_NAME_RULES)
