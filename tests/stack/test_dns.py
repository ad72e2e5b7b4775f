"""DNS: one name, two weighted records at 100/0, one short TTL, weights owned by the controller."""

from __future__ import annotations


def test_weighted_records(synthesized):
    records = synthesized.resources("aws_route53_record")
    assert len(records) == 2
    assert len({r["name"] for r in records}) == 1
    assert {r["ttl"] for r in records} == {synthesized.config.dns.ttl_seconds}
    weights = {r["set_identifier"]: r["weighted_routing_policy"]["weight"] for r in records}
    assert weights == {"onprem": 100, "aurora": 0}
    assert all(r["lifecycle"]["ignore_changes"] == ["weighted_routing_policy"] for r in records)
    onprem = next(r for r in records if r["set_identifier"] == "onprem")
    aurora = next(r for r in records if r["set_identifier"] == "aurora")
    assert onprem["records"] == [synthesized.config.migration.onprem_host]
    assert aurora["records"][0].startswith("${aws_rds_cluster.") and aurora["records"][0].endswith(".endpoint}")


def test_private_zone_associated_with_both_vpcs(synthesized):
    zone = synthesized.one("aws_route53_zone")
    assert zone["name"] == synthesized.config.dns.zone_name
    assert len(zone["vpc"]) == 2
    assert zone["force_destroy"] is True
