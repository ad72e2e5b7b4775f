"""The migration's configuration as one schema: each setting once, with its type, default, bounds and meaning.

Settings come from an optional JSON file and `MIGRATION_*` variables (stack/config_loading.py reads them; the
environment wins). A rule on one setting is a validator on that field; a rule across settings is a model
validator of the section (or of the whole config) that holds them. Every broken rule is reported at once,
naming the field and the rule, before a construct is built. The configuration reference and the JSON Schema
of the file are generated from this module (scripts/config_reference.py).
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

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
from foundation.controller_contract import LIMITS as CONTROLLER_LIMITS
from foundation.controller_contract import settings as controller_settings
from stack import naming

ENV_PREFIX = "MIGRATION_"
ENVIRONMENT: ContextVar[Mapping[str, str] | None] = ContextVar("ENVIRONMENT", default=None)

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
TAG_VALUE = re.compile(r"[A-Za-z0-9 _.:/=+@-]{1,256}")
# verify-ca and verify-full need a CA certificate (aws_dms_certificate) this stack does not manage.
SSL_MODES = ("require",)
RESERVED_USERS = ("postgres", "rdsadmin", "admin")


# ---------------------------------------------------------------------------------------------------
# How a rule is stated: a field rule raises one `config_rule` error; a rule across fields raises one
# `config_rules` error carrying every "path: rule" it found (config_loading turns both into lines).


def broken(rule: str) -> PydanticCustomError:
    return PydanticCustomError("config_rule", "{rule}", {"rule": rule})


def report(problems: list[str]) -> None:
    if problems:
        raise PydanticCustomError("config_rules", "{count} rule(s) broken", {"count": len(problems),
                                                                             "problems": tuple(problems)})


@dataclass(frozen=True)
class Why:
    """How a bounded number's rule reads: `words` before the range, `why` after it."""

    why: str = ""
    words: str = ""


def _whole(value: object) -> object:
    """A whole number: JSON integers, or digits in the environment (never true/false or 1.5)."""
    if isinstance(value, (bool, float)):
        raise PydanticCustomError("whole_number", "expected a whole number")
    if isinstance(value, str):
        if not re.fullmatch(r"-?[0-9]+", value.strip()):
            raise PydanticCustomError("whole_number", "expected a whole number")
        return int(value)
    return value


def Whole(low: int, high: int, why: str = "", words: str = "") -> Any:  # noqa: N802 (a type)
    return Annotated[int, Field(ge=low, le=high), BeforeValidator(_whole), Why(why, words)]


def _items(value: object) -> object:
    """A list: a JSON array, or comma-separated in the environment."""
    return tuple(s.strip() for s in value.split(",") if s.strip()) if isinstance(value, str) else value


Strings = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_items)]
Wholes = Annotated[tuple[Annotated[int, BeforeValidator(_whole)], ...], NoDecode, BeforeValidator(_items)]


def rule(check: Callable[[Any], str | None]) -> AfterValidator:
    """A field rule: `check` says what is wrong with the value, or None."""

    def validate(value: Any) -> Any:
        problem = check(value)
        if problem:
            raise broken(problem)
        return value

    return AfterValidator(validate)


def matching(pattern: re.Pattern[str], problem: str | Callable[[str], str], *, or_empty: bool = False) -> Any:
    """A string that matches `pattern` (or is empty, with `or_empty`); the JSON Schema carries the pattern."""

    def check(value: str) -> str | None:
        if (or_empty and not value) or pattern.match(value):
            return None
        return problem(value) if callable(problem) else problem

    shown = f"^$|{pattern.pattern}" if or_empty else pattern.pattern
    return Annotated[str, rule(check), Field(json_schema_extra={"pattern": shown})]


def one_of(choices: tuple[str, ...] | list[str], why: str = "") -> Any:
    def check(value: str) -> str | None:
        return None if value in choices else f"must be one of {', '.join(choices)}{why}, got {value!r}"
    return Annotated[str, rule(check), Field(json_schema_extra={"enum": list(choices)})]


def secret_arn(what: str) -> Callable[[str], str | None]:
    return lambda v: None if SECRET_ARN.match(v) else what


def kms_key_arn(what: str) -> Callable[[str], str | None]:
    return lambda v: None if KMS_KEY_ARN.match(v) else what


