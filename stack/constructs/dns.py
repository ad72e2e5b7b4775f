"""Two weighted names the applications use, each on-prem at 100 and Aurora at 0 until the cutover.

The writer name carries reads and writes and moves to Aurora in one step (the flip); the reader name
carries read-only traffic and is the one the canary steps move. After deploy the controller owns the
weights of both; `ignore_changes` keeps a later `cdktf deploy` from silently putting traffic back.
"""

from __future__ import annotations

from constructs import Construct

from foundation.aws.route53_record import Route53Record
from foundation.aws.route53_zone import Route53Zone, Route53ZoneVpc
from foundation.cdk import TerraformResourceLifecycle
from stack.config import DnsConfig

ONPREM_ID = "onprem"
AURORA_ID = "aurora"


class Dns(Construct):
    def __init__(self, scope: Construct, id_: str, *, settings: DnsConfig, vpc_ids: list[str], onprem_host: str,
                 onprem_reader_host: str, aurora_host: str, aurora_reader_host: str):
        super().__init__(scope, id_)
        vpcs = [Route53ZoneVpc(vpc_id=v) for v in vpc_ids] if settings.private_zone else None
        self.zone = Route53Zone(self, "zone", name=settings.zone_name, force_destroy=True, vpc=vpcs,
                                comment="Weighted database names of the PostgreSQL to Aurora migration")
        self.record_name = f"{settings.record_name}.{settings.zone_name}"
        self.reader_record_name = f"{settings.reader_record_name}.{settings.zone_name}"
        self.ttl = settings.ttl_seconds
        owned_by_controller = TerraformResourceLifecycle(ignore_changes=["weighted_routing_policy"])
        self.records = {
            f"{prefix}{set_id}": Route53Record(
                self, f"{prefix}{set_id}", zone_id=self.zone.zone_id, name=name, type="CNAME", ttl=settings.ttl_seconds,
                set_identifier=set_id, records=[target], weighted_routing_policy={"weight": weight},
                lifecycle=owned_by_controller)
            for prefix, name, onprem, aurora in (("", self.record_name, onprem_host, aurora_host),
                                                 ("reader-", self.reader_record_name, onprem_reader_host,
                                                  aurora_reader_host))
            for set_id, target, weight in ((ONPREM_ID, onprem, 100), (AURORA_ID, aurora, 0))
        }
