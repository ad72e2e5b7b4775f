"""Typed, frozen configuration of the migration, loaded from an optional JSON file and the environment.

Every rule is checked before a construct is built, and every broken rule is reported at once, naming
the field and the rule, so an operator fixes a config in one pass and never gets a half-written synth.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import os
import re
import typing
from dataclasses import dataclass, field, fields
from pathlib import Path

from aspects.facts import (
    DATA_API_MIN_VERSION,
    DECODING_PLUGINS,
    DMS_CLASSES,
    DMS_MIN_ENGINE_VERSION,
    DMS_MIN_GIB,
    DMS_MIN_VCPU,
    LOG_RETENTION_DAYS,
    MIN_LOG_RETENTION_DAYS,
    PITR_DAYS,
    RECORD_TTL_SECONDS,
    version_tuple,
)
from stack import naming
from stack.controller_contract import LIMITS as CONTROLLER_LIMITS
from stack.controller_contract import settings as controller_settings

ENV_PREFIX = "MIGRATION_"
CONFIG_FILE_ENV = "MIGRATION_CONFIG_FILE"


AURORA_CLASS = re.compile(r"^db\.(r5|r6g|r6i|r7g|r7i|r8g|x2g|t3|t4g)\.(medium|large|[0-9]*xlarge)$")
AURORA_ENGINE_VERSION = re.compile(r"^(1[1-9])\.[0-9]+$")
PG_ROLE = re.compile(r"^[a-z_][a-z0-9_$]{0,62}$")
SECRET_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+$")
KMS_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-f0-9-]{36}$")
REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-[0-9]$")
VPC_ID = re.compile(r"^vpc-[0-9a-f]{8,17}$")
ROUTE_TABLE_ID = re.compile(r"^rtb-[0-9a-f]{8,17}$")
TGW_ID = re.compile(r"^tgw-[0-9a-f]{8,17}$")
DNS_NAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$")
DNS_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
PG_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
BACKUP_SCHEDULE = re.compile(r"^cron\(.+\)$|^rate\(.+\)$")
S3_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
# verify-ca and verify-full need a CA certificate (aws_dms_certificate) this stack does not manage.
SSL_MODES = ("require",)


class ConfigError(Exception):
    """One or more configuration rules are broken; `problems` names each field and rule."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class NetworkConfig:
    """Where the migration runs and what it must reach."""

    migration_vpc_cidr: str = "10.20.0.0/16"
    production_vpc_id: str = ""
    production_vpc_cidr: str = "10.30.0.0/16"
    production_route_table_ids: tuple[str, ...] = ()
    onprem_cidr: str = "172.16.0.0/16"
    onprem_transit_gateway_id: str = ""
    availability_zones: tuple[str, ...] = ()
    flow_log_retention_days: int = 365


@dataclass(frozen=True)
class DatabaseConfig:
    """The Aurora PostgreSQL target."""

    engine_version: str = "16.6"
    instance_class: str = "db.r6g.large"
    database_name: str = "payments"
    master_username: str = "migration_admin"
    port: int = 5432
    backup_retention_days: int = 7
    backtrack_window_seconds: int = 0
    log_retention_days: int = 365


@dataclass(frozen=True)
class MigrationConfig:
    """The on-prem source and the DMS replication that copies it."""

    onprem_host: str = "pgprimary.corp.example.com"
    onprem_reader_host: str = ""
    onprem_port: int = 5432
    onprem_database: str = "payments"
    source_secret_arn: str = "arn:aws:secretsmanager:us-east-1:111122223333:secret:migration/onprem-source-AbCdEf"
    source_secret_kms_key_arn: str = "arn:aws:kms:us-east-1:111122223333:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    target_secret_arn: str = "arn:aws:secretsmanager:us-east-1:111122223333:secret:migration/aurora-target-GhIjKl"
    target_secret_kms_key_arn: str = "arn:aws:kms:us-east-1:111122223333:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    source_ssl_mode: str = "require"
    target_ssl_mode: str = "require"
    dms_instance_class: str = "dms.r6i.large"
    dms_allocated_storage_gib: int = 100
    dms_multi_az: bool = True
    create_dms_account_roles: bool = False
    schema: str = "public"
    table_mappings_file: str = ""
    dms_engine_version: str = "3.5.4"
    lob_mode: str = "limited"
    lob_max_size_kb: int = 64
    decoding_plugin: str = "test_decoding"
    heartbeat_frequency_minutes: int = 5
    heartbeat_schema: str = "awsdms_heartbeat"
    controller_secret_arn: str = ""
    controller_secret_kms_key_arn: str = ""
    assessment_exclusions: tuple[str, ...] = ()
    assessment_retention_days: int = 90
    onprem_fence_secret_arn: str = "arn:aws:secretsmanager:us-east-1:111122223333:secret:migration/onprem-fence-MnOpQr"
    aurora_fence_secret_arn: str = "arn:aws:secretsmanager:us-east-1:111122223333:secret:migration/aurora-fence-StUvWx"
    fence_secret_kms_key_arn: str = "arn:aws:kms:us-east-1:111122223333:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


@dataclass(frozen=True)
class DnsConfig:
    """The weighted name the applications connect to."""

    zone_name: str = "payments-db.internal"
    record_name: str = "db"
    reader_record_name: str = "db-ro"
    ttl_seconds: int = 60
    private_zone: bool = True