def optional(check: Callable[[str], str | None]) -> Callable[[str], str | None]:
    """Empty is allowed here; a model validator says when the setting is required."""
    return lambda v: check(v) if v else None


def _cidr(value: str) -> str | None:
    try:
        ipaddress.IPv4Network(value, strict=True)
    except ValueError as exc:
        return f"{value!r} is not an IPv4 CIDR block with its host bits zero ({exc})"
    return None


def _retention(value: int) -> str | None:
    if value not in LOG_RETENTION_DAYS:
        return f"CloudWatch Logs accepts only {', '.join(map(str, LOG_RETENTION_DAYS))} days, got {value}"
    if value < MIN_LOG_RETENTION_DAYS:
        return (f"must be at least {MIN_LOG_RETENTION_DAYS} days (a year of audit log history, PCI DSS 10.5.1), "
                f"got {value}")
    return None


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _host(value: str) -> str | None:
    if DNS_NAME.match(value) and not _is_ip(value):
        return None
    return (f"{value!r} must be a lowercase DNS name (not an IP address): the weighted records of one name "
            "share one type, and Aurora's endpoint is a CNAME")


def _identifier(what: str) -> Callable[[str], str | None]:
    return lambda v: None if PG_IDENTIFIER.match(v) else f"{v!r} is not a PostgreSQL {what}"


Cidr = Annotated[str, rule(_cidr)]
Retention = Annotated[int, BeforeValidator(_whole), rule(_retention),
                      Field(json_schema_extra={"enum": [d for d in LOG_RETENTION_DAYS if d >= MIN_LOG_RETENTION_DAYS]})]
Port = Whole(1150, 65535, "the range RDS and DMS accept", words="a port from")
TagValue = Annotated[str, rule(lambda v: None if TAG_VALUE.fullmatch(v) else
                               f"must be 1-256 characters allowed in AWS tag values, got {v!r}")]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------------------------------------------
# The sections, in the project's concern order.


def _zones(value: tuple[str, ...]) -> str | None:
    if value and (len(value) != 3 or len(set(value)) != 3):
        return "give exactly 3 distinct zones (writer + 2 readers), or none"
    return None


class NetworkConfig(Section):
    """Where the migration runs and what it must reach."""

    migration_vpc_cidr: Cidr = Field("10.20.0.0/16", description="CIDR of the migration VPC (/16 to /24); 3 private "
                                     "subnets are carved from it")
    production_vpc_id: matching(VPC_ID, lambda v: f"{v!r} is not a VPC id such as vpc-0a1b2c3d", or_empty=True) = Field(
        "", description="Existing production VPC to peer with; empty creates one from production_vpc_cidr")
    production_vpc_cidr: Cidr = Field("10.30.0.0/16", description="CIDR of the production VPC (existing or "
                                      "created); must not overlap the others")
    production_route_table_ids: Annotated[Strings, rule(lambda v: next(
        (f"{rt!r} is not a route table id such as rtb-0a1b2c3d" for rt in v if not ROUTE_TABLE_ID.match(rt)), None))] \
        = Field((), description="Route tables of an existing production VPC that get a route back")
    onprem_cidr: Cidr = Field("172.16.0.0/16", description="CIDR of the on-prem network holding the source PostgreSQL")
    onprem_transit_gateway_id: matching(TGW_ID, lambda v: f"{v!r} is not a transit gateway id", or_empty=True) = Field(
        "", description="Transit gateway that reaches on-prem; empty attaches a virtual private gateway for a "
                        "site-to-site VPN")
    availability_zones: Annotated[Strings, rule(_zones)] = Field(
        (), description="3 zones for the subnets and the Aurora instances; empty takes the first 3 available")
    flow_log_retention_days: Retention = Field(365, description="Retention of the VPC flow logs (a CloudWatch Logs "
                                               "retention value, 365 days at least)")

    @model_validator(mode="after")
    def _ranges(self) -> NetworkConfig:
        problems = []
        nets = {f"network.{name}": ipaddress.IPv4Network(getattr(self, name))
                for name in ("migration_vpc_cidr", "production_vpc_cidr", "onprem_cidr")}
        if not 16 <= nets["network.migration_vpc_cidr"].prefixlen <= 24:
            problems.append("network.migration_vpc_cidr: prefix must be /16 to /24 (AWS VPC limits, and 3 subnets fit)")
        if not self.production_vpc_id and not 16 <= nets["network.production_vpc_cidr"].prefixlen <= 28:
            problems.append("network.production_vpc_cidr: prefix must be /16 to /28 for a VPC created here")
        items = list(nets.items())
        for i, (ka, a) in enumerate(items):
            for kb, b in items[i + 1:]:
                if a.overlaps(b):
                    problems.append(f"{ka} and {kb}: CIDR blocks {a} and {b} overlap; peering and routing need "
                                    "disjoint ranges")
        if self.production_route_table_ids and not self.production_vpc_id:
            problems.append("network.production_route_table_ids: only meaningful with an existing "
                            "network.production_vpc_id")
        if self.production_vpc_id and not self.production_route_table_ids:
            problems.append("network.production_route_table_ids: required with an existing production VPC, "
                            "so the production side gets a route back to the migration VPC")
        report(problems)
        return self


