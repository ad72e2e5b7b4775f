"""The README's configuration table is generated from the config; it must not drift."""

from __future__ import annotations

from scripts.config_table import section
from stack.config import DOCS, env_names
from tests.conftest import ROOT


def test_every_setting_is_documented():
    assert set(DOCS) == set(env_names())


def test_readme_table_is_current():
    assert section() in (ROOT / "README.md").read_text(), "run: .venv/bin/python scripts/config_table.py --write README.md"
