"""Every name-like property carries the environment suffix, fits its AWS rules, and names no environment,
region or account.

Exemption: the DMS account roles dms-vpc-role and dms-cloudwatch-logs-role must have exactly these names
(DMS looks them up by name, once per account), so they cannot carry a suffix.
"""

from aspects import names
from aspects.engine import Resource, Rule, Severity, Violation


def check(r: Resource):
    properties = [(prop, kind) for (rtype, prop), kind in names.NAME_PROPERTIES.items() if rtype == r.type]
    out = []
    for prop, kind in properties:
        value = r.get(prop)
        if not isinstance(value, str) or "${" in value:
            continue
        if r.type == "aws_iam_role" and value in names.FIXED_ACCOUNT_ROLES:
            continue
        if r.suffix not in value:
            out.append(Violation(prop, f"{value!r} does not contain the suffix {r.suffix!r}"))
        out.extend(Violation(prop, p) for p in names.RULES[kind].problems(value))
        words = names.forbidden_words(value.replace(r.suffix, ""))
        if words:
            out.append(Violation(prop, f"{value!r} contains {', '.join(words)}"))
    return out


RULE = Rule(
    id="MIG-NAM-001", statement=" ".join(__doc__.split("\n\n")[0].split()), severity=Severity.ERROR,
    resource_types=frozenset(rtype for rtype, _ in names.NAME_PROPERTIES),
    rationale="Several environments share accounts; a name without the suffix collides or is destroyed by another.",
    fix="take the name from stack.naming.name(key, suffix)", check=check)