def _aurora_class(value: str) -> str | None:
    if not AURORA_CLASS.match(value):
        return f"{value!r} is not a provisioned Aurora class such as db.r6g.large"
    if value.startswith("db.t"):
        return (f"{value} is a T class; the RDS Data API, through which the controller syncs sequences and checks "
                "tables, is not available on T classes")
    return None


def _aurora_version(value: str) -> str | None:
    if not AURORA_ENGINE_VERSION.match(value):
        return f"{value!r} is not an Aurora PostgreSQL version such as 16.6"
    if version_tuple(value) < DATA_API_MIN_VERSION:
        return (f"{value} predates 16.1; the RDS Data API on provisioned Aurora PostgreSQL (the controller's "
                "sequence sync and data gates) needs 16.1 or later")
    return None


def _user_identifier(value: str) -> str | None:
    if PG_IDENTIFIER.match(value) and value not in RESERVED_USERS:
        return None
    return ("must be a lowercase PostgreSQL identifier (letter or _, then letters, digits, _; at most 63) and not a "
            f"reserved name, got {value!r}")


def _backtrack(value: int) -> str | None:
    if not value:
        return None
    return ("must be 0: Aurora backtrack exists only for Aurora MySQL, and AWS rejects it for aurora-postgresql at "
            "apply time. Rollback here is the weights back to on-prem, the reverse CDC task (no lost write) and a "
            "point-in-time restore to the recorded pre-cutover checkpoint")


class DatabaseConfig(Section):
    """The Aurora PostgreSQL target."""

    engine_version: Annotated[str, rule(_aurora_version)] = Field("16.6", description="Aurora PostgreSQL engine "
                                                                  "version (16.1 or later: the Data API)")
    instance_class: Annotated[str, rule(_aurora_class)] = Field(
        "db.r6g.large", description="Aurora instance class of the writer and both readers (not a T class)")
    database_name: Annotated[str, rule(_user_identifier)] = Field("payments", description="Database created in "
                                                                  "Aurora (the DMS target)")
    master_username: Annotated[str, rule(_user_identifier)] = Field(
        "migration_admin", description="Aurora master user; its password is generated and kept by RDS in Secrets "
                                       "Manager")
    port: Port = Field(5432, description="Aurora port")
    backup_retention_days: Whole(*PITR_DAYS, f"{PITR_DAYS[0]} days of point-in-time recovery at least") = Field(
        7, description="Automated backups and point-in-time recovery window")
    backtrack_window_seconds: Annotated[int, BeforeValidator(_whole), rule(_backtrack)] = Field(
        0, description="Must stay 0: Aurora PostgreSQL has no backtrack (see Rollback)")
    log_retention_days: Retention = Field(365, description="Retention of the PostgreSQL, DMS task and controller log "
                                          "groups (365 days at least)")


def _exclusions(value: tuple[str, ...]) -> str | None:
    for entry in value:
        name, _, reason = entry.partition("=")
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{2,99}", name.strip()) or len(reason.strip()) < 10:
            return (f"{entry!r} must be <assessment name>=<reason of 10+ characters> (an individual assessment left "
                    "out of every run, and why)")
    return None


def _ssl_mode(value: str) -> str | None:
    if value in ("verify-ca", "verify-full"):
        return f"{value} needs a CA certificate this stack does not manage; use require"
    return None if value in SSL_MODES else f"must be require (TLS in transit; never none), got {value!r}"


