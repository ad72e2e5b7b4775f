"""Hypothesis strategies for suffixes and configurations, valid and invalid by construction."""

from __future__ import annotations

import ipaddress

from hypothesis import strategies as st

from stack import naming
from tests.aws_names import ENVIRONMENT_WORDS, forbidden_in

ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"


def _clean(value: str) -> bool:
    """No environment word, region or account id (the list written out in tests/aws_names.py), no '--'."""
    return not forbidden_in(value) and "--" not in value


@st.composite
def valid_suffixes(draw) -> str:
    """Every length from the shortest to the longest allowed; digits; hyphens only inside, never doubled."""
    length = draw(st.integers(naming.SUFFIX_MIN, naming.max_suffix_length()))
    first = draw(st.sampled_from(ALNUM))
    last = draw(st.sampled_from(ALNUM))
    middle = draw(st.text(alphabet=ALNUM + "-", min_size=length - 2, max_size=length - 2))
    value = first + middle + last
    from hypothesis import assume

    assume(_clean(value))
    return value


INVALID_SUFFIXES = st.one_of(
    st.just(""),
    valid_suffixes().map(str.upper).filter(lambda s: s != s.lower()),
    valid_suffixes().map(lambda s: s[:1] + "_" + s[1:]),
    valid_suffixes().map(lambda s: "-" + s),
    valid_suffixes().map(lambda s: s + "-"),
    valid_suffixes().map(lambda s: s[:1] + "--" + s[1:]),
    st.integers(naming.max_suffix_length() + 1, 80).map(lambda n: "a" * n),
    st.tuples(st.sampled_from(ENVIRONMENT_WORDS), st.sampled_from(["", "1", "-a"])).map("".join),
    st.sampled_from(["useast1", "us-east-1", "euwest2x"]),
    st.integers(10**11, 10**12 - 1).map(lambda n: f"a{n}"),
    st.text(alphabet="!@#$%^&*() ./", min_size=1, max_size=5),
)


def blocks(prefix_low: int, prefix_high: int):
    return st.tuples(st.integers(0, 2**32 - 1), st.integers(prefix_low, prefix_high)).map(
        lambda t: str(ipaddress.IPv4Network((t[0] >> (32 - t[1]) << (32 - t[1]), t[1]))))


@st.composite
def valid_config_env(draw) -> dict[str, str]:
    """Every setting varied within its rule (the README's configuration table), so each draw is a valid
    configuration, and a different one."""
    a, b = draw(st.lists(st.integers(0, 255), min_size=2, max_size=2, unique=True))
    steps = sorted(set(draw(st.lists(st.integers(1, 99), max_size=3))) | {100})
    lag = draw(st.integers(5, 60))
    write_canary = draw(st.booleans())
    return {
        "MIGRATION_NETWORK_MIGRATION_VPC_CIDR": f"10.{a}.0.0/{draw(st.integers(16, 24))}",
        "MIGRATION_NETWORK_PRODUCTION_VPC_CIDR": f"10.{b}.0.0/{draw(st.integers(16, 28))}",
        "MIGRATION_NETWORK_ONPREM_CIDR": f"172.16.0.0/{draw(st.integers(12, 28))}",
        "MIGRATION_NETWORK_ONPREM_TRANSIT_GATEWAY_ID": draw(st.sampled_from(["", "tgw-0123456789abcdef0"])),
        "MIGRATION_DATABASE_PORT": str(draw(st.integers(1150, 65535))),
        "MIGRATION_DATABASE_INSTANCE_CLASS": draw(st.sampled_from(["db.r6g.large", "db.r7g.xlarge", "db.r6i.2xlarge"])),
        "MIGRATION_DATABASE_ENGINE_VERSION": draw(st.sampled_from(["16.1", "16.6", "17.4"])),
        "MIGRATION_MIGRATION_ONPREM_PORT": str(draw(st.integers(1150, 65535))),
        "MIGRATION_MIGRATION_DMS_INSTANCE_CLASS": draw(st.sampled_from(
            ["dms.t3.large", "dms.c5.xlarge", "dms.c5.2xlarge", "dms.r5.large", "dms.r5.xlarge", "dms.r6i.large"])),
        "MIGRATION_MIGRATION_DMS_MULTI_AZ": draw(st.sampled_from(["true", "false"])),
        "MIGRATION_MIGRATION_CREATE_DMS_ACCOUNT_ROLES": draw(st.sampled_from(["true", "false"])),
        "MIGRATION_MIGRATION_LOB_MODE": draw(st.sampled_from(["limited", "full"])),
        "MIGRATION_MIGRATION_LOB_MAX_SIZE_KB": str(draw(st.integers(1, 102400))),
        "MIGRATION_MIGRATION_DECODING_PLUGIN": draw(st.sampled_from(["test_decoding", "pglogical"])),
        "MIGRATION_MIGRATION_HEARTBEAT_FREQUENCY_MINUTES": str(draw(st.integers(1, 60))),
        "MIGRATION_DNS_TTL_SECONDS": str(draw(st.integers(10, 300))),
        "MIGRATION_DNS_PRIVATE_ZONE": draw(st.sampled_from(["true", "false"])),
        "MIGRATION_CUTOVER_CANARY_STEPS": ",".join(map(str, steps)),
        "MIGRATION_CUTOVER_BAKE_MINUTES": str(draw(st.integers(1, 1440))),
        "MIGRATION_CUTOVER_HEALTHY_MINUTES": str(draw(st.integers(1, 60))),
        "MIGRATION_CUTOVER_WRITE_CANARY": "true" if write_canary else "false",
        "MIGRATION_CUTOVER_AUTO_FLIP": "false" if write_canary else draw(st.sampled_from(["true", "false"])),
        "MIGRATION_CUTOVER_FLIP_MAX_LAG_SECONDS": str(draw(st.integers(1, lag))),
        "MIGRATION_CUTOVER_SEQUENCE_GAP": str(draw(st.integers(1000, 10**12))),
        "MIGRATION_MONITORING_LAG_THRESHOLD_SECONDS": str(lag),
        "MIGRATION_MONITORING_SLOT_DISK_ALARM_GIB": str(draw(st.integers(1, 65536))),
    }


