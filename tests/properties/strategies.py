"""Hypothesis strategies for suffixes and configurations, valid and invalid by construction."""

from __future__ import annotations

import ipaddress

from hypothesis import strategies as st

from stack import naming

ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"


def _clean(value: str) -> bool:
    return not naming.forbidden_words(value) and "--" not in value


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
    st.tuples(st.sampled_from(naming.ENVIRONMENT_WORDS), st.sampled_from(["", "1", "-a"])).map("".join),
    st.sampled_from(["useast1", "us-east-1", "euwest2x"]),
    st.integers(10**11, 10**12 - 1).map(lambda n: f"a{n}"),
    st.text(alphabet="!@#$%^&*() ./", min_size=1, max_size=5),
)


def blocks(prefix_low: int, prefix_high: int):
    return st.tuples(st.integers(0, 2**32 - 1), st.integers(prefix_low, prefix_high)).map(
        lambda t: str(ipaddress.IPv4Network((t[0] >> (32 - t[1]) << (32 - t[1]), t[1]))))


def config_env():
    """Random settings, each sometimes out of its valid range; the result is valid or a named error."""
    return st.fixed_dictionaries({}, optional={
        "MIGRATION_NETWORK_MIGRATION_VPC_CIDR": blocks(12, 26),
        "MIGRATION_NETWORK_PRODUCTION_VPC_CIDR": blocks(14, 28),
        "MIGRATION_NETWORK_ONPREM_CIDR": blocks(8, 28),
        "MIGRATION_DATABASE_PORT": st.integers(0, 70000).map(str),
        "MIGRATION_MIGRATION_ONPREM_PORT": st.integers(1000, 66000).map(str),
        "MIGRATION_MIGRATION_DMS_INSTANCE_CLASS": st.sampled_from(
            ["dms.t3.medium", "dms.t3.large", "dms.c5.large", "dms.c5.xlarge", "dms.r5.large", "dms.r6i.large",
             "dms.c6i.large", "dms.x9.nope"]),
        "MIGRATION_DATABASE_INSTANCE_CLASS": st.sampled_from(["db.r6g.large", "db.r7g.xlarge", "db.t4g.medium",
                                                              "db.serverless"]),
        "MIGRATION_DNS_TTL_SECONDS": st.integers(0, 400).map(str),
        "MIGRATION_MONITORING_LAG_THRESHOLD_SECONDS": st.integers(-5, 120).map(str),
        "MIGRATION_MIGRATION_DMS_MULTI_AZ": st.sampled_from(["true", "false", "maybe"]),
        "MIGRATION_DNS_PRIVATE_ZONE": st.sampled_from(["true", "false"]),
        "MIGRATION_MIGRATION_CREATE_DMS_ACCOUNT_ROLES": st.sampled_from(["true", "false"]),
        "MIGRATION_DATABASE_BACKTRACK_WINDOW_SECONDS": st.sampled_from(["0", "0", "3600"]),
        "MIGRATION_CUTOVER_CANARY_STEPS": st.lists(st.integers(-10, 110), min_size=1, max_size=4).map(
            lambda xs: ",".join(map(str, xs))),
        "MIGRATION_NETWORK_ONPREM_TRANSIT_GATEWAY_ID": st.sampled_from(["", "tgw-0123456789abcdef0", "tgw-x"]),
    })
