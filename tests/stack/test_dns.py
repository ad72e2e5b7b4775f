"""DNS: a writer name and a reader name, each two weighted records at 100/0 with one short TTL, weights owned
by the controller."""

from __future__ import annotations


def test_weighted_records(synthesized):
    dns, migration = synthesized.config.dns, synthesized.config.migration
    records = synthesized.resources("aws_route53_record")
    assert len(records) == 4
    by_name = {}
    for r in records:
        by_name.setdefault(r["name"], {})[r["set_identifier"]] = r
    writer, reader = f"{dns.record_name}.{dns.zone_name}", f"{dns.reader_record_name}.{dns.zone_name}"
    assert set(by_name) == {writer, reader}
    assert {r["ttl"] for r in records} == {dns.ttl_seconds}
    for pair in by_name.values():
        assert {k: r["weighted_routing_policy"]["weight"] for k, r in pair.items()} == {"onprem": 100, "aurora": 0}
    assert all(r["lifecycle"]["ignore_changes"] == ["weighted_routing_policy"] for r in records)
    assert by_name[writer]["onprem"]["records"] == [migration.onprem_host]
    assert by_name[reader]["onprem"]["records"] == [migration.onprem_reader_host or migration.onprem_host]
    assert by_name[writer]["aurora"]["records"][0].startswith("${aws_rds_cluster.")
    assert by_name[writer]["aurora"]["records"][0].endswith(".endpoint}")
    assert by_name[reader]["aurora"]["records"][0].endswith(".reader_endpoint}")


def test_private_zone_associated_with_both_vpcs(synthesized):
    zone = synthesized.one("aws_route53_zone")
    assert zone["name"] == synthesized.config.dns.zone_name
    assert len(zone["vpc"]) == 2
    assert zone["force_destroy"] is True