@dataclass(frozen=True)
class CutoverConfig:
    """How the controller shifts traffic."""

    canary_steps: tuple[int, ...] = (10, 50, 100)
    bake_minutes: int = 15
    healthy_minutes: int = 5
    rollback_on_alarm: bool = True
    write_canary: bool = False
    auto_flip: bool = False
    flip_max_lag_seconds: int = 5
    sequence_gap: int = 1_000_000
    flip_mode: str = "fenced"
    flip_catchup_seconds: int = 60
    application_roles: tuple[str, ...] = ("payments_app",)
    control_table: str = "public.cutover_marker"


@dataclass(frozen=True)
class MonitoringConfig:
    """What counts as replication falling behind."""

    lag_threshold_seconds: int = 60
    alarm_evaluation_minutes: int = 3
    slot_disk_alarm_gib: int = 20
    transaction_logs_alarm_gib: int = 20
    cdc_incoming_changes_alarm: int = 100000
    cdc_changes_on_disk_alarm: int = 10000


@dataclass(frozen=True)
class BackupConfig:
    """The scheduled AWS Backup plan of the Aurora cluster."""

    schedule: str = "cron(0 5 * * ? *)"
    retention_days: int = 35


@dataclass(frozen=True)
class StateConfig:
    """Optional S3 remote state; local state when `bucket` is empty."""

    bucket: str = ""
    key: str = ""
    region: str = ""
    kms_key_arn: str = ""


