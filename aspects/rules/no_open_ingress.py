"""No security group accepts traffic from anywhere (0.0.0.0/0 or ::/0), and no subnet hands out public IPs."""

from aspects.engine import Resource, Rule, Severity, Violation

OPEN = {"0.0.0.0/0", "::/0"}


def check(r: Resource):
    if r.type == "aws_subnet":
        public = r.get("map_public_ip_on_launch") is True
        return [Violation("map_public_ip_on_launch", "subnet assigns public IPs")] if public else []
    if r.type == "aws_vpc_security_group_ingress_rule":
        cidrs = {r.get("cidr_ipv4"), r.get("cidr_ipv6")}
        return [Violation("cidr", "ingress from anywhere")] if cidrs & OPEN else []
    out = []
    for rule in r.get("ingress") or []:
        if set(rule.get("cidr_blocks") or []) & OPEN or set(rule.get("ipv6_cidr_blocks") or []) & OPEN:
            out.append(Violation("ingress", f"port {rule.get('from_port')} open to anywhere"))
    return out


RULE = Rule(
    id="MIG-PUB-002", statement=__doc__.strip(), severity=Severity.ERROR,
    resource_types=frozenset({"aws_security_group", "aws_default_security_group", "aws_vpc_security_group_ingress_rule",
                              "aws_subnet"}),
    rationale="Every path into the migration is private: peering, VPN or transit gateway.",
    fix="restrict ingress to the production VPC, DMS or on-prem CIDRs", check=check, suppressible=False)
