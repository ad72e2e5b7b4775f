"""Synthesize stacks in one App and read the result the way Terraform (and checkov) will."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from stack.config import Config


@dataclass(frozen=True)
class Synth:
    config: Config
    path: Path
    document: dict

    def resources(self, kind: str) -> list[dict]:
        return list(self.document.get("resource", {}).get(kind, {}).values())

    def resource_items(self, kind: str) -> list[tuple[str, dict]]:
        return list(self.document.get("resource", {}).get(kind, {}).items())

    def one(self, kind: str) -> dict:
        found = self.resources(kind)
        assert len(found) == 1, f"expected one {kind}, found {len(found)}"
        return found[0]

    def function(self, role: str) -> dict:
        """The controller (`cutover`: its environment names the checkpoint) or the `fence` function."""
        found = [f for f in self.resources("aws_lambda_function")
                 if ("STATE_PARAMETER" in f.get("environment", {}).get("variables", {})) == (role == "cutover")]
        assert len(found) == 1, f"expected one {role} function, found {len(found)}"
        return found[0]

    def all_resources(self) -> list[tuple[str, str, dict]]:
        return [(kind, name, body) for kind, items in self.document.get("resource", {}).items()
                for name, body in items.items()]

    @property
    def outputs(self) -> dict:
        return self.document.get("output", {})


def synth_configs(configs: list[Config], outdir: Path) -> list[Synth]:
    """One App, one stack per config: the provider import and jsii start-up are paid once."""
    from foundation.cdk import App
    from stack.migration_stack import MigrationStack

    app = App(outdir=str(outdir))
    for config in configs:
        MigrationStack(app, config.stack_name, config=config)
    app.synth()
    return read_synths(configs, outdir)


def read_synths(configs: list[Config], outdir: Path) -> list[Synth]:
    """The stacks of `configs` as an earlier synth wrote them to `outdir`."""
    out = []
    for config in configs:
        path = outdir / "stacks" / config.stack_name / "cdk.tf.json"
        out.append(Synth(config=config, path=path, document=json.loads(path.read_text())))
    return out


def synthesized_once(configs: list[Config], name: str, base: Path) -> list[Synth]:
    """Synthesized once per test run, however many processes run the tests: the first to take the lock
    synthesizes into `base`/`name`, which every process of the run shares; the others read what it wrote."""
    from filelock import FileLock

    outdir = base / name
    with FileLock(str(base / f"{name}.lock")):
        done = outdir / ".synthesized"
        if not done.exists():
            synth_configs(configs, outdir)
            done.touch()
    return read_synths(configs, outdir)
