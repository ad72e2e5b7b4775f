"""Tags on every taggable resource itself; every name from the catalog, carrying the suffix."""

from __future__ import annotations

from aspects.facts import REQUIRED_TAG_KEYS
from aspects.taggable import is_taggable
from stack import naming
from tests.aws_names import AWS_NAME_RULES, aws_problems, forbidden_in


def test_required_tags_on_every_taggable_resource(synthesized):
    checked = 0
    for kind, address, body in synthesized.all_resources():
        if is_taggable(kind):
            checked += 1
            assert set(REQUIRED_TAG_KEYS) <= set(body.get("tags", {})), f"{kind}.{address} lacks tags"
            assert body["tags"]["EnvironmentSuffix"] == synthesized.config.environment_suffix
    assert checked > 50


def test_every_name_carries_the_suffix_and_meets_awss_rule(synthesized):
    suffix = synthesized.config.environment_suffix
    seen = 0
    for kind, address, body in synthesized.all_resources():
        for (rtype, prop) in AWS_NAME_RULES:
            value = body.get(prop)
            if rtype != kind or not isinstance(value, str) or "${" in value:
                continue
            if kind == "aws_iam_role" and value in ("dms-vpc-role", "dms-cloudwatch-logs-role"):
                continue  # DMS looks these two up by exact name (AWS DMS user guide)
            seen += 1
            assert suffix in value, f"{kind}.{address}.{prop} = {value!r}"
            assert aws_problems(kind, prop, value) == [], f"{kind}.{address}.{prop} = {value!r}"
            assert forbidden_in(value.replace(suffix, "")) == [], f"{kind}.{address}.{prop} = {value!r}"
    assert seen > 40


def test_catalog_names_fit_their_rules_at_the_longest_suffix():
    longest = "a" * naming.max_suffix_length()
    for key in naming.CATALOG:
        naming.name(key, longest)  # raises on any broken rule
    too_long = "a" * (naming.max_suffix_length() + 1)
    broken = []
    for key in naming.CATALOG:
        try:
            naming.name(key, too_long)
        except naming.NamingError:
            broken.append(key)
    assert naming.tightest_name() in broken
