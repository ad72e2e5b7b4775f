"""Configurations: every valid one synthesizes a stack that passes the aspects; a valid one with exactly one
setting broken is refused, naming exactly that setting."""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from stack.config_loading import ConfigError, load, to_dict
from tests.conftest import SYNTHESIZING
from tests.properties.strategies import FAULTS, single_fault, valid_config_env, valid_suffixes
from tests.synth import synth_configs

_batches = itertools.count()


@pytest.mark.slow
@SYNTHESIZING
@given(env=valid_config_env())
def test_every_valid_configuration_synthesizes_with_no_finding(tmp_path_factory, env):
    config = load({**env, "ENVIRONMENT_SUFFIX": f"prop{next(_batches)}x"})  # valid by construction: no error
    event(f"valid: dms {config.migration.dms_instance_class}")
    event(f"valid: {'write canary' if config.cutover.write_canary else 'one writer'}, "
          f"{len(config.cutover.canary_steps)} step(s)")
    synth = synth_configs([config], tmp_path_factory.mktemp(f"cfg{next(_batches)}"))[0]
    report = synth.path.parents[2] / "compliance" / f"{synth.config.stack_name}.json"
    summary = json.loads(report.read_text())["summary"]
    assert summary["non-compliant"] == 0, (synth.config, summary)


@pytest.mark.parametrize("variable", sorted(FAULTS))
@settings(max_examples=min(10, settings.default.max_examples))
@given(data=st.data())
def test_one_broken_setting_is_refused_naming_exactly_that_setting(variable, data):
    """Every setting of FAULTS, each broken alone in varied valid configurations."""
    env, path = data.draw(single_fault(variable))
    try:
        load({**env, "ENVIRONMENT_SUFFIX": "fault01"})
    except ConfigError as error:
        named = {problem.split(":", 1)[0] for problem in error.problems}
        assert named == {path}, error.problems
    else:
        raise AssertionError(f"{path} broken as {env} was accepted")


@given(env=valid_config_env(), suffix=valid_suffixes())
def test_config_file_round_trip(tmp_path_factory, env, suffix):
    config = load({**env, "ENVIRONMENT_SUFFIX": suffix})
    path = tmp_path_factory.mktemp("rt") / "config.json"
    path.write_text(json.dumps(to_dict(config)))
    assert load({"MIGRATION_CONFIG_FILE": str(path)}) == config
