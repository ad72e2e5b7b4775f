"""Shared fixtures: the provider is imported once per process and the default stack is synthesized once per run."""

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
# Laws whose every example synthesizes whole stacks (about half a second each) take fewer examples.
SYNTHESIZING = settings(max_examples=min(15, settings.default.max_examples))

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "lambda"))
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from foundation import provider_import  # noqa: E402

provider_import.install(load_assembly=False)

from tests.synth import Synth, synthesized_once  # noqa: E402


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Modules holding a slow test first, so parallel processes start them early instead of ending on one
    (make test hands out whole modules in collection order)."""
    slow = {item.module.__name__ for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.module.__name__ not in slow)  # stable: a module's tests stay together


@pytest.fixture(scope="session")
def run_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory every process of this test run shares (pytest-xdist gives each worker its own below it)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def synthesized(run_base: Path) -> Synth:
    """The default configuration's stack, synthesized once per run."""
    from stack.config import Config

    return synthesized_once([Config()], "synth", run_base)[0]


@pytest.fixture(scope="session")
def postgres():
    """The throwaway PostgreSQL cluster on loopback (the suite's SQL runs for real), one per test process."""
    from tests.pg import shared

    return shared()


@pytest.fixture(scope="session")
def samples() -> dict[str, dict]:
    folder = ROOT.parent / "shared" / "samples" / "events"
    if not folder.is_dir():
        folder = ROOT / "tests" / "fixtures" / "events"
    return {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))}


@pytest.fixture(scope="session")
def variants(run_base: Path) -> dict[str, Synth]:
    """The optional parts switched on, all synthesized together in one App."""
    from stack.config_loading import load

    envs = {
        "existing-vpc": {"ENVIRONMENT_SUFFIX": "var01", "MIGRATION_NETWORK_PRODUCTION_VPC_ID": "vpc-0a1b2c3d4e5f60718",
                         "MIGRATION_NETWORK_PRODUCTION_ROUTE_TABLE_IDS": "rtb-0a1b2c3d4e5f60718,rtb-1a1b2c3d4e5f60718",
                         "MIGRATION_NETWORK_ONPREM_TRANSIT_GATEWAY_ID": "tgw-0a1b2c3d4e5f60718",
                         "MIGRATION_NETWORK_AVAILABILITY_ZONES": "us-east-1b,us-east-1c,us-east-1d"},
        "account-roles": {"ENVIRONMENT_SUFFIX": "var02", "MIGRATION_MIGRATION_CREATE_DMS_ACCOUNT_ROLES": "true",
                          "MIGRATION_DNS_PRIVATE_ZONE": "false", "MIGRATION_STATE_BUCKET": "tfstate-payments",
                          "MIGRATION_STATE_KMS_KEY_ARN":
                              "arn:aws:kms:us-east-1:111122223333:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"},
    }
    configs = {name: load(env) for name, env in envs.items()}
    synths = synthesized_once(list(configs.values()), "variants", run_base)
    return dict(zip(configs, synths, strict=True))
