"""Every taggable resource carries the required tags on the resource itself."""

from aspects.engine import Resource, Rule, Severity, Violation
from aspects.facts import REQUIRED_TAG_KEYS


def check(r: Resource):
    if not r.taggable:
        return None
    tags = r.get("tags") or {}
    missing = [k for k in REQUIRED_TAG_KEYS if not tags.get(k)]
    out = [Violation("tags", f"missing {', '.join(missing)}")] if missing else []
    if tags.get("EnvironmentSuffix") and tags["EnvironmentSuffix"] != r.suffix:
        out.append(Violation("tags.EnvironmentSuffix", f"{tags['EnvironmentSuffix']!r} is not {r.suffix!r}"))
    return out


RULE = Rule(
    id="MIG-TAG-001", statement=__doc__.strip(), severity=Severity.ERROR, resource_types=frozenset(),
    all_resources=True,
    rationale="Cost allocation and ownership; provider default_tags are invisible in cdk.tf.json and to checkov.",
    fix=f"set tags {', '.join(REQUIRED_TAG_KEYS)} (the stack's RequiredTags aspect does this)", check=check)
