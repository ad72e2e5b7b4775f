"""Each weighted name is one pair: same type, TTL and zone, the on-prem record at 100 and the Aurora record at 0
at deploy."""

from aspects.engine import Resource, Rule, Severity, Violation, first

ONPREM, AURORA = "onprem", "aurora"  # the set identifiers the controller shifts between


def _weight(record: Resource) -> object:
    return (first(record.get("weighted_routing_policy")) or {}).get("weight")


def check(r: Resource):
    pair = [o for o in r.others("aws_route53_record")
            if o.get("weighted_routing_policy") and o.get("name") == r.get("name")]
    if not r.get("weighted_routing_policy") or pair[0].name != r.name:
        return None  # each pair is judged once, on its first record
    out = []
    by_id = {o.get("set_identifier"): o for o in pair}
    if len(pair) != 2 or set(by_id) != {ONPREM, AURORA}:
        out.append(Violation("set_identifier", f"{r.get('name')}: records {sorted(map(str, by_id))}; expected exactly "
                                               f"{ONPREM!r} and {AURORA!r}"))
        return out
    for key in ("type", "ttl", "zone_id"):
        if len({str(o.get(key)) for o in pair}) != 1:
            out.append(Violation(key, f"{r.get('name')}: the two records differ in {key}"))
    weights = {set_id: _weight(o) for set_id, o in by_id.items()}
    if weights != {ONPREM: 100, AURORA: 0}:
        out.append(Violation("weighted_routing_policy", f"{r.get('name')}: weights {weights}; the migration starts "
                                                        f"with {ONPREM} at 100 and {AURORA} at 0"))
    return out


RULE = Rule(
    id="MIG-DNS-001", statement=" ".join(__doc__.split()), severity=Severity.ERROR,
    resource_types=frozenset({"aws_route53_record"}),
    rationale="Records of one name with different TTLs or types are rejected; any weight on Aurora at deploy "
              "sends payments to an empty database, and swapped weights are exactly that.",
    fix="create both pairs from stack/constructs/dns.py", check=check, suppressible=False)
