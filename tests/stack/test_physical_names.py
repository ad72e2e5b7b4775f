"""Every name-like attribute of the synthesized stack is either a physical name that carries the suffix, or is
listed as no physical name with its reason; a new attribute of either kind cannot slip through unjudged."""

from __future__ import annotations

from aspects import names

SKIPPED_KEYS = {"//", "tags", "tags_all", "depends_on", "lifecycle", "provider"}


def name_like(kind: str, prefix: str, body: dict):
    for key, value in body.items():
        if key in SKIPPED_KEYS:
            continue
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from name_like(kind, f"{path}.", value)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    yield from name_like(kind, f"{path}.", item)
        elif isinstance(value, str) and "${" not in value and (
                key == "name" or key.endswith(("_name", "_id", "identifier"))):
            yield kind, path, value


def test_every_name_like_attribute_is_judged(synthesized, variants):
    for synth in (synthesized, *variants.values()):
        suffix = synth.config.environment_suffix
        for kind, items in synth.document["resource"].items():
            for body in items.values():
                for _, path, value in name_like(kind, "", body):
                    if (kind, path) in names.NAME_PROPERTIES:
                        exempt = kind == "aws_iam_role" and value in names.FIXED_ACCOUNT_ROLES
                        assert exempt or suffix in value, (kind, path, value)
                    else:
                        assert (kind, path) in names.NOT_PHYSICAL_NAMES, f"{kind}.{path}={value!r} is unjudged"


def test_every_exemption_has_a_reason():
    assert all(len(reason) >= 10 for reason in names.NOT_PHYSICAL_NAMES.values())
    assert not set(names.NOT_PHYSICAL_NAMES) & set(names.NAME_PROPERTIES)