def _dms_class(value: str) -> str | None:
    spec = DMS_CLASSES.get(value)
    if spec is None:
        return f"unknown class {value!r} (known: {', '.join(DMS_CLASSES)})"
    if spec[0] < DMS_MIN_VCPU or spec[1] < DMS_MIN_GIB:
        return (f"{value} has {spec[0]} vCPU / {spec[1]} GiB; full load plus CDC needs at least {DMS_MIN_VCPU} vCPU "
                f"and {DMS_MIN_GIB} GiB")
    return None


def _dms_version(value: str) -> str | None:
    version = version_tuple(value)
    if version is None or len(version) != 3:
        return f"{value!r} is not a DMS engine version such as 3.5.4"
    if version < DMS_MIN_ENGINE_VERSION:
        return (f"{value} is below {'.'.join(map(str, DMS_MIN_ENGINE_VERSION))}, the first DMS release that supports "
                "PostgreSQL 16 as a source")
    return None


def _mappings_file(value: str) -> str | None:
    if not value:
        return None
    try:
        mappings = json.loads(Path(value).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        return f"cannot read JSON from {value!r} ({exc})"
    if not isinstance(mappings, dict) or not isinstance(mappings.get("rules"), list) or not mappings["rules"]:
        return "must hold a DMS table mapping object with a non-empty \"rules\" list"
    return None


EXISTING_SECRET = ("must be the ARN of an existing Secrets Manager secret (arn:aws:secretsmanager:<region>:<account>:"
                   "secret:<name>); the stack never creates one")
SECRET_KEY = "must be the ARN of the customer-managed KMS key that encrypts the secret"
DEFAULT_KEY = "arn:aws:kms:us-east-1:111122223333:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


class MigrationConfig(Section):
    """The on-prem source and the DMS replication that copies it."""

    onprem_host: Annotated[str, rule(_host)] = Field(
        "pgprimary.corp.example.com", description="DNS name of the on-prem PostgreSQL primary (the writer name's "
                                                  "on-prem target)")
    onprem_reader_host: Annotated[str, rule(lambda v: v and _host(v) and _host(v) + ", or empty for onprem_host")] = \
        Field("", description="DNS name the reader name points to on-prem (empty: onprem_host)")
    onprem_port: Port = Field(5432, description="Port of the on-prem PostgreSQL")
    onprem_database: Annotated[str, rule(_identifier("database name"))] = Field(
        "payments", description="On-prem database to migrate")
    source_secret_arn: Annotated[str, rule(secret_arn(EXISTING_SECRET))] = Field(
        "arn:aws:secretsmanager:us-east-1:111122223333:secret:migration/onprem-source-AbCdEf",
        description="EXISTING secret with username, password, host, port of the on-prem database")
    source_secret_kms_key_arn: Annotated[str, rule(kms_key_arn(SECRET_KEY))] = Field(
        DEFAULT_KEY, description="Customer-managed KMS key that encrypts the source secret")
    target_secret_arn: Annotated[str, rule(secret_arn(EXISTING_SECRET))] = Field(
        "arn:aws:secretsmanager:us-east-1:111122223333:secret:migration/aurora-target-GhIjKl",
        description="EXISTING secret with the DMS user, password, host, port of Aurora")
    target_secret_kms_key_arn: Annotated[str, rule(kms_key_arn(SECRET_KEY))] = Field(
        DEFAULT_KEY, description="Customer-managed KMS key that encrypts the target secret")
    source_ssl_mode: Annotated[str, rule(_ssl_mode), Field(json_schema_extra={"enum": list(SSL_MODES)})] = Field(
        "require", description="TLS mode of the on-prem endpoints (require)")
    target_ssl_mode: Annotated[str, rule(_ssl_mode), Field(json_schema_extra={"enum": list(SSL_MODES)})] = Field(
        "require", description="TLS mode of the Aurora endpoints (require)")
    dms_instance_class: Annotated[str, rule(_dms_class)] = Field(
        "dms.r6i.large", description=f"DMS replication instance class; at least {DMS_MIN_VCPU} vCPU and "
                                     f"{DMS_MIN_GIB} GiB")
    dms_allocated_storage_gib: Whole(50, 6144) = Field(100, description="DMS replication instance storage (GiB)")
    dms_multi_az: bool = Field(True, description="Run the replication instance Multi-AZ")
    create_dms_account_roles: bool = Field(False, description="Create dms-vpc-role and dms-cloudwatch-logs-role (only "
                                                              "if the account lacks them)")
    schema_: Annotated[str, rule(_identifier("schema name"))] = Field(
        "public", alias="schema", description="Schema whose tables are migrated (when no table mappings file is given)")
    table_mappings_file: Annotated[str, rule(_mappings_file)] = Field(
        "", description="Path of a DMS table mappings JSON file replacing the default")
    dms_engine_version: Annotated[str, rule(_dms_version)] = Field(
        "3.5.4", description="DMS engine version, pinned (3.5.3 or later: PostgreSQL 16 sources)")
    lob_mode: Annotated[str, rule(lambda v: None if v in ("limited", "full") else
                                  f"must be limited or full, got {v!r}"),
                        Field(json_schema_extra={"enum": ["limited", "full"]})] = Field(
        "limited", description="LOB mode of both tasks: limited (up to lob_max_size_kb, the task fails on a larger "
                               "value) or full")
    lob_max_size_kb: Whole(1, 102400, "size it with the query in docs/replication.md") = Field(
        64, description="Largest LOB (TEXT, BYTEA, JSON/JSONB, arrays) in limited mode, in KB")
    decoding_plugin: one_of(DECODING_PLUGINS) = Field(
        "test_decoding", description="Logical decoding plugin of both PostgreSQL sources")
    heartbeat_frequency_minutes: Whole(1, 60) = Field(
        5, description="Minutes between DMS heartbeats on both sources (keeps idle slots moving)")
    heartbeat_schema: Annotated[str, rule(_identifier("schema name"))] = Field(
        "awsdms_heartbeat", description="Schema of the DMS heartbeat table on both databases (not the migrated "
                                        "schema)")
    controller_secret_arn: matching(SECRET_ARN, "must be the ARN of an existing Secrets Manager secret, or empty "
                                                "for the RDS-managed master secret", or_empty=True) = Field(
        "", description="EXISTING secret of the database role the controller uses through the Data API (sequences, "
                        "data gates); empty: the RDS-managed master secret")
    controller_secret_kms_key_arn: matching(KMS_KEY_ARN, "must be the ARN of a customer-managed KMS key",
                                            or_empty=True) = Field(
        "", description="Customer-managed KMS key of controller_secret_arn (with it only)")
    assessment_exclusions: Annotated[Strings, rule(_exclusions)] = Field(
        (), description="Premigration assessments left out of every run, each <name>=<reason>")
    assessment_retention_days: Whole(7, 3650) = Field(90, description="Days the assessment results bucket keeps a "
                                                      "run's results")
    onprem_fence_secret_arn: Annotated[str, rule(optional(secret_arn(EXISTING_SECRET)))] = Field(
        "arn:aws:secretsmanager:us-east-1:111122223333:secret:migration/onprem-fence-MnOpQr",
        description="EXISTING secret (username, password) of the fence role on on-prem (docs/runbook.md: the role "
                    "and its privileges)")
    aurora_fence_secret_arn: Annotated[str, rule(optional(secret_arn(EXISTING_SECRET)))] = Field(
        "arn:aws:secretsmanager:us-east-1:111122223333:secret:migration/aurora-fence-StUvWx",
        description="EXISTING secret (username, password) of the fence role on Aurora")
    fence_secret_kms_key_arn: Annotated[str, rule(optional(kms_key_arn(SECRET_KEY)))] = Field(
        DEFAULT_KEY, description="Customer-managed KMS key of both fence secrets")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, serialize_by_alias=True)

    @property
    def schema(self) -> str:  # `schema` is a BaseModel method name; the setting keeps its name in files
        return self.schema_

    @model_validator(mode="after")
    def _pairs(self) -> MigrationConfig:
        problems = []
        if bool(self.controller_secret_arn) != bool(self.controller_secret_kms_key_arn):
            problems.append("migration.controller_secret_kms_key_arn: give it exactly when controller_secret_arn is "
                            "given (the key that encrypts that secret)")
        if self.source_secret_arn == self.target_secret_arn:
            problems.append("migration.target_secret_arn: must differ from source_secret_arn (each holds its own host)")
        if self.heartbeat_schema == self.schema_:
            problems.append(f"migration.heartbeat_schema: {self.heartbeat_schema!r} must be a PostgreSQL schema name "
                            "other than migration.schema (heartbeats must not be replicated)")
        report(problems)
        return self