@dataclass(frozen=True)
class Config:
    """The whole migration; sections in the project's concern order."""

    environment_suffix: str = "sbx01"
    region: str = "us-east-1"
    owner: str = "platform-engineering"
    cost_center: str = "cc-payments"
    project: str = "pg-aurora-migration"
    network: NetworkConfig = field(default_factory=NetworkConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    migration: MigrationConfig = field(default_factory=MigrationConfig)
    dns: DnsConfig = field(default_factory=DnsConfig)
    cutover: CutoverConfig = field(default_factory=CutoverConfig)
    monitoring: MonitoringConfig = field(default_factory=MonitoringConfig)
    backup: BackupConfig = field(default_factory=BackupConfig)
    state: StateConfig = field(default_factory=StateConfig)

    @property
    def stack_name(self) -> str:
        return f"migration-{self.environment_suffix}"

    @property
    def tags(self) -> dict[str, str]:
        return {
            "Project": self.project,
            "EnvironmentSuffix": self.environment_suffix,
            "Owner": self.owner,
            "CostCenter": self.cost_center,
            "ManagedBy": "cdktf",
        }


SECTIONS: dict[str, type] = {
    "network": NetworkConfig,
    "database": DatabaseConfig,
    "migration": MigrationConfig,
    "dns": DnsConfig,
    "cutover": CutoverConfig,
    "monitoring": MonitoringConfig,
    "backup": BackupConfig,
    "state": StateConfig,
}


# ---------------------------------------------------------------------------------------------------
# Loading


def _field_type(cls: type, name: str) -> typing.Any:
    return typing.get_type_hints(cls)[name]


def _coerce(path: str, raw: object, kind: typing.Any, problems: list[str]) -> object:
    """Turn a JSON value or an environment string into the field's type, or record why not."""
    from_env = isinstance(raw, str)
    try:
        if kind is bool:
            if isinstance(raw, bool):
                return raw
            if from_env and raw.lower() in ("true", "1", "yes"):
                return True
            if from_env and raw.lower() in ("false", "0", "no"):
                return False
            raise ValueError
        if kind is int:
            if isinstance(raw, bool):
                raise ValueError
            if isinstance(raw, int):
                return raw
            if from_env and re.fullmatch(r"-?[0-9]+", raw.strip()):
                return int(raw)
            raise ValueError
        if kind is str:
            if not isinstance(raw, str):
                raise ValueError
            return raw
        if typing.get_origin(kind) is tuple:
            item = typing.get_args(kind)[0]
            if from_env:
                items: list[object] = [s.strip() for s in raw.split(",") if s.strip()]
            elif isinstance(raw, list):
                items = list(raw)
            else:
                raise ValueError
            return tuple(_coerce(path, i, item, problems) for i in items)
    except ValueError:
        pass
    problems.append(f"{path}: expected {_type_word(kind)}, got {raw!r}")
    return None


def _type_word(kind: typing.Any) -> str:
    if typing.get_origin(kind) is tuple:
        return f"a list of {_type_word(typing.get_args(kind)[0])} (comma-separated in the environment)"
    return {bool: "true or false", int: "a whole number", str: "a string"}.get(kind, str(kind))


def _env_name(section: str | None, name: str) -> str:
    if section is None and name == "environment_suffix":
        return "ENVIRONMENT_SUFFIX"
    return ENV_PREFIX + (f"{section}_{name}" if section else name).upper()


def env_names() -> dict[str, str]:
    """Every config path (`section.field`) with the environment variable that sets it."""
    out = {}
    for f in fields(Config):
        if f.name in SECTIONS:
            for sf in fields(SECTIONS[f.name]):
                out[f"{f.name}.{sf.name}"] = _env_name(f.name, sf.name)
        else:
            out[f.name] = _env_name(None, f.name)
    return out


def _build(cls: type, section: str | None, given: dict, env: dict[str, str], problems: list[str]) -> object:
    known = {f.name for f in fields(cls)}
    for unknown in sorted(set(given) - known):
        where = f"{section}.{unknown}" if section else unknown
        problems.append(f"{where}: unknown setting (known: {', '.join(sorted(known))})")
    values = {}
    for f in fields(cls):
        path = f"{section}.{f.name}" if section else f.name
        if section is None and f.name in SECTIONS:
            sub = given.get(f.name, {})
            if not isinstance(sub, dict):
                problems.append(f"{path}: expected an object")
                sub = {}
            values[f.name] = _build(SECTIONS[f.name], f.name, sub, env, problems)
            continue
        env_key = _env_name(section, f.name)
        if env_key in env:
            raw: object = env[env_key]
        elif f.name in given:
            raw = given[f.name]
        else:
            continue
        value = _coerce(path, raw, _field_type(cls, f.name), problems)
        if value is not None:
            values[f.name] = value
    return cls(**values)


def load(env: typing.Mapping[str, str] | None = None, config_file: str | None = None) -> Config:
    """Read the config file (if any) and the environment, validate, and return the config or raise."""
    env = dict(os.environ if env is None else env)
    problems: list[str] = []
    given: dict = {}
    path = config_file or env.get(CONFIG_FILE_ENV, "")
    if path:
        try:
            given = json.loads(Path(path).read_text())
        except FileNotFoundError:
            raise ConfigError([f"{CONFIG_FILE_ENV}: file {path!r} does not exist"]) from None
        except json.JSONDecodeError as exc:
            raise ConfigError([f"{CONFIG_FILE_ENV}: {path!r} is not valid JSON ({exc})"]) from None
        if not isinstance(given, dict):
            raise ConfigError([f"{CONFIG_FILE_ENV}: {path!r} must hold a JSON object"])
    config = _build(Config, None, given, env, problems)
    if problems:
        raise ConfigError(problems)
    validate(config)
    return config  # type: ignore[return-value]


def to_dict(config: Config) -> dict:
    """The config as the JSON a config file holds (tuples become lists)."""
    return json.loads(json.dumps(dataclasses.asdict(config)))


# ---------------------------------------------------------------------------------------------------
# Validation: one function per rule family; each appends "field: rule" messages.


def validate(config: Config) -> None:
    problems: list[str] = []
    for check in (_check_identity, _check_network, _check_database, _check_migration, _check_dns,
                  _check_cutover, _check_cutover_writes, _check_monitoring, _check_backup, _check_state):
        check(config, problems)
    if problems:
        raise ConfigError(problems)


def _check_identity(c: Config, problems: list[str]) -> None:
    problems.extend(f"environment_suffix: {p}" for p in naming.suffix_problems(c.environment_suffix))
    if not REGION.match(c.region):
        problems.append(f"region: {c.region!r} is not an AWS region code such as us-east-1")
    for name in ("owner", "cost_center", "project"):
        value = getattr(c, name)
        if not re.fullmatch(r"[A-Za-z0-9 _.:/=+@-]{1,256}", value):
            problems.append(f"{name}: must be 1-256 characters allowed in AWS tag values, got {value!r}")
    if not re.fullmatch(r"[a-z][a-z0-9-]{0,30}", c.project):
        problems.append(f"project: must be lowercase letters, digits and hyphens, 1-31 characters, got {c.project!r}")


def _network(path: str, value: str, problems: list[str]) -> ipaddress.IPv4Network | None:
    try:
        net = ipaddress.IPv4Network(value, strict=True)
    except ValueError as exc:
        problems.append(f"{path}: {value!r} is not an IPv4 CIDR block with its host bits zero ({exc})")
        return None
    return net


def _check_network(c: Config, problems: list[str]) -> None:
    n = c.network
    nets = {
        "network.migration_vpc_cidr": _network("network.migration_vpc_cidr", n.migration_vpc_cidr, problems),
        "network.production_vpc_cidr": _network("network.production_vpc_cidr", n.production_vpc_cidr, problems),
        "network.onprem_cidr": _network("network.onprem_cidr", n.onprem_cidr, problems),
    }
    mig = nets["network.migration_vpc_cidr"]
    if mig is not None and not 16 <= mig.prefixlen <= 24:
        problems.append("network.migration_vpc_cidr: prefix must be /16 to /24 (AWS VPC limits, and 3 subnets fit)")
    prod = nets["network.production_vpc_cidr"]
    if prod is not None and not n.production_vpc_id and not 16 <= prod.prefixlen <= 28:
        problems.append("network.production_vpc_cidr: prefix must be /16 to /28 for a VPC created here")
    items = [(k, v) for k, v in nets.items() if v is not None]
    for i, (ka, a) in enumerate(items):
        for kb, b in items[i + 1:]:
            if a.overlaps(b):
                problems.append(f"{ka} and {kb}: CIDR blocks {a} and {b} overlap; peering and routing need disjoint ranges")
    if n.production_vpc_id and not VPC_ID.match(n.production_vpc_id):
        problems.append(f"network.production_vpc_id: {n.production_vpc_id!r} is not a VPC id such as vpc-0a1b2c3d")
    if n.production_route_table_ids and not n.production_vpc_id:
        problems.append("network.production_route_table_ids: only meaningful with an existing network.production_vpc_id")
    for rt in n.production_route_table_ids:
        if not ROUTE_TABLE_ID.match(rt):
            problems.append(f"network.production_route_table_ids: {rt!r} is not a route table id such as rtb-0a1b2c3d")
    if n.production_vpc_id and not n.production_route_table_ids:
        problems.append("network.production_route_table_ids: required with an existing production VPC, "
                        "so the production side gets a route back to the migration VPC")
    if n.onprem_transit_gateway_id and not TGW_ID.match(n.onprem_transit_gateway_id):
        problems.append(f"network.onprem_transit_gateway_id: {n.onprem_transit_gateway_id!r} is not a transit gateway id")
    if n.availability_zones:
        if len(n.availability_zones) != 3 or len(set(n.availability_zones)) != 3:
            problems.append("network.availability_zones: give exactly 3 distinct zones (writer + 2 readers), or none")
        for az in n.availability_zones:
            if not az.startswith(c.region) or not re.fullmatch(r"[a-z0-9-]+[a-z]", az):
                problems.append(f"network.availability_zones: {az!r} is not a zone of region {c.region}")
    _check_retention("network.flow_log_retention_days", n.flow_log_retention_days, problems)


def _check_retention(path: str, value: int, problems: list[str]) -> None:
    if value not in LOG_RETENTION_DAYS:
        problems.append(f"{path}: CloudWatch Logs accepts only {', '.join(map(str, LOG_RETENTION_DAYS))} days, got {value}")
    elif value < MIN_LOG_RETENTION_DAYS:
        problems.append(f"{path}: must be at least {MIN_LOG_RETENTION_DAYS} days (a year of audit log history, "
                        f"PCI DSS 10.5.1), got {value}")


def _check_port(path: str, value: int, problems: list[str]) -> None:
    if not 1150 <= value <= 65535:
        problems.append(f"{path}: must be a port from 1150 to 65535 (the range RDS and DMS accept), got {value}")


def _check_database(c: Config, problems: list[str]) -> None:
    d = c.database
    if d.backtrack_window_seconds:
        problems.append(
            "database.backtrack_window_seconds: must be 0: Aurora backtrack exists only for Aurora MySQL, and "
            "AWS rejects it for aurora-postgresql at apply time. Rollback here is the weights back to on-prem, the "
            "reverse CDC task (no lost write) and a point-in-time restore to the recorded pre-cutover checkpoint")
    if not AURORA_ENGINE_VERSION.match(d.engine_version):
        problems.append(f"database.engine_version: {d.engine_version!r} is not an Aurora PostgreSQL version such as 16.6")
    if not AURORA_CLASS.match(d.instance_class):
        problems.append(f"database.instance_class: {d.instance_class!r} is not a provisioned Aurora class such as db.r6g.large")
    elif d.instance_class.startswith("db.t"):
        problems.append(f"database.instance_class: {d.instance_class} is a T class; the RDS Data API, through which the "
                        "controller syncs sequences and checks tables, is not available on T classes")
    version = version_tuple(d.engine_version)
    if AURORA_ENGINE_VERSION.match(d.engine_version) and version is not None and version < DATA_API_MIN_VERSION:
        problems.append(f"database.engine_version: {d.engine_version} predates 16.1; the RDS Data API on provisioned "
                        "Aurora PostgreSQL (the controller's sequence sync and data gates) needs 16.1 or later")
    for name in ("database_name", "master_username"):
        value = getattr(d, name)
        if not PG_IDENTIFIER.match(value) or value in ("postgres", "rdsadmin", "admin"):
            problems.append(f"database.{name}: must be a lowercase PostgreSQL identifier (letter or _, then letters, "
                            f"digits, _; at most 63) and not a reserved name, got {value!r}")
    _check_port("database.port", d.port, problems)
    low, high = PITR_DAYS
    if not low <= d.backup_retention_days <= high:
        problems.append(f"database.backup_retention_days: must be {low} to {high} ({low} days of point-in-time "
                        f"recovery at least), got {d.backup_retention_days}")
    _check_retention("database.log_retention_days", d.log_retention_days, problems)


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _check_migration(c: Config, problems: list[str]) -> None:
    m = c.migration
    if not DNS_NAME.match(m.onprem_host) or _is_ip(m.onprem_host):
        problems.append(f"migration.onprem_host: {m.onprem_host!r} must be a lowercase DNS name (not an IP address): "
                        "the weighted records of one name share one type, and Aurora's endpoint is a CNAME")
    if m.onprem_reader_host and (not DNS_NAME.match(m.onprem_reader_host) or _is_ip(m.onprem_reader_host)):
        problems.append(f"migration.onprem_reader_host: {m.onprem_reader_host!r} must be a lowercase DNS name "
                        "(not an IP address), or empty for onprem_host")
    _check_port("migration.onprem_port", m.onprem_port, problems)
    if m.controller_secret_arn and not SECRET_ARN.match(m.controller_secret_arn):
        problems.append("migration.controller_secret_arn: must be the ARN of an existing Secrets Manager secret, "
                        "or empty for the RDS-managed master secret")
    for entry in m.assessment_exclusions:
        name, _, reason = entry.partition("=")
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{2,99}", name.strip()) or len(reason.strip()) < 10:
            problems.append(f"migration.assessment_exclusions: {entry!r} must be <assessment name>=<reason of 10+ "
                            "characters> (an individual assessment left out of every run, and why)")
    if not 7 <= m.assessment_retention_days <= 3650:
        problems.append(f"migration.assessment_retention_days: must be 7 to 3650, got {m.assessment_retention_days}")
    if bool(m.controller_secret_arn) != bool(m.controller_secret_kms_key_arn):
        problems.append("migration.controller_secret_kms_key_arn: give it exactly when controller_secret_arn is given "
                        "(the key that encrypts that secret)")
    elif m.controller_secret_kms_key_arn and not KMS_KEY_ARN.match(m.controller_secret_kms_key_arn):
        problems.append("migration.controller_secret_kms_key_arn: must be the ARN of a customer-managed KMS key")
    if not PG_IDENTIFIER.match(m.onprem_database):
        problems.append(f"migration.onprem_database: {m.onprem_database!r} is not a PostgreSQL database name")
    for name in ("source_secret_arn", "target_secret_arn"):
        if not SECRET_ARN.match(getattr(m, name)):
            problems.append(f"migration.{name}: must be the ARN of an existing Secrets Manager secret "
                            "(arn:aws:secretsmanager:<region>:<account>:secret:<name>); the stack never creates one")
    for name in ("source_secret_kms_key_arn", "target_secret_kms_key_arn"):
        if not KMS_KEY_ARN.match(getattr(m, name)):
            problems.append(f"migration.{name}: must be the ARN of the customer-managed KMS key that encrypts the secret")
    if m.source_secret_arn == m.target_secret_arn and SECRET_ARN.match(m.source_secret_arn):
        problems.append("migration.target_secret_arn: must differ from source_secret_arn (each holds its own host)")
    for name in ("source_ssl_mode", "target_ssl_mode"):
        value = getattr(m, name)
        if value in ("verify-ca", "verify-full"):
            problems.append(f"migration.{name}: {value} needs a CA certificate this stack does not manage; use require")
        elif value not in SSL_MODES:
            problems.append(f"migration.{name}: must be require (TLS in transit; never none), got {value!r}")
    spec = DMS_CLASSES.get(m.dms_instance_class)
    if spec is None:
        problems.append(f"migration.dms_instance_class: unknown class {m.dms_instance_class!r} (known: {', '.join(DMS_CLASSES)})")
    elif spec[0] < DMS_MIN_VCPU or spec[1] < DMS_MIN_GIB:
        problems.append(f"migration.dms_instance_class: {m.dms_instance_class} has {spec[0]} vCPU / {spec[1]} GiB; "
                        f"full load plus CDC needs at least {DMS_MIN_VCPU} vCPU and {DMS_MIN_GIB} GiB")
    if not 50 <= m.dms_allocated_storage_gib <= 6144:
        problems.append(f"migration.dms_allocated_storage_gib: must be 50 to 6144, got {m.dms_allocated_storage_gib}")
    if not PG_IDENTIFIER.match(m.schema):
        problems.append(f"migration.schema: {m.schema!r} is not a PostgreSQL schema name")
    version = version_tuple(m.dms_engine_version)
    minimum = ".".join(map(str, DMS_MIN_ENGINE_VERSION))
    if version is None or len(version) != 3:
        problems.append(f"migration.dms_engine_version: {m.dms_engine_version!r} is not a DMS engine version such as 3.5.4")
    elif version < DMS_MIN_ENGINE_VERSION:
        problems.append(f"migration.dms_engine_version: {m.dms_engine_version} is below {minimum}, the first DMS "
                        "release that supports PostgreSQL 16 as a source")
    if m.lob_mode not in ("limited", "full"):
        problems.append(f"migration.lob_mode: must be limited or full, got {m.lob_mode!r}")
    if not 1 <= m.lob_max_size_kb <= 102400:
        problems.append(f"migration.lob_max_size_kb: must be 1 to 102400 KB (size it with the query in docs/replication.md), "
                        f"got {m.lob_max_size_kb}")
    if m.decoding_plugin not in DECODING_PLUGINS:
        problems.append(f"migration.decoding_plugin: must be one of {', '.join(DECODING_PLUGINS)}, "
                        f"got {m.decoding_plugin!r}")
    if not 1 <= m.heartbeat_frequency_minutes <= 60:
        problems.append(f"migration.heartbeat_frequency_minutes: must be 1 to 60, got {m.heartbeat_frequency_minutes}")
    if not PG_IDENTIFIER.match(m.heartbeat_schema) or m.heartbeat_schema == m.schema:
        problems.append(f"migration.heartbeat_schema: {m.heartbeat_schema!r} must be a PostgreSQL schema name other "
                        "than migration.schema (heartbeats must not be replicated)")
    if m.table_mappings_file:
        try:
            mappings = json.loads(Path(m.table_mappings_file).read_text())
        except (OSError, json.JSONDecodeError) as exc:
            problems.append(f"migration.table_mappings_file: cannot read JSON from {m.table_mappings_file!r} ({exc})")
        else:
            if not isinstance(mappings, dict) or not isinstance(mappings.get("rules"), list) or not mappings["rules"]:
                problems.append("migration.table_mappings_file: must hold a DMS table mapping object "
                                "with a non-empty \"rules\" list")


def _check_dns(c: Config, problems: list[str]) -> None:
    d = c.dns
    if not DNS_NAME.match(d.zone_name):
        problems.append(f"dns.zone_name: {d.zone_name!r} is not a lowercase DNS name with at least two labels")
    if not DNS_LABEL.match(d.record_name):
        problems.append(f"dns.record_name: {d.record_name!r} must be one lowercase DNS label")
    if not DNS_LABEL.match(d.reader_record_name):
        problems.append(f"dns.reader_record_name: {d.reader_record_name!r} must be one lowercase DNS label")
    elif d.reader_record_name == d.record_name:
        problems.append("dns.reader_record_name: must differ from dns.record_name (readers canary, writes flip)")
    low, high = RECORD_TTL_SECONDS
    if not low <= d.ttl_seconds <= high:
        problems.append(f"dns.ttl_seconds: must be {low} to {high} (short, so a weight change takes effect within "
                        f"minutes), got {d.ttl_seconds}")


def _check_cutover(c: Config, problems: list[str]) -> None:
    s = c.cutover.canary_steps
    if not controller_settings.canary_steps_valid(s):
        problems.append(f"cutover.canary_steps: {controller_settings.CANARY_STEPS_RULE}, got {list(s)}")
    for name, value in (("bake_minutes", c.cutover.bake_minutes), ("healthy_minutes", c.cutover.healthy_minutes)):
        low, high = CONTROLLER_LIMITS[name]
        if not low <= value <= high:
            problems.append(f"cutover.{name}: must be {low} to {high} (the controller's limit), got {value}")


def _check_cutover_writes(c: Config, problems: list[str]) -> None:
    # Bounded by the lag threshold when that is valid; a broken threshold is reported once, on its own field.
    lag_low, lag_high = CONTROLLER_LIMITS["lag_threshold_seconds"]
    threshold = c.monitoring.lag_threshold_seconds
    ceiling = threshold if lag_low <= threshold <= lag_high else lag_high
    flip_low = CONTROLLER_LIMITS["flip_max_lag_seconds"][0]
    if not flip_low <= c.cutover.flip_max_lag_seconds <= ceiling:
        problems.append(f"cutover.flip_max_lag_seconds: must be {flip_low} to monitoring.lag_threshold_seconds "
                        f"({ceiling}), got {c.cutover.flip_max_lag_seconds}")
    low, high = CONTROLLER_LIMITS["sequence_gap"]
    if not low <= c.cutover.sequence_gap <= high:
        problems.append(f"cutover.sequence_gap: must be {low} to {high} (ids on-prem may still issue after the "
                        f"sync), got {c.cutover.sequence_gap}")
    if c.cutover.write_canary and c.cutover.auto_flip:
        problems.append("cutover.auto_flip: only for the one-writer cutover; with cutover.write_canary the writes "
                        "follow the canary steps and there is no flip")
    _check_fence(c, problems)


def _check_fence(c: Config, problems: list[str]) -> None:
    k, m = c.cutover, c.migration
    if k.flip_mode not in controller_settings.FLIP_MODES:
        problems.append(f"cutover.flip_mode: must be one of {', '.join(controller_settings.FLIP_MODES)}, got "
                        f"{k.flip_mode!r}")
        return
    low, high = CONTROLLER_LIMITS["flip_catchup_seconds"]
    if not low <= k.flip_catchup_seconds <= high:
        problems.append(f"cutover.flip_catchup_seconds: must be {low} to {high} (the write pause waits at most this "
                        f"long for Aurora to catch up), got {k.flip_catchup_seconds}")
    if k.flip_mode != "fenced":
        return
    if not k.application_roles:
        problems.append("cutover.application_roles: required in fenced mode (the roles the applications connect as)")
    for role in k.application_roles:
        if not PG_ROLE.match(role):
            problems.append(f"cutover.application_roles: {role!r} is not a PostgreSQL role name (lowercase letter or "
                            "_ first, then letters, digits, _ or $; at most 63)")
    schema, _, table = k.control_table.partition(".")
    if not (PG_ROLE.match(schema) and PG_ROLE.match(table)):
        problems.append(f"cutover.control_table: {k.control_table!r} must be schema.table, both lowercase PostgreSQL "
                        "identifiers")
    elif not any(_like(pattern, schema) for pattern in migrated_schema_patterns(m)):
        problems.append(f"cutover.control_table: schema {schema!r} is not migrated; the marker must travel with DMS")
    for name in ("onprem_fence_secret_arn", "aurora_fence_secret_arn"):
        if not SECRET_ARN.match(getattr(m, name)):
            problems.append(f"migration.{name}: must be the ARN of an existing Secrets Manager secret (the fence "
                            "role's); the stack never creates one")
    if m.onprem_fence_secret_arn == m.aurora_fence_secret_arn:
        problems.append("migration.aurora_fence_secret_arn: must differ from onprem_fence_secret_arn")
    if not KMS_KEY_ARN.match(m.fence_secret_kms_key_arn):
        problems.append("migration.fence_secret_kms_key_arn: must be the ARN of the customer-managed KMS key that "
                        "encrypts the fence secrets")


def migrated_schema_patterns(m: MigrationConfig) -> list[str]:
    """The schemas the tasks select, as SQL LIKE patterns. With a mappings file of its own, the fence's dry-run
    gate checks the marker table on both sides instead (config stays free of the stack's imports)."""
    return ["%"] if m.table_mappings_file else [m.schema.replace("_", "\\_")]


def _like(pattern: str, value: str) -> bool:
    """SQL LIKE: % any run, _ one character, a backslash escapes the next one."""
    expression, chars = "", iter(pattern)
    for char in chars:
        if char == "\\":
            expression += re.escape(next(chars, ""))
        else:
            expression += {"%": ".*", "_": "."}.get(char, re.escape(char))
    return re.fullmatch(expression, value) is not None


def _check_monitoring(c: Config, problems: list[str]) -> None:
    low, high = CONTROLLER_LIMITS["lag_threshold_seconds"]
    if not low <= c.monitoring.lag_threshold_seconds <= high:
        problems.append(f"monitoring.lag_threshold_seconds: must be {low} to {high} (the migration's lag budget), "
                        f"got {c.monitoring.lag_threshold_seconds}")
    if not 1 <= c.monitoring.alarm_evaluation_minutes <= 15:
        problems.append(f"monitoring.alarm_evaluation_minutes: must be 1 to 15, got {c.monitoring.alarm_evaluation_minutes}")
    for name in ("slot_disk_alarm_gib", "transaction_logs_alarm_gib"):
        if not 1 <= getattr(c.monitoring, name) <= 65536:
            problems.append(f"monitoring.{name}: must be 1 to 65536 GiB, got {getattr(c.monitoring, name)}")
    for name in ("cdc_incoming_changes_alarm", "cdc_changes_on_disk_alarm"):
        if not 1 <= getattr(c.monitoring, name) <= 1_000_000_000:
            problems.append(f"monitoring.{name}: must be 1 to 1000000000 changes, got {getattr(c.monitoring, name)}")


def _check_backup(c: Config, problems: list[str]) -> None:
    if not BACKUP_SCHEDULE.match(c.backup.schedule):
        problems.append(f"backup.schedule: {c.backup.schedule!r} must be a cron(...) or rate(...) expression")
    if not 7 <= c.backup.retention_days <= 36500:
        problems.append(f"backup.retention_days: must be 7 to 36500, got {c.backup.retention_days}")


def _check_state(c: Config, problems: list[str]) -> None:
    s = c.state
    if not s.bucket:
        for name in ("key", "region", "kms_key_arn"):
            if getattr(s, name):
                problems.append(f"state.{name}: only meaningful with state.bucket")
        return
    if not S3_BUCKET.match(s.bucket):
        problems.append(f"state.bucket: {s.bucket!r} is not an S3 bucket name")
    if s.region and not REGION.match(s.region):
        problems.append(f"state.region: {s.region!r} is not an AWS region code")
    if s.kms_key_arn and not KMS_KEY_ARN.match(s.kms_key_arn):
        problems.append("state.kms_key_arn: must be a KMS key ARN")
    if s.key and (s.key.startswith("/") or not s.key.endswith(".tfstate")):
        problems.append(f"state.key: {s.key!r} must be a relative object key ending in .tfstate")


# What each setting means, for the configuration reference (docs/configuration.md) (a test keeps the two in step).
DOCS: dict[str, str] = {
    "environment_suffix": "Suffix of every physical name; a-z, 0-9, '-', no environment word, region or account id",
    "region": "AWS region to deploy to (never written into names)",
    "owner": "Owner tag on every resource",
    "cost_center": "CostCenter tag on every resource",
    "project": "Project tag on every resource",
    "network.migration_vpc_cidr": "CIDR of the migration VPC (/16 to /24); 3 private subnets are carved from it",
    "network.production_vpc_id": "Existing production VPC to peer with; empty creates one from production_vpc_cidr",
    "network.production_vpc_cidr": "CIDR of the production VPC (existing or created); must not overlap the others",
    "network.production_route_table_ids": "Route tables of an existing production VPC that get a route back",
    "network.onprem_cidr": "CIDR of the on-prem network holding the source PostgreSQL",
    "network.onprem_transit_gateway_id": "Transit gateway that reaches on-prem; empty attaches a virtual private "
                                         "gateway for a site-to-site VPN",
    "network.availability_zones": "3 zones for the subnets and the Aurora instances; empty takes the first 3 available",
    "network.flow_log_retention_days": "Retention of the VPC flow logs (a CloudWatch Logs retention value, 365 days at least)",
    "database.engine_version": "Aurora PostgreSQL engine version",
    "database.instance_class": "Aurora instance class of the writer and both readers",
    "database.database_name": "Database created in Aurora (the DMS target)",
    "database.master_username": "Aurora master user; its password is generated and kept by RDS in Secrets Manager",
    "database.port": "Aurora port",
    "database.backup_retention_days": "Automated backups and point-in-time recovery window (7 to 35 days)",
    "database.backtrack_window_seconds": "Must stay 0: Aurora PostgreSQL has no backtrack (see Rollback)",
    "database.log_retention_days": "Retention of the PostgreSQL, DMS task and controller log groups (365 days at least)",
    "migration.onprem_host": "DNS name of the on-prem PostgreSQL primary (the writer name's on-prem target)",
    "migration.onprem_reader_host": "DNS name the reader name points to on-prem (empty: onprem_host)",
    "migration.onprem_port": "Port of the on-prem PostgreSQL",
    "migration.onprem_database": "On-prem database to migrate",
    "migration.source_secret_arn": "EXISTING secret with username, password, host, port of the on-prem database",
    "migration.source_secret_kms_key_arn": "Customer-managed KMS key that encrypts the source secret",
    "migration.target_secret_arn": "EXISTING secret with the DMS user, password, host, port of Aurora",
    "migration.target_secret_kms_key_arn": "Customer-managed KMS key that encrypts the target secret",
    "migration.source_ssl_mode": "TLS mode of the on-prem endpoints (require)",
    "migration.target_ssl_mode": "TLS mode of the Aurora endpoints (require)",
    "migration.dms_instance_class": "DMS replication instance class; at least 2 vCPU and 8 GiB",
    "migration.dms_allocated_storage_gib": "DMS replication instance storage (GiB)",
    "migration.dms_multi_az": "Run the replication instance Multi-AZ",
    "migration.create_dms_account_roles": "Create dms-vpc-role and dms-cloudwatch-logs-role (only if the account "
                                          "lacks them)",
    "migration.schema": "Schema whose tables are migrated (when no table mappings file is given)",
    "migration.table_mappings_file": "Path of a DMS table mappings JSON file replacing the default",
    "migration.dms_engine_version": "DMS engine version, pinned (3.5.3 or later: PostgreSQL 16 sources)",
    "migration.lob_mode": "LOB mode of both tasks: limited (up to lob_max_size_kb, the task fails on a larger "
                          "value) or full",
    "migration.lob_max_size_kb": "Largest LOB (TEXT, BYTEA, JSON/JSONB, arrays) in limited mode, 1 to 102400 KB",
    "migration.decoding_plugin": "Logical decoding plugin of both PostgreSQL sources (test_decoding or pglogical)",
    "migration.heartbeat_frequency_minutes": "Minutes between DMS heartbeats on both sources (keeps idle slots "
                                             "moving), 1 to 60",
    "migration.heartbeat_schema": "Schema of the DMS heartbeat table on both databases (not the migrated schema)",
    "migration.controller_secret_arn": "EXISTING secret of the database role the controller uses through the Data API "
                                       "(sequences, data gates); empty: the RDS-managed master secret",
    "migration.onprem_fence_secret_arn": "EXISTING secret (username, password) of the fence role on on-prem "
                                         "(docs/runbook.md: the role and its privileges)",
    "migration.aurora_fence_secret_arn": "EXISTING secret (username, password) of the fence role on Aurora",
    "migration.fence_secret_kms_key_arn": "Customer-managed KMS key of both fence secrets",
    "cutover.flip_mode": "fenced (default): the databases stop the application's writes on one side before the "
                         "other opens; drain: DNS only, pools drained by hand (two writers until they are)",
    "cutover.flip_catchup_seconds": "Longest wait (5 to 300 s) for Aurora to receive the fence's marker; "
                                    "past it the flip is undone",
    "cutover.application_roles": "PostgreSQL roles the applications connect as (fenced mode): their writes are "
                                 "fenced and their sessions ended at the flip",
    "cutover.control_table": "schema.table of the flip's marker, in a migrated schema (docs/runbook.md: create it before "
                             "the full load)",
    "migration.controller_secret_kms_key_arn": "Customer-managed KMS key of controller_secret_arn (with it only)",
    "migration.assessment_exclusions": "Premigration assessments left out of every run, each <name>=<reason>",
    "migration.assessment_retention_days": "Days the assessment results bucket keeps a run's results",
    "dns.zone_name": "Hosted zone of the weighted database name",
    "dns.record_name": "Label of the weighted writer name (reads and writes) in the zone",
    "dns.reader_record_name": "Label of the weighted reader name (read-only traffic) in the zone",
    "dns.ttl_seconds": "TTL of both weighted records (10 to 300 s)",
    "dns.private_zone": "Private zone associated with both VPCs (false: public zone)",
    "cutover.canary_steps": "Percent on Aurora after each step, rising to 100",
    "cutover.bake_minutes": "Minutes each step bakes before the next",
    "cutover.healthy_minutes": "Consecutive minutes of CDC latency within the threshold before any shift",
    "cutover.rollback_on_alarm": "Roll back on a lag alarm or task failure during the cutover (false: hold)",
    "cutover.write_canary": "Writes follow the canary steps too (two primaries at once; see docs/runbook.md before "
                            "setting it); false: readers canary, writes flip in one step",
    "cutover.auto_flip": "Flip writes without an operator command once the readers have baked at 100% and the flip "
                         "gates hold",
    "cutover.flip_max_lag_seconds": "Forward CDC latency the writer flip tolerates over the healthy window (seconds)",
    "cutover.sequence_gap": "How far past each column's maximum the sequences are set before Aurora takes writes",
    "monitoring.lag_threshold_seconds": "CDC latency alarm threshold (1 to 60 s)",
    "monitoring.alarm_evaluation_minutes": "Minutes above the threshold before the alarm fires",
    "monitoring.slot_disk_alarm_gib": "Alarm when Aurora's replication slots hold more WAL than this (GiB)",
    "monitoring.transaction_logs_alarm_gib": "Alarm when Aurora's transaction logs use more disk than this (GiB)",
    "monitoring.cdc_incoming_changes_alarm": "Alarm when the forward task has more changes waiting to apply",
    "monitoring.cdc_changes_on_disk_alarm": "Alarm when the forward task spills more source changes to disk",
    "backup.schedule": "AWS Backup schedule (cron or rate expression)",
    "backup.retention_days": "Days AWS Backup keeps each recovery point",
    "state.bucket": "S3 bucket of the remote state; empty keeps local state",
    "state.key": "Object key of the remote state (default migration-<suffix>/terraform.tfstate)",
    "state.region": "Region of the state bucket (default: region)",
    "state.kms_key_arn": "KMS key of the state object (default: the bucket's)",
}


def defaults() -> dict[str, object]:
    """Every config path with its default value."""
    flat: dict[str, object] = {}
    for key, value in to_dict(Config()).items():
        if isinstance(value, dict):
            flat.update({f"{key}.{k}": v for k, v in value.items()})
        else:
            flat[key] = value
    return flat
