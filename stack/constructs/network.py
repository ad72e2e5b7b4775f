"""The migration VPC, its private subnets, the path to on-prem, and peering with the production VPC.

No subnet has a route to the internet: AWS APIs are reached through VPC endpoints, on-prem through a
transit gateway or a virtual private gateway, and the applications through peering.
"""

from __future__ import annotations

import ipaddress

from constructs import Construct

from foundation.aws.cloudwatch_log_group import CloudwatchLogGroup
from foundation.aws.data_aws_availability_zones import (
    DataAwsAvailabilityZones,
    DataAwsAvailabilityZonesFilter,
)
from foundation.aws.default_security_group import DefaultSecurityGroup
from foundation.aws.ec2_transit_gateway_vpc_attachment import Ec2TransitGatewayVpcAttachment
from foundation.aws.flow_log import FlowLog
from foundation.aws.iam_role import IamRole
from foundation.aws.iam_role_policy import IamRolePolicy
from foundation.aws.route import Route
from foundation.aws.route_table import RouteTable
from foundation.aws.route_table_association import RouteTableAssociation
from foundation.aws.security_group import SecurityGroup
from foundation.aws.subnet import Subnet
from foundation.aws.vpc import Vpc
from foundation.aws.vpc_endpoint import VpcEndpoint
from foundation.aws.vpc_peering_connection import VpcPeeringConnection
from foundation.aws.vpc_peering_connection_options import VpcPeeringConnectionOptions
from foundation.aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from foundation.aws.vpn_gateway import VpnGateway
from foundation.aws.vpn_gateway_route_propagation import VpnGatewayRoutePropagation
from foundation.cdk import Fn
from stack import iam, naming
from stack.config import NetworkConfig
from stack.iam import Account

# Interface endpoints for the APIs called from inside the VPC: DMS reads its endpoint secrets
# (Secrets Manager, KMS) and writes task logs (CloudWatch Logs).
INTERFACE_ENDPOINTS = ("secretsmanager", "kms", "logs")


