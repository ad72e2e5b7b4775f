"""The cutover controller's own contract, loaded from lambda/ so the stack never restates it.

The function's environment variable names and numeric limits (cutover.settings) and its initial
checkpoints (cutover.models) are defined once, by the code that reads them. `lambda` is not an
importable package name, so the `cutover` package is loaded from its folder.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "lambda" / "cutover"


def _module(name: str) -> ModuleType:
    if "cutover" not in sys.modules:
        spec = importlib.util.spec_from_file_location("cutover", PACKAGE_DIR / "__init__.py",
                                                      submodule_search_locations=[str(PACKAGE_DIR)])
        package = importlib.util.module_from_spec(spec)
        sys.modules["cutover"] = package
        spec.loader.exec_module(package)
    return importlib.import_module(f"cutover.{name}")


settings = _module("settings")
models = _module("models")

Settings = settings.Settings
LIMITS: dict[str, tuple[int, int]] = settings.LIMITS
# The metrics the controller publishes on its log lines (embedded metric format), graphed and alarmed on.
CUTOVER_METRICS: str = models.METRICS_NAMESPACE
PHASE_CODES: dict[str, int] = {phase.value: code for phase, code in models.PHASE_CODES.items()}


def initial_state() -> str:
    """The checkpoint the stack writes once: the controller's own default state."""
    return models.INITIAL_STATE.to_json()


def initial_event_record() -> str:
    return models.event_record()
