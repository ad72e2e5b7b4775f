"""The optional parts: an existing production VPC, a transit gateway, the account roles, a public zone,
remote state."""

from __future__ import annotations


def test_existing_production_vpc_is_peered_not_created(variants):
    synth = variants["existing-vpc"]
    assert len(synth.resources("aws_vpc")) == 1  # only the migration VPC
    assert synth.one("aws_vpc_peering_connection")["peer_vpc_id"] == "vpc-0a1b2c3d4e5f60718"
    back = {r["route_table_id"] for r in synth.resources("aws_route")
            if r["destination_cidr_block"] == synth.config.network.migration_vpc_cidr}
    assert back == {"rtb-0a1b2c3d4e5f60718", "rtb-1a1b2c3d4e5f60718"}
    zone = synth.one("aws_route53_zone")
    assert "vpc-0a1b2c3d4e5f60718" in {v["vpc_id"] for v in zone["vpc"]}
    assert len(synth.resources("aws_flow_log")) == 1  # the existing VPC keeps its owners' flow logs


def test_transit_gateway_path_to_onprem(variants):
    synth = variants["existing-vpc"]
    attachment = synth.one("aws_ec2_transit_gateway_vpc_attachment")
    assert attachment["transit_gateway_id"] == "tgw-0a1b2c3d4e5f60718"
    assert not synth.resources("aws_vpn_gateway")
    onprem = [r for r in synth.resources("aws_route") if r["destination_cidr_block"] == synth.config.network.onprem_cidr]
    assert len(onprem) == 1 and "transit_gateway_id" in onprem[0]


def test_pinned_zones_replace_the_lookup(variants):
    synth = variants["existing-vpc"]
    assert sorted(s["availability_zone"] for s in synth.resources("aws_subnet")) == ["us-east-1b", "us-east-1c",
                                                                                      "us-east-1d"]
    assert sorted(i["availability_zone"] for i in synth.resources("aws_rds_cluster_instance")) == \
        ["us-east-1b", "us-east-1c", "us-east-1d"]
    assert "aws_availability_zones" not in synth.document.get("data", {})


def test_account_roles_created_on_request_with_their_fixed_names(variants):
    synth = variants["account-roles"]
    roles = {r["name"]: r for r in synth.resources("aws_iam_role")}
    assert {"dms-vpc-role", "dms-cloudwatch-logs-role"} <= set(roles)
    depends = synth.one("aws_dms_replication_subnet_group")["depends_on"]
    assert sum("aws_iam_role." in d for d in depends) == 2


def test_public_zone_has_no_vpc(variants):
    assert "vpc" not in variants["account-roles"].one("aws_route53_zone")


def test_remote_state_is_encrypted_and_locked(variants):
    backend = variants["account-roles"].document["terraform"]["backend"]["s3"]
    assert backend["bucket"] == "tfstate-payments" and backend["encrypt"] is True
    assert backend["use_lockfile"] is True and backend["kms_key_id"].startswith("arn:aws:kms:")
    assert backend["key"] == "migration-var02/terraform.tfstate"


def test_variants_pass_the_compliance_rules(variants):
    import json

    for synth in variants.values():
        report = json.loads((synth.path.parents[2] / "compliance" / f"{synth.config.stack_name}.json").read_text())
        assert report["summary"]["non-compliant"] == 0
