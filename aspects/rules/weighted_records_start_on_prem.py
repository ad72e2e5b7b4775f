"""The weighted records form one pair: same name, type and TTL, weights 100 (on-prem) and 0 (Aurora) at deploy."""

from aspects.engine import Resource, Rule, Severity, Violation, first


def check(r: Resource):
    weighted = [o for o in r.others("aws_route53_record") if o.get("weighted_routing_policy")]
    if not r.get("weighted_routing_policy") or weighted[0].name != r.name:
        return None  # the pair is judged once, on its first record
    out = []
    if len(weighted) != 2:
        out.append(Violation("weighted_routing_policy", f"{len(weighted)} weighted records; expected on-prem and Aurora"))
    for key in ("name", "type", "ttl", "zone_id"):
        if len({str(o.get(key)) for o in weighted}) != 1:
            out.append(Violation(key, f"weighted records differ in {key}"))
    weights = sorted((first(o.get("weighted_routing_policy")) or {}).get("weight") for o in weighted)
    if weights != [0, 100]:
        out.append(Violation("weighted_routing_policy", f"weights {weights}; the migration starts at 100/0"))
    return out


RULE = Rule(
    id="MIG-DNS-001", statement=__doc__.strip(), severity=Severity.ERROR,
    resource_types=frozenset({"aws_route53_record"}),
    rationale="Records of one name with different TTLs or types are rejected; any weight on Aurora at deploy "
              "sends payments to an empty database.",
    fix="create both records from stack/constructs/dns.py", check=check, suppressible=False)