class DnsConfig(Section):
    """The weighted name the applications connect to."""

    zone_name: matching(DNS_NAME, lambda v: f"{v!r} is not a lowercase DNS name with at least two labels") = Field(
        "payments-db.internal", description="Hosted zone of the weighted database name")
    record_name: matching(DNS_LABEL, lambda v: f"{v!r} must be one lowercase DNS label") = Field(
        "db", description="Label of the weighted writer name (reads and writes) in the zone")
    reader_record_name: matching(DNS_LABEL, lambda v: f"{v!r} must be one lowercase DNS label") = Field(
        "db-ro", description="Label of the weighted reader name (read-only traffic) in the zone")
    ttl_seconds: Whole(*RECORD_TTL_SECONDS, "short, so a weight change takes effect within minutes") = Field(
        60, description="TTL of both weighted records, in seconds")
    private_zone: bool = Field(True, description="Private zone associated with both VPCs (false: public zone)")

    @model_validator(mode="after")
    def _names(self) -> DnsConfig:
        if self.reader_record_name == self.record_name:
            report(["dns.reader_record_name: must differ from dns.record_name (readers canary, writes flip)"])
        return self


def _steps(value: tuple[int, ...]) -> str | None:
    if controller_settings.canary_steps_valid(value):
        return None
    return f"{controller_settings.CANARY_STEPS_RULE}, got {list(value)}"


