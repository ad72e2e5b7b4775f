"""Discovers the rules: one module per rule in aspects/rules/, each exposing RULE."""

from __future__ import annotations

import importlib
import pkgutil

from aspects import rules as rules_package
from aspects.engine import Rule


def load_rules() -> dict[str, Rule]:
    found: dict[str, Rule] = {}
    for info in sorted(pkgutil.iter_modules(rules_package.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{rules_package.__name__}.{info.name}")
        rule = getattr(module, "RULE", None)
        if not isinstance(rule, Rule):
            raise TypeError(f"aspects/rules/{info.name}.py defines no RULE")
        if rule.id in found:
            raise ValueError(f"rule id {rule.id} is defined twice")
        found[rule.id] = rule
    return dict(sorted(found.items()))


RULES = load_rules()
