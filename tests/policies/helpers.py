"""Run the gate's checkov step over Terraform JSON fixtures laid out like a synth output."""

from __future__ import annotations

import json
from pathlib import Path

from policies import gate

PROVIDER = {"aws": [{"region": "us-east-1", "default_tags": [{"tags": {"EnvironmentSuffix": "fx01"}}]}]}
TAGS = {"Project": "p", "EnvironmentSuffix": "fx01", "Owner": "o", "CostCenter": "c", "ManagedBy": "cdktf"}


def write_stack(outdir: Path, stack: str, resources: dict[str, dict[str, dict]]) -> Path:
    """resources: type -> name -> body; every body gets its construct path, as CDKTF writes it."""
    for items in resources.values():
        for name, body in items.items():
            body.setdefault("//", {"metadata": {"path": f"{stack}/{name}", "uniqueId": name}})
    folder = outdir / "stacks" / stack
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cdk.tf.json").write_text(json.dumps({"provider": PROVIDER, "resource": resources}, indent=2))
    return folder


def checkov_outcomes(outdir: Path, stack_dir: Path, check_id: str) -> tuple[set[str], set[str]]:
    """(passing names, failing names) of one check over one fixture stack."""
    passing, failing = set(), set()
    for record, status in gate.run_checkov(stack_dir, load_external=True):
        if record.check_id != check_id:
            continue
        name = record.resource.rsplit(".", 1)[-1]
        (passing if status == "passed" else failing).add(name)
    return passing, failing