def _role(value: tuple[str, ...]) -> str | None:
    for role in value:
        if not PG_ROLE.match(role):
            return (f"{role!r} is not a PostgreSQL role name (lowercase letter or _ first, then letters, digits, _ "
                    "or $; at most 63)")
    return None


def _control_table(value: str) -> str | None:
    schema, _, table = value.partition(".")
    if PG_ROLE.match(schema) and PG_ROLE.match(table):
        return None
    return f"{value!r} must be schema.table, both lowercase PostgreSQL identifiers"


def limit(name: str, why: str) -> Any:
    return Whole(*CONTROLLER_LIMITS[name], why)


class CutoverConfig(Section):
    """How the controller shifts traffic."""

    canary_steps: Annotated[Wholes, rule(_steps)] = Field((10, 50, 100), description="Percent on Aurora after each "
                                                          "step, rising to 100")
    bake_minutes: limit("bake_minutes", "the controller's limit") = Field(
        15, description="Minutes each step bakes before the next")
    healthy_minutes: limit("healthy_minutes", "the controller's limit") = Field(
        5, description="Consecutive minutes of CDC latency within the threshold before any shift")
    rollback_on_alarm: bool = Field(True, description="Roll back on a lag alarm or task failure during the cutover "
                                                      "(false: hold)")
    write_canary: bool = Field(False, description="Writes follow the canary steps too (two primaries at once; see "
                                                  "docs/runbook.md before setting it); false: readers canary, writes "
                                                  "flip in one step")
    auto_flip: bool = Field(False, description="Flip writes without an operator command once the readers have baked "
                                               "at 100% and the flip gates hold")
    flip_max_lag_seconds: Annotated[int, BeforeValidator(_whole)] = Field(
        5, json_schema_extra={"minimum": CONTROLLER_LIMITS["flip_max_lag_seconds"][0],
                              "maximum": CONTROLLER_LIMITS["lag_threshold_seconds"][1]},
        description="Forward CDC latency the writer flip tolerates over the healthy window (seconds, at most "
                    "monitoring.lag_threshold_seconds)")
    sequence_gap: limit("sequence_gap", "ids on-prem may still issue after the sync") = Field(
        1_000_000, description="How far past each column's maximum the sequences are set before Aurora takes writes")
    flip_mode: one_of(controller_settings.FLIP_MODES) = Field(
        "fenced", description="fenced (default): the databases stop the application's writes on one side before the "
                              "other opens; drain: DNS only, pools drained by hand (two writers until they are)")
    flip_catchup_seconds: limit("flip_catchup_seconds", "the write pause waits at most this long for Aurora to "
                                                        "catch up") = Field(
        60, description="Longest wait for Aurora to receive the fence's marker; past it the flip is undone")
    long_transaction_seconds: limit("long_transaction_seconds", "the controller's limit") = Field(
        30, description="A transaction open longer than this on the side about to close (on-prem at the flip, Aurora "
                        "at a rollback) refuses it, named, instead of the fence ending a long batch halfway")
    application_roles: Annotated[Strings, rule(_role)] = Field(
        ("payments_app",), description="PostgreSQL roles the applications connect as (fenced mode): their writes are "
                                       "fenced and their sessions ended at the flip")
    control_table: Annotated[str, rule(_control_table)] = Field(
        "public.cutover_marker", description="schema.table of the flip's marker, in a migrated schema "
                                             "(docs/runbook.md: create it before the full load)")
    replication_roles: Annotated[Strings, rule(_role)] = Field(
        ("dms_user",), description="DMS's users on both databases (the usernames in the endpoints' secrets): never "
                                   "fenced, so replication runs on through the flip")
    onprem_allowed_roles: Annotated[Strings, rule(_role)] = Field(
        ("postgres",), description="On-prem's administrative roles the fence never denies (every superuser that can "
                                   "log in must be here, or the fence refuses: nothing can stop a superuser)")
    aurora_allowed_roles: Annotated[Strings, rule(_role)] = Field(
        ("rdsadmin",), description="Aurora's administrative roles the fence never denies, besides the master user "
                                   "(added by the stack); the Data API secret's role belongs here if it is not the "
                                   "master user")

    @model_validator(mode="after")
    def _modes(self) -> CutoverConfig:
        problems = []
        if self.write_canary and self.auto_flip:
            problems.append("cutover.auto_flip: only for the one-writer cutover; with cutover.write_canary the writes "
                            "follow the canary steps and there is no flip")
        if self.flip_mode == "fenced" and not self.application_roles:
            problems.append("cutover.application_roles: required in fenced mode (the roles the applications connect "
                            "as)")
        for name in ("replication_roles", "onprem_allowed_roles", "aurora_allowed_roles"):
            both = sorted(set(getattr(self, name)) & set(self.application_roles))
            if both:
                problems.append(f"cutover.{name}: {', '.join(both)} also in cutover.application_roles; a role the "
                                "fence never denies cannot be an application's")
        report(problems)
        return self


