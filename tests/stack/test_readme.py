"""The configuration reference (docs/configuration.md) and the config file's JSON Schema (docs/config.schema.json)
are generated from the schema; they must not drift."""

from __future__ import annotations

from scripts.config_reference import SCHEMA, schema_text, section
from stack.config_loading import env_names, settings
from tests.conftest import ROOT


def test_every_setting_is_documented():
    described = {path for path, info in settings().items() if info.description and len(info.description) >= 10}
    assert described == set(env_names())


def test_configuration_reference_is_current():
    assert section() in (ROOT / "docs" / "configuration.md").read_text(), \
        "run: .venv/bin/python scripts/config_reference.py --write"


def test_config_file_schema_is_current():
    assert SCHEMA.read_text() == schema_text(), "run: .venv/bin/python scripts/config_reference.py --write"


def test_the_readme_links_to_pages_that_exist():
    import re

    readme = (ROOT / "README.md").read_text()
    links = re.findall(r"\]\(([^)#]+\.md)\)", readme)
    assert len(links) >= 9 and all((ROOT / link).is_file() for link in links), links
