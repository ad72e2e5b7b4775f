"""Database: Aurora PostgreSQL writer + 2 readers in distinct zones, encrypted, TLS-only, destroyable."""

from __future__ import annotations


def test_cluster_settings(synthesized):
    cluster = synthesized.one("aws_rds_cluster")
    assert cluster["engine"] == "aurora-postgresql"
    assert cluster["storage_encrypted"] is True and cluster["kms_key_id"].startswith("${aws_kms_key.")
    assert cluster["backup_retention_period"] == 7
    assert cluster["deletion_protection"] is False
    assert cluster["skip_final_snapshot"] is True
    assert cluster["iam_database_authentication_enabled"] is True
    assert cluster["copy_tags_to_snapshot"] is True
    assert cluster["enabled_cloudwatch_logs_exports"] == ["postgresql"]
    assert "backtrack_window" not in cluster
    assert "availability_zones" not in cluster  # pinned per instance instead


def test_no_password_enters_terraform(synthesized):
    cluster = synthesized.one("aws_rds_cluster")
    assert cluster["manage_master_user_password"] is True
    assert cluster["master_user_secret_kms_key_id"].startswith("${aws_kms_key.")
    assert "master_password" not in cluster and "master_password_wo" not in cluster


def test_writer_and_two_readers_in_distinct_zones(synthesized):
    instances = synthesized.resources("aws_rds_cluster_instance")
    assert len(instances) == 3
    assert len({i["availability_zone"] for i in instances}) == 3
    assert sorted(i["promotion_tier"] for i in instances) == [0, 1, 2]
    for instance in instances:
        assert instance["publicly_accessible"] is False
        assert instance["performance_insights_enabled"] is True
        assert instance["performance_insights_kms_key_id"].startswith("${aws_kms_key.")
    writer = next(i for i in instances if i["promotion_tier"] == 0)
    readers = [i for i in instances if i["promotion_tier"] > 0]
    writer_address = next(name for name, body in synthesized.resource_items("aws_rds_cluster_instance")
                          if body is writer)
    assert all(r["depends_on"] == [f"aws_rds_cluster_instance.{writer_address}"] for r in readers)


def test_parameter_group_forces_tls_and_enables_logical_replication(synthesized):
    group = synthesized.one("aws_rds_cluster_parameter_group")
    values = {p["name"]: p["value"] for p in group["parameter"]}
    assert values["rds.force_ssl"] == "1"
    assert values["rds.logical_replication"] == "1"
    assert group["family"] == "aurora-postgresql" + synthesized.config.database.engine_version.split(".")[0]
    cluster = synthesized.one("aws_rds_cluster")
    assert "aws_rds_cluster_parameter_group" in cluster["db_cluster_parameter_group_name"]


def test_security_group_has_no_egress_and_only_expected_ingress(synthesized):
    groups = [g for g in synthesized.resources("aws_security_group") if g["name"].startswith("aurora-")]
    assert len(groups) == 1 and groups[0]["egress"] == []
    port = synthesized.config.database.port
    ingress = [r for r in synthesized.resources("aws_vpc_security_group_ingress_rule") if r.get("from_port") == port]
    assert {r.get("cidr_ipv4") or "sg" for r in ingress} == {synthesized.config.network.production_vpc_cidr, "sg"}
    assert all(r.get("cidr_ipv4") != "0.0.0.0/0" for r in synthesized.resources("aws_vpc_security_group_ingress_rule"))


def test_the_data_api_is_on_for_the_controllers_sequences_and_data_gates(synthesized):
    cluster = synthesized.one("aws_rds_cluster")
    assert cluster["enable_http_endpoint"] is True
    major, minor = (int(x) for x in cluster["engine_version"].split(".")[:2])
    assert (major, minor) >= (16, 1)  # the Data API on provisioned Aurora PostgreSQL
    assert not synthesized.config.database.instance_class.startswith("db.t")
