"""The configuration reference (docs/configuration.md) is generated from the config; it must not drift."""

from __future__ import annotations

from scripts.config_table import section
from stack.config import DOCS, env_names
from tests.conftest import ROOT


def test_every_setting_is_documented():
    assert set(DOCS) == set(env_names())


def test_configuration_reference_is_current():
    assert section() in (ROOT / "docs" / "configuration.md").read_text(), \
        "run: .venv/bin/python scripts/config_table.py --write docs/configuration.md"


def test_the_readme_links_to_pages_that_exist():
    import re

    readme = (ROOT / "README.md").read_text()
    links = re.findall(r"\]\(([^)#]+\.md)\)", readme)
    assert len(links) >= 9 and all((ROOT / link).is_file() for link in links), links
