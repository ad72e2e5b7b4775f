"""The weighted names, zone and set identifiers in the cutover controller's environment are the stack's two
weighted pairs."""

from aspects.controller import environment, setting
from aspects.engine import Resource, Rule, Severity, Violation


def check(r: Resource):
    variables = environment(r)
    if variables is None:
        return None
    zone = setting(variables, "hosted_zone_id")
    ids = {setting(variables, "onprem_set_id"), setting(variables, "aurora_set_id")}
    out = []
    for field in ("record_name", "reader_record_name"):
        name = setting(variables, field).rstrip(".")
        pair = [o for o in r.others("aws_route53_record") if o.get("weighted_routing_policy")
                and str(o.get("name", "")).rstrip(".") == name and o.get("zone_id") == zone]
        if {o.get("set_identifier") for o in pair} != ids or len(pair) != 2:
            out.append(Violation(f"environment.{field.upper()}", f"{name!r} in zone {zone!r} is not a weighted pair "
                                                                 f"{sorted(ids)} of this stack"))
    if setting(variables, "record_name") == setting(variables, "reader_record_name"):
        out.append(Violation("environment.READER_RECORD_NAME", "the same name as the writer's"))
    return out


RULE = Rule(
    id="MIG-CTL-007", statement=" ".join(__doc__.split()), severity=Severity.ERROR,
    resource_types=frozenset({"aws_lambda_function"}),
    rationale="The controller shifts exactly the names it is given: another name moves traffic nobody watches, "
              "and the applications' names stay where they were while the checkpoint says otherwise.",
    fix="the names and zone from stack/constructs/dns.py", check=check, suppressible=False)
