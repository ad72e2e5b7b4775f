"""Any combination of settings either synthesizes a stack that passes the aspects, or is a named error."""

from __future__ import annotations

import itertools
import json

from hypothesis import given
from hypothesis import strategies as st

from stack.config import ConfigError, env_names, load, to_dict
from tests.properties.strategies import config_env, valid_suffixes
from tests.synth import synth_configs

_batches = itertools.count()
KNOWN_FIELDS = set(env_names())


@given(envs=st.lists(config_env(), min_size=1, max_size=4))
def test_random_settings_synthesize_cleanly_or_name_the_field(tmp_path_factory, envs):
    valid = []
    for index, env in enumerate(envs):
        try:
            config = load({**env, "ENVIRONMENT_SUFFIX": f"prop{index}x"})
        except ConfigError as error:
            for problem in error.problems:
                field = problem.split(":", 1)[0]
                assert all(part.strip() in KNOWN_FIELDS for part in field.split(" and ")), problem
                assert ": " in problem and len(problem) > len(field) + 10, problem
            continue
        valid.append(config)
    if not valid:
        return
    for synth in synth_configs(valid, tmp_path_factory.mktemp(f"cfg{next(_batches)}")):
        report = synth.path.parents[2] / "compliance" / f"{synth.config.stack_name}.json"
        summary = json.loads(report.read_text())["summary"]
        assert summary["non-compliant"] == 0, (synth.config, summary)


@given(env=config_env(), suffix=valid_suffixes())
def test_config_file_round_trip(tmp_path_factory, env, suffix):
    try:
        config = load({**env, "ENVIRONMENT_SUFFIX": suffix})
    except ConfigError:
        return
    path = tmp_path_factory.mktemp("rt") / "config.json"
    path.write_text(json.dumps(to_dict(config)))
    assert load({"MIGRATION_CONFIG_FILE": str(path)}) == config
