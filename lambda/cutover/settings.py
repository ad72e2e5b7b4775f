"""The controller's environment, validated once at cold start: the one contract between stack and function.

Each field's environment variable is its name in capitals; the stack builds the function's environment
with `Settings.environment(...)` and checks its configuration against `LIMITS`, so the names, the
limits and the meaning of each value exist only here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import NamedTuple


class SettingsError(RuntimeError):
    """The function's environment is incomplete or malformed (a deployment defect, not an input error)."""


# Inclusive ranges of the numeric settings, shared with the stack's configuration rules.
LIMITS: dict[str, tuple[int, int]] = {
    "lag_threshold_seconds": (1, 60),
    "healthy_minutes": (1, 60),
    "bake_minutes": (1, 1440),
    "flip_max_lag_seconds": (1, 60),
    "sequence_gap": (1000, 1_000_000_000_000),
    "flip_catchup_seconds": (5, 300),
    "long_transaction_seconds": (5, 3600),
}
FLIP_MODES = ("fenced", "drain")  # fenced: the databases decide who may write; drain: DNS only, pools drained by hand
# One invocation's longest wait is Route 53's INSYNC (the gateway gives up after this and counts the change as
# made); the function's timeout leaves room for the calls around it (MIG-CTL-003 checks the deployed value).
INSYNC_WAIT_SECONDS = 90
CALLS_BUDGET_SECONDS = 30
# The fenced flip adds its catch-up (at most LIMITS' 300 s), the fence function's calls (a dry run of each side
# among the gates, then fence, fence, lift, and the settle after the names moved: each bounded by the function's
# timeout, FENCE_CALL_SECONDS) and the paged sequence sync (about 40 s at 20,000 tables). The timeout covers the
# longest configuration: 900 s, Lambda's longest, so whatever a flip adds must take as much out.
FENCE_CALL_SECONDS = 60
FENCE_CALLS_PER_FLIP = 6
# Parity (shared.parity) adds one summary per side, each statement bounded by shared.parity.STATEMENT_SECONDS; the
# listing and naming run only when the summaries differ, and then the flip is refused and nothing else runs.
PARITY_CALL_SECONDS = 30
PARITY_CALLS_PER_FLIP = 2
SEQUENCE_SYNC_SECONDS = 60
FENCED_FLIP_SECONDS = (300 + FENCE_CALLS_PER_FLIP * FENCE_CALL_SECONDS + PARITY_CALLS_PER_FLIP * PARITY_CALL_SECONDS
                       + SEQUENCE_SYNC_SECONDS)
MIN_FUNCTION_TIMEOUT_SECONDS = INSYNC_WAIT_SECONDS + CALLS_BUDGET_SECONDS + FENCED_FLIP_SECONDS
CANARY_STEPS_RULE = "must rise strictly from above 0 and end at 100 (percent on Aurora)"


def canary_steps_valid(steps: tuple[int, ...] | list[int]) -> bool:
    """The one rule for canary steps, read by the function at cold start and by the stack's config."""
    return bool(steps) and steps[-1] == 100 and steps[0] > 0 and list(steps) == sorted(set(steps))


BOOLEANS = ("rollback_on_alarm", "write_canary", "auto_flip")
LISTS = ("lag_alarm_names", "migrated_schemas", "assessment_exclusions")


class Settings(NamedTuple):
    state_parameter: str
    event_parameter: str
    checkpoint_key_arn: str
    hosted_zone_id: str
    record_name: str
    reader_record_name: str
    onprem_set_id: str
    aurora_set_id: str
    forward_task_arn: str
    reverse_task_arn: str
    forward_task_resource_id: str
    dms_instance_id: str
    cluster_id: str
    cluster_arn: str
    db_subnet_group: str
    db_security_group_id: str
    cluster_parameter_group: str
    restore_cluster_prefix: str
    database_key_arn: str
    topic_arn: str
    lag_alarm_names: tuple[str, ...]
    lag_threshold_seconds: int
    healthy_minutes: int
    canary_steps: tuple[int, ...]
    bake_minutes: int
    rollback_on_alarm: bool
    backup_vault_name: str
    backup_role_arn: str
    data_api_secret_arn: str
    database_name: str
    migrated_schemas: tuple[str, ...]
    write_canary: bool
    auto_flip: bool
    flip_max_lag_seconds: int
    sequence_gap: int
    assessment_bucket: str
    assessment_folder: str
    assessment_role_arn: str
    assessment_key_arn: str
    assessment_exclusions: tuple[str, ...]  # "-" in the environment: none
    flip_mode: str  # fenced | drain
    flip_catchup_seconds: int
    long_transaction_seconds: int  # a transaction open longer on the side to close refuses the flip (or rollback)
    fence_function_name: str  # "-" in drain mode: no fence function is deployed
    control_table: str  # schema.table of the flip's marker, in a migrated schema

    @property
    def fenced(self) -> bool:
        """write_canary has writes follow the canary on both databases: there is no flip to fence."""
        return self.flip_mode == "fenced" and not self.write_canary

    @staticmethod
    def variable(field: str) -> str:
        return field.upper()

    @classmethod
    def environment(cls, **values: object) -> dict[str, str]:
        """The function's environment from every field's value (tokens allowed); a missing or unknown field raises."""
        missing, unknown = set(cls._fields) - set(values), set(values) - set(cls._fields)
        if missing or unknown:
            raise TypeError(f"controller settings: missing {sorted(missing)}, unknown {sorted(unknown)}")
        def text(value: object) -> str:
            if isinstance(value, bool):
                return "true" if value else "false"
            if isinstance(value, list | tuple):
                return ",".join(str(v) for v in value)
            return str(value)
        return {cls.variable(name): text(values[name]) for name in cls._fields}

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        problems: list[str] = []
        values: dict[str, object] = {}
        for name in cls._fields:
            key = cls.variable(name)
            raw = env.get(key, "").strip()
            if not raw:
                problems.append(f"{key} is not set")
                continue
            if name in LIMITS:
                low, high = LIMITS[name]
                if not raw.isdigit() or not low <= int(raw) <= high:
                    problems.append(f"{key}={raw!r} is not a whole number from {low} to {high}")
                    continue
                values[name] = int(raw)
            elif name == "canary_steps":
                try:
                    steps = tuple(int(s) for s in raw.split(",") if s.strip())
                except ValueError:
                    steps = ()
                if not canary_steps_valid(steps):
                    problems.append(f"{key}={raw!r} {CANARY_STEPS_RULE}")
                values[name] = steps
            elif name in BOOLEANS:
                if raw.lower() not in ("true", "false"):
                    problems.append(f"{key}={raw!r} must be true or false")
                values[name] = raw.lower() == "true"
            elif name in LISTS:
                values[name] = tuple(n for n in raw.split(",") if n and n != "-")
            elif name == "flip_mode":
                if raw not in FLIP_MODES:
                    problems.append(f"{key}={raw!r} must be one of {', '.join(FLIP_MODES)}")
                values[name] = raw
            elif name in ("record_name", "reader_record_name"):
                values[name] = raw.rstrip(".")
            else:
                values[name] = raw
        if problems:
            raise SettingsError("invalid function environment: " + "; ".join(problems))
        return cls(**values)