class Network(Construct):
    def __init__(self, scope: Construct, id_: str, *, suffix: str, settings: NetworkConfig, account: Account,
                 logs_key_arn: str):
        super().__init__(scope, id_)
        self.cidr = settings.migration_vpc_cidr
        self.production_cidr = settings.production_vpc_cidr
        self.onprem_cidr = settings.onprem_cidr

        self.vpc = Vpc(self, "vpc", cidr_block=settings.migration_vpc_cidr, enable_dns_support=True,
                       enable_dns_hostnames=True, tags={"Name": naming.name("migration_vpc", suffix)})
        DefaultSecurityGroup(self, "vpc-default-sg", vpc_id=self.vpc.id, ingress=[], egress=[])

        self.zones = self._zones(settings, account.region)

        blocks = list(ipaddress.IPv4Network(settings.migration_vpc_cidr).subnets(prefixlen_diff=2))[:3]
        self.route_table = RouteTable(self, "private-routes", vpc_id=self.vpc.id,
                                      tags={"Name": naming.name("subnet", suffix)})
        self.subnets = []
        for index, (zone, block) in enumerate(zip(self.zones, blocks, strict=True)):
            subnet = Subnet(self, f"private-{index}", vpc_id=self.vpc.id, cidr_block=str(block),
                            availability_zone=zone, map_public_ip_on_launch=False,
                            tags={"Name": f"{naming.name('subnet', suffix)}-{index + 1}"})
            RouteTableAssociation(self, f"private-{index}-routes", subnet_id=subnet.id,
                                  route_table_id=self.route_table.id)
            self.subnets.append(subnet)
        self.subnet_ids = [s.id for s in self.subnets]

        self._endpoints(suffix, account)
        self._onprem(suffix, settings)
        self._peering(suffix, settings)
        self._flow_logs(suffix, settings, account, logs_key_arn)

    def _zones(self, settings: NetworkConfig, region: str) -> list[str]:
        if settings.availability_zones:
            return list(settings.availability_zones)
        # An allowlist of zone names: the set cannot silently grow (or reorder subnets) when AWS adds a zone.
        available = DataAwsAvailabilityZones(self, "zones", state="available", filter=[
            DataAwsAvailabilityZonesFilter(name="zone-name", values=[f"{region}{z}" for z in "abcdef"]),
            DataAwsAvailabilityZonesFilter(name="opt-in-status", values=["opt-in-not-required"])])
        return [Fn.element(available.names, i) for i in range(3)]

    def _flow_logs(self, suffix: str, settings: NetworkConfig, account: Account, logs_key_arn: str) -> None:
        group = CloudwatchLogGroup(self, "flow-logs", name=naming.name("flow_log_group", suffix),
                                   retention_in_days=settings.flow_log_retention_days, kms_key_id=logs_key_arn)
        role = IamRole(self, "flow-logs-role", name=naming.name("flow_log_role", suffix),
                       assume_role_policy=iam.trust("vpc-flow-logs.amazonaws.com", source_account=account.account_id))
        IamRolePolicy(self, "flow-logs-policy", role=role.id, name=naming.name("flow_log_policy", suffix),
                      policy=iam.document(
            iam.allow("DeliverToOneLogGroup",
                      ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                      [group.arn, f"{group.arn}:*"])))
        vpcs = {"flow-log": self.vpc.id}
        if not settings.production_vpc_id:  # an existing production VPC keeps the flow logs its owners set up
            vpcs["production-flow-log"] = self.production_vpc_id
        for id_, vpc_id in vpcs.items():
            FlowLog(self, id_, vpc_id=vpc_id, traffic_type="ALL", log_destination_type="cloud-watch-logs",
                    log_destination=group.arn, iam_role_arn=role.arn, max_aggregation_interval=60)

    def _endpoints(self, suffix: str, account: Account) -> None:
        self.endpoint_sg = SecurityGroup(self, "endpoint-sg", name=naming.name("endpoint_sg", suffix),
                                         description="HTTPS from the migration VPC to AWS API endpoints",
                                         vpc_id=self.vpc.id, tags={"Name": naming.name("endpoint_sg", suffix)})
        VpcSecurityGroupIngressRule(self, "endpoint-https", security_group_id=self.endpoint_sg.id,
                                    ip_protocol="tcp", from_port=443, to_port=443, cidr_ipv4=self.cidr,
                                    description="HTTPS from the migration VPC")
        for service in INTERFACE_ENDPOINTS:
            VpcEndpoint(self, f"endpoint-{service}", vpc_id=self.vpc.id, vpc_endpoint_type="Interface",
                        service_name=f"com.amazonaws.{account.region}.{service}", private_dns_enabled=True,
                        subnet_ids=self.subnet_ids, security_group_ids=[self.endpoint_sg.id],
                        tags={"Name": f"{naming.name('endpoint_sg', suffix)}-{service}"})

    def _onprem(self, suffix: str, settings: NetworkConfig) -> None:
        """The peering cannot carry on-prem traffic (no transitive routing), so the VPC gets its own path."""
        if settings.onprem_transit_gateway_id:
            attachment = Ec2TransitGatewayVpcAttachment(
                self, "onprem-tgw", transit_gateway_id=settings.onprem_transit_gateway_id, vpc_id=self.vpc.id,
                subnet_ids=self.subnet_ids, dns_support="enable",
                tags={"Name": naming.name("vpn_gateway", suffix)})
            Route(self, "onprem-route", route_table_id=self.route_table.id,
                  destination_cidr_block=settings.onprem_cidr, transit_gateway_id=attachment.transit_gateway_id)
        else:
            gateway = VpnGateway(self, "onprem-vgw", vpc_id=self.vpc.id,
                                 tags={"Name": naming.name("vpn_gateway", suffix)})
            VpnGatewayRoutePropagation(self, "onprem-propagation", vpn_gateway_id=gateway.id,
                                       route_table_id=self.route_table.id)

    def _peering(self, suffix: str, settings: NetworkConfig) -> None:
        if settings.production_vpc_id:
            self.production_vpc_id = settings.production_vpc_id
            production_tables = list(settings.production_route_table_ids)
        else:
            production = Vpc(self, "production-vpc", cidr_block=settings.production_vpc_cidr,
                             enable_dns_support=True, enable_dns_hostnames=True,
                             tags={"Name": naming.name("production_vpc", suffix)})
            DefaultSecurityGroup(self, "production-default-sg", vpc_id=production.id, ingress=[], egress=[])
            table = RouteTable(self, "production-routes", vpc_id=production.id,
                               tags={"Name": naming.name("production_vpc", suffix)})
            self.production_vpc_id = production.id
            production_tables = [table.id]
        self.peering = VpcPeeringConnection(self, "peering", vpc_id=self.vpc.id,
                                            peer_vpc_id=self.production_vpc_id, auto_accept=True,
                                            tags={"Name": naming.name("peering", suffix)})
        VpcPeeringConnectionOptions(self, "peering-dns", vpc_peering_connection_id=self.peering.id,
                                    requester={"allow_remote_vpc_dns_resolution": True},
                                    accepter={"allow_remote_vpc_dns_resolution": True})
        Route(self, "to-production", route_table_id=self.route_table.id,
              destination_cidr_block=settings.production_vpc_cidr, vpc_peering_connection_id=self.peering.id)
        for index, table in enumerate(production_tables):
            Route(self, f"to-migration-{index}", route_table_id=table, destination_cidr_block=self.cidr,
                  vpc_peering_connection_id=self.peering.id)