# One broken setting at a time, each with values its rule refuses: (config path named in the error, values).
FAULTS: dict[str, tuple[str, list[str]]] = {
    "MIGRATION_DATABASE_PORT": ("database.port", ["80", "0", "70000"]),
    "MIGRATION_DATABASE_INSTANCE_CLASS": ("database.instance_class", ["db.serverless", "db.t4g.medium"]),
    "MIGRATION_DATABASE_ENGINE_VERSION": ("database.engine_version", ["15.4", "sixteen"]),
    "MIGRATION_DATABASE_BACKTRACK_WINDOW_SECONDS": ("database.backtrack_window_seconds", ["3600"]),
    "MIGRATION_MIGRATION_ONPREM_PORT": ("migration.onprem_port", ["22", "99999"]),
    "MIGRATION_MIGRATION_DMS_INSTANCE_CLASS": ("migration.dms_instance_class", ["dms.t3.medium", "dms.x9.nope"]),
    "MIGRATION_MIGRATION_DMS_MULTI_AZ": ("migration.dms_multi_az", ["maybe"]),
    "MIGRATION_MIGRATION_DMS_ENGINE_VERSION": ("migration.dms_engine_version", ["3.4.7", "latest"]),
    "MIGRATION_MIGRATION_LOB_MAX_SIZE_KB": ("migration.lob_max_size_kb", ["0", "200000"]),
    "MIGRATION_MIGRATION_DECODING_PLUGIN": ("migration.decoding_plugin", ["wal2json"]),
    "MIGRATION_DNS_TTL_SECONDS": ("dns.ttl_seconds", ["5", "3600"]),
    "MIGRATION_CUTOVER_CANARY_STEPS": ("cutover.canary_steps", ["50,10,100", "10,50", "0,100"]),
    "MIGRATION_CUTOVER_BAKE_MINUTES": ("cutover.bake_minutes", ["0", "2000"]),
    "MIGRATION_CUTOVER_SEQUENCE_GAP": ("cutover.sequence_gap", ["10"]),
    "MIGRATION_MONITORING_LAG_THRESHOLD_SECONDS": ("monitoring.lag_threshold_seconds", ["0", "61"]),
    "MIGRATION_BACKUP_RETENTION_DAYS": ("backup.retention_days", ["1"]),
}


@st.composite
def single_fault(draw, variable: str | None = None) -> tuple[dict[str, str], str]:
    """A valid configuration with exactly one setting broken (`variable`, or any of FAULTS): (environment, the
    config path it breaks)."""
    env = draw(valid_config_env())
    variable = variable or draw(st.sampled_from(sorted(FAULTS)))
    path, values = FAULTS[variable]
    env[variable] = draw(st.sampled_from(values))
    return env, path