class MonitoringConfig(Section):
    """What counts as replication falling behind."""

    lag_threshold_seconds: limit("lag_threshold_seconds", "the migration's lag budget") = Field(
        60, description="CDC latency alarm threshold, in seconds")
    alarm_evaluation_minutes: Whole(1, 15) = Field(3, description="Minutes above the threshold before the alarm fires")
    slot_disk_alarm_gib: Whole(1, 65536, words="", why="GiB") = Field(
        20, description="Alarm when Aurora's replication slots hold more WAL than this (GiB)")
    transaction_logs_alarm_gib: Whole(1, 65536, why="GiB") = Field(
        20, description="Alarm when Aurora's transaction logs use more disk than this (GiB)")
    cdc_incoming_changes_alarm: Whole(1, 1_000_000_000, why="changes") = Field(
        100000, description="Alarm when the forward task has more changes waiting to apply")
    cdc_changes_on_disk_alarm: Whole(1, 1_000_000_000, why="changes") = Field(
        10000, description="Alarm when the forward task spills more source changes to disk")


class BackupConfig(Section):
    """The scheduled AWS Backup plan of the Aurora cluster."""

    schedule: matching(BACKUP_SCHEDULE, lambda v: f"{v!r} must be a cron(...) or rate(...) expression") = Field(
        "cron(0 5 * * ? *)", description="AWS Backup schedule (cron or rate expression)")
    retention_days: Whole(7, 36500) = Field(35, description="Days AWS Backup keeps each recovery point")


class StateConfig(Section):
    """Optional S3 remote state; local state when `bucket` is empty."""

    bucket: matching(S3_BUCKET, lambda v: f"{v!r} is not an S3 bucket name", or_empty=True) = Field(
        "", description="S3 bucket of the remote state; empty keeps local state")
    key: Annotated[str, rule(lambda v: None if not v or (not v.startswith("/") and v.endswith(".tfstate")) else
                             f"{v!r} must be a relative object key ending in .tfstate")] = Field(
        "", description="Object key of the remote state (default migration-<suffix>/terraform.tfstate)")
    region: matching(REGION, lambda v: f"{v!r} is not an AWS region code", or_empty=True) = Field(
        "", description="Region of the state bucket (default: region)")
    kms_key_arn: matching(KMS_KEY_ARN, "must be a KMS key ARN", or_empty=True) = Field(
        "", description="KMS key of the state object (default: the bucket's)")

    @model_validator(mode="after")
    def _bucket(self) -> StateConfig:
        if not self.bucket:
            report([f"state.{name}: only meaningful with state.bucket" for name in ("key", "region", "kms_key_arn")
                    if getattr(self, name)])
        return self


