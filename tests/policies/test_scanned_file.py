"""How a twin finds the file checkov is scanning: checkov's documented inputs only (the scanned path relative to
the scan's root; that root from the command line, the config file or the in-process caller; the resource's
CDKTF metadata confirming the file), never checkov's internals; when that is not enough, it fails closed."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from aspects.registry import RULES
from policies import gate, twin
from tests.conftest import ROOT
from tests.policies.test_by_hand import CHECKOV


def stack_copy(document: dict, folder: Path, prefix: str | None = None, edit=None) -> Path:
    """The synthesized stack written to folder/cdk.tf.json, its construct paths under `prefix`, edited."""
    text = json.dumps(document, indent=2)
    if prefix:
        text = text.replace('"migration-sbx01/', f'"{prefix}/')
    copy = json.loads(text)
    if edit:
        edit(copy)
    folder.mkdir(parents=True)
    (folder / "cdk.tf.json").write_text(json.dumps(copy, indent=2))
    return folder


def backtrack(document: dict) -> None:
    next(iter(document["resource"]["aws_rds_cluster"].values()))["backtrack_window"] = 3600


def cli(*args: str, cwd: Path) -> dict:
    out = cwd / "reports"
    subprocess.run([CHECKOV, "--framework", "terraform_json", "--external-checks-dir", str(ROOT / "policies" / "checks"),
                    "--skip-download", "-o", "json", "--output-file-path", str(out), *args],
                   cwd=cwd, capture_output=True, text=True, timeout=600)
    report = json.loads((out / "results_json.json").read_text())
    return report if isinstance(report, dict) else report[0]


def failed_by_file(report: dict, check_id: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for r in report["results"]["failed_checks"]:
        if r["check_id"] == check_id:
            out.setdefault(r["file_path"], set()).add(r["resource"])
    return out


def test_the_roots_come_from_the_command_line_and_the_config_file(tmp_path):
    for folder in ("a", "b", "c", "d"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "cdk.tf.json").write_text("{}")
    (tmp_path / ".checkov.yaml").write_text("directory:\n  - c\n")
    argv = ["checkov", "-d", "a", "--directory=b"]
    found = {p.parent.name for p in twin.candidates("/cdk.tf.json", argv, tmp_path)}
    assert found == {"a", "b", "c"}  # d was not named anywhere
    with twin.scanning(tmp_path / "d"):
        assert [p.parent.name for p in twin.candidates("/cdk.tf.json", argv, tmp_path)] == ["d"]


def test_two_stacks_scanned_together_are_each_judged_on_their_own_file(synthesized, tmp_path):
    edited = stack_copy(synthesized.document, tmp_path / "one", edit=backtrack)
    clean = stack_copy(synthesized.document, tmp_path / "two", prefix="other-stack")
    report = cli("-d", str(edited), "-d", str(clean), cwd=tmp_path)
    failed = failed_by_file(report, "MIG-ENG-001")
    assert list(failed) == ["/cdk.tf.json"] and len(failed["/cdk.tf.json"]) == 1
    assert not any("cannot locate" in " ".join(r.get("details") or []) for r in report["results"]["failed_checks"])


def test_two_identical_stacks_under_one_name_fail_closed(synthesized, tmp_path):
    """Two copies of one stack, one of them edited: a twin cannot tell which one checkov handed it, so it
    fails rather than judge the wrong file."""
    stack_copy(synthesized.document, tmp_path / "one", edit=backtrack)
    stack_copy(synthesized.document, tmp_path / "two")
    report = cli("-d", str(tmp_path / "one"), "-d", str(tmp_path / "two"), cwd=tmp_path)
    details = [" ".join(r.get("details") or []) for r in report["results"]["failed_checks"] if r["check_id"] in RULES]
    assert details and all("ambiguous" in d for d in details)
    assert not [r for r in report["results"]["passed_checks"] if r["check_id"] in RULES]


def test_an_in_process_run_without_a_declared_root_fails_closed(synthesized, tmp_path, monkeypatch):
    from checkov.runner_filter import RunnerFilter
    from checkov.terraform_json.runner import TerraformJsonRunner

    folder = stack_copy(synthesized.document, tmp_path / "stack")
    monkeypatch.chdir(tmp_path.parent)
    report = TerraformJsonRunner().run(root_folder=str(folder), external_checks_dir=[str(gate.CHECKS_DIR)],
                                       runner_filter=RunnerFilter(framework=["terraform_json"], show_progress_bar=False))
    ours = [r for r in report.failed_checks if r.check_id == "MIG-ENC-001"]
    assert ours and all("found nowhere" in " ".join(r.details) for r in ours)
    assert not [r for r in report.passed_checks if r.check_id == "MIG-ENC-001"]


@pytest.mark.parametrize("marker", ["currentframe", "f_locals", "f_back", "_getframe", "import inspect"])
def test_the_twins_read_no_interpreter_frames(marker):
    assert marker not in (ROOT / "policies" / "twin.py").read_text()
