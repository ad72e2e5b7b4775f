"""Import only the AWS provider bindings the stack uses.

The package `__init__` of the AWS bindings (either toolchain's) imports every resource submodule, which is
most of a stock synth's wall time. Registering a light package object first (its path, and the jsii
assembly) lets each `import foundation.aws.<module>` load just that module. The output is
byte-identical (tests compare both paths); MIGRATION_FAST_IMPORT=0 turns it off.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import types

from foundation.toolchain import CURRENT

PACKAGE = CURRENT.provider
SWITCH = "MIGRATION_FAST_IMPORT"


def enabled() -> bool:
    return os.environ.get(SWITCH, "1") != "0"


def install(load_assembly: bool = True) -> bool:
    """Register the light package unless it is switched off or the real one is already loaded.

    Without `load_assembly` the jsii assembly loads with the first provider module imported, so a process
    that never builds a stack (the integration suite) never pays for it."""
    if not enabled() or PACKAGE in sys.modules:
        return False
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return False
    package = types.ModuleType(PACKAGE)
    package.__path__ = list(spec.submodule_search_locations)
    package.__file__ = spec.origin
    package.__package__ = PACKAGE
    package.__spec__ = spec
    sys.modules[PACKAGE] = package
    if not load_assembly:
        return True
    try:
        importlib.import_module(f"{PACKAGE}._jsii")  # loads the jsii assembly every submodule needs
    except Exception:
        del sys.modules[PACKAGE]
        raise
    return True
