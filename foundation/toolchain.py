"""The framework and its AWS provider bindings, chosen once for the whole tree.

Two toolchains synthesize this stack: CDKTF 0.21 with its archived AWS bindings (the default), and CDK
Terrain, its maintained continuation. Each lives in its own virtual environment (`make ... TOOLCHAIN=cdktn`),
and this module picks the one installed there (`MIGRATION_TOOLCHAIN` names it when both are). The rest of
the tree imports the framework as `foundation.cdk` and the bindings as `foundation.aws.<module>`, never by a
toolchain's own package names: those two names are aliases this module registers for the chosen packages
(the same module objects, so jsii sees one assembly of each).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType

SWITCH = "MIGRATION_TOOLCHAIN"


@dataclass(frozen=True)
class Toolchain:
    name: str  # as in make TOOLCHAIN=<name> and toolchains/<name>.txt
    framework: str  # the importable framework package
    provider: str  # the importable AWS provider bindings


TOOLCHAINS = {
    "cdktf": Toolchain("cdktf", "cdktf", "cdktf_cdktf_provider_aws"),
    "cdktn": Toolchain("cdktn", "cdktn", "cdktn_provider_aws"),
}
ALIASES = {"foundation.cdk": "framework", "foundation.aws": "provider"}


class ToolchainError(RuntimeError):
    """No toolchain, or not the one asked for, is installed in this environment."""


def _installed(toolchain: Toolchain) -> bool:
    return all(importlib.util.find_spec(p) is not None for p in (toolchain.framework, toolchain.provider))


def select(environ: Mapping[str, str] = os.environ) -> Toolchain:
    """The toolchain named by MIGRATION_TOOLCHAIN, or the only one installed (CDKTF when both are)."""
    name = environ.get(SWITCH, "")
    if name:
        if name not in TOOLCHAINS:
            raise ToolchainError(f"{SWITCH}={name!r}: must be one of {', '.join(TOOLCHAINS)}")
        if not _installed(TOOLCHAINS[name]):
            raise ToolchainError(f"{SWITCH}={name}: {TOOLCHAINS[name].framework} is not installed in this "
                                 f"environment (make gate TOOLCHAIN={name} builds its own)")
        return TOOLCHAINS[name]
    for toolchain in TOOLCHAINS.values():
        if _installed(toolchain):
            return toolchain
    raise ToolchainError("neither cdktf nor cdktn is installed: run make gate (or make gate TOOLCHAIN=cdktn)")


try:
    CURRENT = select()
except ToolchainError as error:  # a user's mistake at any entry point: the rule, no traceback, nothing written
    sys.stderr.write(f"error: {error}\n")
    raise SystemExit(2) from None


def real_name(alias: str) -> str:
    """`foundation.aws.iam_role` -> `cdktf_cdktf_provider_aws.iam_role` (or the CDK Terrain package)."""
    for prefix, role in ALIASES.items():
        if alias == prefix or alias.startswith(prefix + "."):
            return getattr(CURRENT, role) + alias[len(prefix):]
    raise KeyError(alias)


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports `foundation.cdk` / `foundation.aws.*` as the chosen toolchain's own modules (one module object per name)."""

    def __init__(self) -> None:
        self.own_specs: dict[str, importlib.machinery.ModuleSpec] = {}

    def find_spec(self, fullname, path, target=None):
        try:
            real_name(fullname)
        except KeyError:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec):
        module = importlib.import_module(real_name(spec.name))
        self.own_specs[module.__name__] = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        # The import system stamped the alias's spec on the real module: give it back its own.
        module.__spec__ = self.own_specs[module.__name__]


if not any(isinstance(finder, _Alias) for finder in sys.meta_path):
    sys.meta_path.insert(0, _Alias())
