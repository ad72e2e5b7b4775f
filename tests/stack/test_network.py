"""Network: private subnets in 3 zones, peering both ways, flow logs, closed default SG, endpoints."""

from __future__ import annotations

import ipaddress


def test_three_private_subnets_in_distinct_zones(synthesized):
    subnets = synthesized.resources("aws_subnet")
    assert len(subnets) == 3
    assert len({s["availability_zone"] for s in subnets}) == 3
    assert all(s["map_public_ip_on_launch"] is False for s in subnets)
    vpc_cidr = ipaddress.ip_network(synthesized.config.network.migration_vpc_cidr)
    blocks = [ipaddress.ip_network(s["cidr_block"]) for s in subnets]
    assert all(b.subnet_of(vpc_cidr) for b in blocks)
    assert not any(a.overlaps(b) for i, a in enumerate(blocks) for b in blocks[i + 1:])


def test_no_route_to_the_internet(synthesized):
    assert not synthesized.resources("aws_internet_gateway")
    assert not synthesized.resources("aws_nat_gateway")
    for route in synthesized.resources("aws_route"):
        assert route["destination_cidr_block"] != "0.0.0.0/0"


def test_peering_routes_both_ways_with_dns_resolution(synthesized):
    net = synthesized.config.network
    peering = synthesized.one("aws_vpc_peering_connection")
    assert peering["auto_accept"] is True
    options = synthesized.one("aws_vpc_peering_connection_options")
    assert options["requester"]["allow_remote_vpc_dns_resolution"] is True
    assert options["accepter"]["allow_remote_vpc_dns_resolution"] is True
    destinations = {r["destination_cidr_block"] for r in synthesized.resources("aws_route")
                    if "vpc_peering_connection_id" in r}
    assert destinations == {net.production_vpc_cidr, net.migration_vpc_cidr}


def test_flow_logs_of_both_vpcs_to_encrypted_group(synthesized):
    flows = synthesized.resources("aws_flow_log")
    vpcs = {f"${{aws_vpc.{name}.id}}" for name, _ in synthesized.resource_items("aws_vpc")}
    assert {f["vpc_id"] for f in flows} == vpcs
    assert all(f["traffic_type"] == "ALL" and f["log_destination_type"] == "cloud-watch-logs" for f in flows)
    groups = [g for g in synthesized.resources("aws_cloudwatch_log_group") if "flow-logs" in g["name"]]
    assert len(groups) == 1 and groups[0]["kms_key_id"].startswith("${aws_kms_key.")


def test_default_security_groups_allow_nothing(synthesized):
    defaults = synthesized.resources("aws_default_security_group")
    assert len(defaults) == 2  # migration VPC and the production VPC created here
    assert all(d["ingress"] == [] and d["egress"] == [] for d in defaults)


def test_interface_endpoints_for_apis_called_inside_the_vpc(synthesized):
    endpoints = synthesized.resources("aws_vpc_endpoint")
    services = {e["service_name"].rsplit(".", 1)[1] for e in endpoints}
    assert services == {"secretsmanager", "kms", "logs"}
    assert all(e["private_dns_enabled"] is True and e["vpc_endpoint_type"] == "Interface" for e in endpoints)
    region = synthesized.config.region
    assert all(e["service_name"] == f"com.amazonaws.{region}.{e['service_name'].rsplit('.', 1)[1]}" for e in endpoints)


def test_onprem_path_is_a_vpn_gateway_by_default(synthesized):
    assert synthesized.one("aws_vpn_gateway")
    assert synthesized.one("aws_vpn_gateway_route_propagation")
