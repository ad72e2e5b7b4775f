"""Both toolchains synthesize the same infrastructure: one cdk.tf.json each, compared argument by argument.

The other toolchain runs in its own virtual environment (make deps TOOLCHAIN=<other>). Without it the
comparison is skipped, except where MIGRATION_TOOLCHAINS_BOTH=1 (CI, `make compare`) makes that a failure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from foundation.toolchain import CURRENT, TOOLCHAINS
from tests.conftest import ROOT

DIFFERENCES = ROOT / "toolchains" / "differences.yaml"
VENVS = {"cdktf": ROOT / ".venv", "cdktn": ROOT / ".venv-cdktn"}


def flatten(value: object, path: str = "") -> dict[str, object]:
    """Every leaf of the document by its path (`resource.aws_vpc.vpc.cidr_block`, lists as [i])."""
    if isinstance(value, dict) and value:
        return {k: v for key, item in value.items() for k, v in flatten(item, f"{path}.{key}" if path else key).items()}
    if isinstance(value, list) and value:
        return {k: v for i, item in enumerate(value) for k, v in flatten(item, f"{path}[{i}]").items()}
    return {path: value}


def differences(by_toolchain: dict[str, dict]) -> dict[str, dict[str, object]]:
    flat = {name: flatten(document) for name, document in by_toolchain.items()}
    paths = set().union(*(f.keys() for f in flat.values()))
    missing = "<absent>"
    return {path: {name: f.get(path, missing) for name, f in flat.items()} for path in sorted(paths)
            if len({json.dumps(f.get(path, missing)) for f in flat.values()}) > 1}


@pytest.fixture(scope="module")
def both(synthesized, tmp_path_factory) -> dict[str, dict]:
    other = next(t for t in TOOLCHAINS.values() if t is not CURRENT)
    python = VENVS[other.name] / "bin" / "python"
    if not any(VENVS[other.name].glob(".deps-*")):  # the Makefile's mark of a finished install
        message = f"{other.name} is not installed: make deps TOOLCHAIN={other.name}"
        if os.environ.get("MIGRATION_TOOLCHAINS_BOTH") == "1":
            pytest.fail(message)
        pytest.skip(message)
    out = tmp_path_factory.mktemp(f"synth-{other.name}")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MIGRATION_", "ENVIRONMENT_SUFFIX"))}
    env.update(MIGRATION_TOOLCHAIN=other.name, CDKTF_OUTDIR=str(out), PYTHONPATH=str(ROOT))
    subprocess.run([str(python), "main.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
                   check=True)
    path = out / "stacks" / synthesized.config.stack_name / "cdk.tf.json"
    return {CURRENT.name: json.loads(synthesized.path.read_text()), other.name: json.loads(path.read_text())}


def test_the_same_resources_under_the_same_addresses(both):
    """State addresses are `<type>.<name>`: equal sets mean a deployed stack moves across without a replacement."""
    addresses = {name: {f"{kind}.{n}" for kind, items in doc.get("resource", {}).items() for n in items}
                 for name, doc in both.items()}
    assert addresses["cdktf"] == addresses["cdktn"]
    assert len(addresses["cdktf"]) > 100


def test_every_difference_is_reviewed(both):
    reviewed = {entry["path"]: {name: entry[name] for name in TOOLCHAINS} for entry in yaml.safe_load(DIFFERENCES.read_text())}
    assert all(len(entry["reason"]) >= 40 for entry in yaml.safe_load(DIFFERENCES.read_text()))
    found = differences(both)
    unreviewed = {p: v for p, v in found.items() if reviewed.get(p) != v}
    stale = sorted(set(reviewed) - set(found))
    assert not unreviewed, f"differences not in {DIFFERENCES.name}: {unreviewed}"
    assert not stale, f"listed in {DIFFERENCES.name} but no longer different: {stale}"


def test_the_comparison_sees_a_changed_argument():
    """The comparison itself: one argument changed on one side is one difference, at its path."""
    document = {"resource": {"aws_vpc": {"vpc": {"cidr_block": "10.20.0.0/16", "tags": {"a": "b"}}}}}
    changed = json.loads(json.dumps(document))
    changed["resource"]["aws_vpc"]["vpc"]["cidr_block"] = "10.21.0.0/16"
    assert differences({"cdktf": document, "cdktn": changed}) == {
        "resource.aws_vpc.vpc.cidr_block": {"cdktf": "10.20.0.0/16", "cdktn": "10.21.0.0/16"}}


@pytest.mark.parametrize(("name", "rule"), [("bogus", "must be one of cdktf, cdktn"),
                                            ("OTHER", "is not installed in this environment")])
def test_a_toolchain_that_cannot_be_used_is_refused_before_anything_is_written(tmp_path, name, rule):
    other = next(t for t in TOOLCHAINS.values() if t is not CURRENT)
    name = other.name if name == "OTHER" else name
    env = {**os.environ, "MIGRATION_TOOLCHAIN": name, "CDKTF_OUTDIR": str(tmp_path / "out")}
    result = subprocess.run([sys.executable, "main.py"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2, result.stderr
    assert "error: MIGRATION_TOOLCHAIN" in result.stderr and rule in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()


def test_each_environment_has_one_toolchain():
    """The two never mix: this environment holds the selected toolchain's packages and not the other's."""
    from importlib.util import find_spec

    other = next(t for t in TOOLCHAINS.values() if t is not CURRENT)
    assert find_spec(CURRENT.framework) is not None
    assert find_spec(other.framework) is None and find_spec(other.provider) is None
    assert Path(find_spec(CURRENT.framework).origin).is_relative_to(VENVS[CURRENT.name].resolve())
