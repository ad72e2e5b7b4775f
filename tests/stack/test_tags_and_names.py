"""Tags on every taggable resource itself; every name from the catalog, carrying the suffix."""

from __future__ import annotations

from aspects.taggable import is_taggable
from stack import naming
from stack.config import REQUIRED_TAG_KEYS

# Name-like properties per resource type (DESIGN.md's list), as Terraform spells them.
NAME_PROPERTIES = ("name", "identifier", "cluster_identifier", "replication_instance_id", "endpoint_id",
                   "replication_task_id", "replication_subnet_group_id", "function_name", "dashboard_name",
                   "alarm_name", "resource_identifier")
# DNS names are the applications' connection string, chosen by the operator, not AWS resource names.
NOT_RESOURCE_NAMES = {("aws_route53_zone", "name"), ("aws_route53_record", "name"),
                      ("aws_iam_role_policy", "name"), ("aws_rds_cluster_parameter_group", "parameter")}


def test_required_tags_on_every_taggable_resource(synthesized):
    checked = 0
    for kind, address, body in synthesized.all_resources():
        if is_taggable(kind):
            checked += 1
            assert set(REQUIRED_TAG_KEYS) <= set(body.get("tags", {})), f"{kind}.{address} lacks tags"
            assert body["tags"]["EnvironmentSuffix"] == synthesized.config.environment_suffix
    assert checked > 50


def test_every_name_carries_the_suffix(synthesized):
    suffix = synthesized.config.environment_suffix
    seen = 0
    for kind, address, body in synthesized.all_resources():
        for prop in NAME_PROPERTIES:
            value = body.get(prop)
            if not isinstance(value, str) or "${" in value or (kind, prop) in NOT_RESOURCE_NAMES:
                continue
            if value in naming.FIXED_ACCOUNT_ROLES:
                continue
            seen += 1
            assert suffix in value, f"{kind}.{address}.{prop} = {value!r}"
            assert not naming.forbidden_words(value), f"{kind}.{address}.{prop} = {value!r}"
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
