"""Shared fixtures: the provider is imported once and the default stack is synthesized once per session."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# quick for local runs; ci is thorough and derandomized, so a red CI run replays exactly.
settings.register_profile("quick", max_examples=10, deadline=None)
settings.register_profile("ci", max_examples=40, deadline=None, derandomize=True, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "quick"))

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "lambda"))
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from stack import provider_import  # noqa: E402

provider_import.install()

from tests.synth import Synth, synth_configs  # noqa: E402


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """The default configuration's stack, synthesized once."""
    from stack.config import Config

    return synth_configs([Config()], tmp_path_factory.mktemp("synth"))[0]


@pytest.fixture(scope="session")
def samples() -> dict[str, dict]:
    folder = ROOT.parent / "shared" / "samples" / "events"
    if not folder.is_dir():
        folder = ROOT / "tests" / "fixtures" / "events"
    return {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))}
