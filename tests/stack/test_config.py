"""Each configuration rule rejects what it should, names the field, and accepts the default."""

from __future__ import annotations

import json

import pytest

from stack import config_loading as cfg
from stack.config import Config
from stack.config_loading import ConfigError, load


def problems_for(env: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load(env)
    return caught.value.problems


def test_default_config_is_valid():
    assert load({}) == Config()


@pytest.mark.parametrize(("env", "field", "rule"), [
    ({"ENVIRONMENT_SUFFIX": "Sbx01"}, "environment_suffix", "a-z, 0-9"),
    ({"ENVIRONMENT_SUFFIX": "sbx_01"}, "environment_suffix", "a-z, 0-9"),
    ({"ENVIRONMENT_SUFFIX": "-sbx"}, "environment_suffix", "start and end"),
    ({"ENVIRONMENT_SUFFIX": "a--b"}, "environment_suffix", "'--'"),
    ({"ENVIRONMENT_SUFFIX": "x" * 40}, "environment_suffix", "characters"),
    ({"ENVIRONMENT_SUFFIX": "prod1"}, "environment_suffix", "environment word"),
    ({"ENVIRONMENT_SUFFIX": "useast1x"}, "environment_suffix", "region"),
    ({"ENVIRONMENT_SUFFIX": "a123456789012"}, "environment_suffix", "account id"),
    ({"ENVIRONMENT_SUFFIX": ""}, "environment_suffix", "empty"),
    ({"MIGRATION_REGION": "virginia"}, "region", "region code"),
    ({"MIGRATION_NETWORK_ONPREM_CIDR": "10.20.128.0/20"}, "network.migration_vpc_cidr and network.onprem_cidr",
     "overlap"),
    ({"MIGRATION_NETWORK_PRODUCTION_VPC_CIDR": "10.0.0.0/8"},
     "network.migration_vpc_cidr and network.production_vpc_cidr", "overlap"),
    ({"MIGRATION_NETWORK_MIGRATION_VPC_CIDR": "10.20.0.1/16"}, "network.migration_vpc_cidr", "host bits"),
    ({"MIGRATION_NETWORK_MIGRATION_VPC_CIDR": "10.0.0.0/12"}, "network.migration_vpc_cidr", "/16 to /24"),
    ({"MIGRATION_NETWORK_PRODUCTION_VPC_ID": "vpc-0123456789abcdef0"}, "network.production_route_table_ids",
     "required"),
    ({"MIGRATION_NETWORK_AVAILABILITY_ZONES": "us-east-1a,us-east-1a,us-east-1b"}, "network.availability_zones",
     "3 distinct"),
    ({"MIGRATION_NETWORK_FLOW_LOG_RETENTION_DAYS": "10"}, "network.flow_log_retention_days", "accepts only"),
    ({"MIGRATION_DATABASE_BACKTRACK_WINDOW_SECONDS": "3600"}, "database.backtrack_window_seconds",
     "only for Aurora MySQL"),
    ({"MIGRATION_DATABASE_PORT": "70000"}, "database.port", "port from 1150 to 65535"),
    ({"MIGRATION_DATABASE_PORT": "80"}, "database.port", "port from 1150 to 65535"),
    ({"MIGRATION_DATABASE_INSTANCE_CLASS": "db.serverless"}, "database.instance_class", "provisioned"),
    ({"MIGRATION_DATABASE_MASTER_USERNAME": "postgres"}, "database.master_username", "reserved"),
    ({"MIGRATION_DATABASE_BACKUP_RETENTION_DAYS": "1"}, "database.backup_retention_days", "7 to 35"),
    ({"MIGRATION_MIGRATION_ONPREM_PORT": "0"}, "migration.onprem_port", "port from"),
    ({"MIGRATION_MIGRATION_ONPREM_HOST": "10.1.2.3"}, "migration.onprem_host", "not an IP"),
    ({"MIGRATION_MIGRATION_DMS_INSTANCE_CLASS": "dms.t3.medium"}, "migration.dms_instance_class", "8 GiB"),
    ({"MIGRATION_MIGRATION_DMS_INSTANCE_CLASS": "dms.c5.large"}, "migration.dms_instance_class", "2 vCPU / 4 GiB"),
    ({"MIGRATION_MIGRATION_DMS_INSTANCE_CLASS": "dms.x9.huge"}, "migration.dms_instance_class", "unknown class"),
    ({"MIGRATION_MIGRATION_SOURCE_SSL_MODE": "none"}, "migration.source_ssl_mode", "never none"),
    ({"MIGRATION_MIGRATION_DMS_ENGINE_VERSION": "3.5.2"}, "migration.dms_engine_version", "PostgreSQL 16"),
    ({"MIGRATION_DNS_READER_RECORD_NAME": "db"}, "dns.reader_record_name", "must differ"),
    ({"MIGRATION_MIGRATION_ASSESSMENT_EXCLUSIONS": "postgres-check-lob"}, "migration.assessment_exclusions",
     "reason of 10+"),
    ({"MIGRATION_MIGRATION_ASSESSMENT_RETENTION_DAYS": "1"}, "migration.assessment_retention_days", "7 to 3650"),
    ({"MIGRATION_MIGRATION_ONPREM_READER_HOST": "10.0.0.5"}, "migration.onprem_reader_host", "not an IP"),
    ({"MIGRATION_MIGRATION_CONTROLLER_SECRET_ARN":
      "arn:aws:secretsmanager:us-east-1:111122223333:secret:migration/controller-XyZabc"},
     "migration.controller_secret_kms_key_arn", "exactly when"),
    ({"MIGRATION_DATABASE_INSTANCE_CLASS": "db.t4g.large"}, "database.instance_class", "T class"),
    ({"MIGRATION_DATABASE_ENGINE_VERSION": "15.4"}, "database.engine_version", "16.1"),
    ({"MIGRATION_CUTOVER_FLIP_MAX_LAG_SECONDS": "61"}, "cutover.flip_max_lag_seconds", "lag_threshold_seconds"),
    ({"MIGRATION_CUTOVER_SEQUENCE_GAP": "10"}, "cutover.sequence_gap", "1000 to"),
    ({"MIGRATION_CUTOVER_WRITE_CANARY": "true", "MIGRATION_CUTOVER_AUTO_FLIP": "true"}, "cutover.auto_flip",
     "only for the one-writer"),
    ({"MIGRATION_MIGRATION_DMS_ENGINE_VERSION": "latest"}, "migration.dms_engine_version", "such as 3.5.4"),
    ({"MIGRATION_MIGRATION_LOB_MODE": "none"}, "migration.lob_mode", "limited or full"),
    ({"MIGRATION_MIGRATION_LOB_MAX_SIZE_KB": "0"}, "migration.lob_max_size_kb", "1 to 102400"),
    ({"MIGRATION_MIGRATION_DECODING_PLUGIN": "wal2json"}, "migration.decoding_plugin", "test_decoding"),
    ({"MIGRATION_MIGRATION_HEARTBEAT_FREQUENCY_MINUTES": "0"}, "migration.heartbeat_frequency_minutes", "1 to 60"),
    ({"MIGRATION_MIGRATION_HEARTBEAT_SCHEMA": "public"}, "migration.heartbeat_schema", "other than"),
    ({"MIGRATION_MONITORING_SLOT_DISK_ALARM_GIB": "0"}, "monitoring.slot_disk_alarm_gib", "1 to 65536"),
    ({"MIGRATION_MONITORING_CDC_INCOMING_CHANGES_ALARM": "0"}, "monitoring.cdc_incoming_changes_alarm", "changes"),
    ({"MIGRATION_MIGRATION_SOURCE_SECRET_ARN": "my-secret"}, "migration.source_secret_arn", "existing"),
    ({"MIGRATION_MIGRATION_TARGET_SECRET_KMS_KEY_ARN": "alias/aws/secretsmanager"},
     "migration.target_secret_kms_key_arn", "customer-managed"),
    ({"MIGRATION_DNS_TTL_SECONDS": "5"}, "dns.ttl_seconds", "10 to 300"),
    ({"MIGRATION_DNS_TTL_SECONDS": "3600"}, "dns.ttl_seconds", "10 to 300"),
    ({"MIGRATION_DNS_ZONE_NAME": "Payments"}, "dns.zone_name", "DNS name"),
    ({"MIGRATION_MONITORING_LAG_THRESHOLD_SECONDS": "0"}, "monitoring.lag_threshold_seconds", "1 to 60"),
    ({"MIGRATION_MONITORING_LAG_THRESHOLD_SECONDS": "61"}, "monitoring.lag_threshold_seconds", "1 to 60"),
    ({"MIGRATION_CUTOVER_CANARY_STEPS": "10,50"}, "cutover.canary_steps", "end at 100"),
    ({"MIGRATION_CUTOVER_CANARY_STEPS": "50,10,100"}, "cutover.canary_steps", "rise strictly"),
    ({"MIGRATION_BACKUP_SCHEDULE": "daily"}, "backup.schedule", "cron("),
    ({"MIGRATION_BACKUP_RETENTION_DAYS": "1"}, "backup.retention_days", "7 to 36500"),
    ({"MIGRATION_STATE_KEY": "x.tfstate"}, "state.key", "only meaningful with state.bucket"),
    ({"MIGRATION_DNS_TTL_SECONDS": "sixty"}, "dns.ttl_seconds", "whole number"),
    ({"MIGRATION_MIGRATION_DMS_MULTI_AZ": "maybe"}, "migration.dms_multi_az", "true or false"),
    ({"MIGRATION_CUTOVER_REPLICATION_ROLES": "payments_app"}, "cutover.replication_roles", "never denies"),
    ({"MIGRATION_CUTOVER_ONPREM_ALLOWED_ROLES": "Postgres"}, "cutover.onprem_allowed_roles", "not a PostgreSQL role"),
])
def test_each_rule_names_field_and_rule(env, field, rule):
    problems = problems_for(env)
    assert any(p.startswith(f"{field}:") and rule in p for p in problems), problems


def test_every_problem_is_reported_at_once():
    problems = problems_for({"ENVIRONMENT_SUFFIX": "BAD", "MIGRATION_DNS_TTL_SECONDS": "1",
                             "MIGRATION_DATABASE_BACKTRACK_WINDOW_SECONDS": "60"})
    assert {p.split(":")[0] for p in problems} >= {"environment_suffix", "dns.ttl_seconds",
                                                   "database.backtrack_window_seconds"}


def test_config_file_and_environment_precedence(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"environment_suffix": "file01", "dns": {"ttl_seconds": 30}}))
    loaded = load({"MIGRATION_CONFIG_FILE": str(path), "MIGRATION_DNS_TTL_SECONDS": "45"})
    assert loaded.environment_suffix == "file01"
    assert loaded.dns.ttl_seconds == 45  # the environment overrides the file