def _suffix(value: str) -> str | None:
    return "; ".join(naming.suffix_problems(value)) or None


class Config(BaseSettings):
    """The whole migration; sections in the project's concern order."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_nested_delimiter="_", env_nested_max_split=1,
                                      extra="forbid", frozen=True, case_sensitive=False, populate_by_name=True)

    environment_suffix: Annotated[str, rule(_suffix)] = Field(
        "sbx01", validation_alias=AliasChoices("environment_suffix", "ENVIRONMENT_SUFFIX"),
        description="Suffix of every physical name; a-z, 0-9, '-', no environment word, region or account id")
    region: matching(REGION, lambda v: f"{v!r} is not an AWS region code such as us-east-1") = Field(
        "us-east-1", description="AWS region to deploy to (never written into names)")
    owner: TagValue = Field("platform-engineering", description="Owner tag on every resource")
    cost_center: TagValue = Field("cc-payments", description="CostCenter tag on every resource")
    project: Annotated[str, rule(lambda v: None if re.fullmatch(r"[a-z][a-z0-9-]{0,30}", v) else
                                 "must be lowercase letters, digits and hyphens, 1-31 characters, got "
                                 f"{v!r}")] = Field("pg-aurora-migration", description="Project tag on every resource")
    network: NetworkConfig = Field(default_factory=NetworkConfig)
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    migration: MigrationConfig = Field(default_factory=MigrationConfig)
    dns: DnsConfig = Field(default_factory=DnsConfig)
    cutover: CutoverConfig = Field(default_factory=CutoverConfig)
    monitoring: MonitoringConfig = Field(default_factory=MonitoringConfig)
    backup: BackupConfig = Field(default_factory=BackupConfig)
    state: StateConfig = Field(default_factory=StateConfig)

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   **_: PydanticBaseSettingsSource) -> tuple[PydanticBaseSettingsSource, ...]:
        """The environment (the one `config_loading.load` was given; none for `Config()`) over the file."""
        env = EnvSettingsSource(settings_cls)
        env.env_vars = {name.lower(): value for name, value in (ENVIRONMENT.get() or {}).items()}
        return env, init_settings

    @model_validator(mode="after")
    def _across_sections(self) -> Config:
        problems = []
        for az in self.network.availability_zones:
            if not az.startswith(self.region) or not re.fullmatch(r"[a-z0-9-]+[a-z]", az):
                problems.append(f"network.availability_zones: {az!r} is not a zone of region {self.region}")
        flip_low = CONTROLLER_LIMITS["flip_max_lag_seconds"][0]
        ceiling = self.monitoring.lag_threshold_seconds
        if not flip_low <= self.cutover.flip_max_lag_seconds <= ceiling:
            problems.append(f"cutover.flip_max_lag_seconds: must be {flip_low} to monitoring.lag_threshold_seconds "
                            f"({ceiling}), got {self.cutover.flip_max_lag_seconds}")
        if self.cutover.flip_mode == "fenced":
            problems += self._fence_problems()
        report(problems)
        return self

    def _fence_problems(self) -> list[str]:
        k, m = self.cutover, self.migration
        problems = []
        schema = k.control_table.partition(".")[0]
        if not any(_like(pattern, schema) for pattern in migrated_schema_patterns(m)):
            problems.append(f"cutover.control_table: schema {schema!r} is not migrated; the marker must travel with "
                            "DMS")
        for name in ("onprem_fence_secret_arn", "aurora_fence_secret_arn", "fence_secret_kms_key_arn"):
            if not getattr(m, name):
                problems.append(f"migration.{name}: required in fenced mode (the fence role's secret, and its key); "
                                "the stack never creates one")
        if m.onprem_fence_secret_arn == m.aurora_fence_secret_arn:
            problems.append("migration.aurora_fence_secret_arn: must differ from onprem_fence_secret_arn")
        return problems

    @property
    def stack_name(self) -> str:
        return f"migration-{self.environment_suffix}"

    @property
    def tags(self) -> dict[str, str]:
        return {"Project": self.project, "EnvironmentSuffix": self.environment_suffix, "Owner": self.owner,
                "CostCenter": self.cost_center, "ManagedBy": "cdktf"}


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