def test_config_file_errors_name_the_file(tmp_path):
    missing = problems_for({"MIGRATION_CONFIG_FILE": str(tmp_path / "nope.json")})
    assert "does not exist" in missing[0]
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    assert "not valid JSON" in problems_for({"MIGRATION_CONFIG_FILE": str(broken)})[0]
    unknown = tmp_path / "unknown.json"
    unknown.write_text(json.dumps({"dns": {"tll_seconds": 30}}))
    assert problems_for({"MIGRATION_CONFIG_FILE": str(unknown)})[0].startswith("dns.tll_seconds: unknown setting")


def test_round_trip_through_config_file(tmp_path):
    original = load({"ENVIRONMENT_SUFFIX": "rt01", "MIGRATION_CUTOVER_CANARY_STEPS": "5,25,100"})
    path = tmp_path / "config.json"
    path.write_text(json.dumps(cfg.to_dict(original)))
    assert load({"MIGRATION_CONFIG_FILE": str(path)}) == original


def test_every_field_has_an_environment_variable():
    names = cfg.env_names()
    assert names["environment_suffix"] == "ENVIRONMENT_SUFFIX"
    assert names["dns.ttl_seconds"] == "MIGRATION_DNS_TTL_SECONDS"
    assert len(set(names.values())) == len(names)


def test_a_config_file_may_name_its_json_schema(tmp_path):
    """Editors find docs/config.schema.json through the file's "$schema" key; the loader ignores it."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"$schema": "../docs/config.schema.json", "dns": {"ttl_seconds": 30}}))
    assert load({"MIGRATION_CONFIG_FILE": str(path)}).dns.ttl_seconds == 30


def test_the_json_schema_describes_the_file_the_loader_reads():
    """Every default config validates against the generated schema, and a value out of a field's bounds does not."""
    import jsonschema

    from scripts.config_reference import json_schema

    schema = json_schema()
    jsonschema.validate(cfg.to_dict(Config()), schema)
    broken = cfg.to_dict(Config())
    broken["database"]["port"] = 80
    with pytest.raises(jsonschema.ValidationError, match="80 is less than the minimum of 1150"):
        jsonschema.validate(broken, schema)
