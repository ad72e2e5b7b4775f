"""The controller's environment, validated once at cold start."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import NamedTuple


class SettingsError(RuntimeError):
    """The function's environment is incomplete or malformed (a deployment defect, not an input error)."""


class Settings(NamedTuple):
    state_parameter: str
    event_parameter: str
    hosted_zone_id: str
    record_name: str
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

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        problems = []

        def text(name: str) -> str:
            value = env.get(name, "").strip()
            if not value:
                problems.append(f"{name} is not set")
            return value

        def number(name: str, low: int, high: int) -> int:
            raw = text(name)
            if raw and (not raw.isdigit() or not low <= int(raw) <= high):
                problems.append(f"{name}={raw!r} is not a whole number from {low} to {high}")
                return low
            return int(raw) if raw else low

        steps_raw = text("CANARY_STEPS")
        try:
            steps = tuple(int(s) for s in steps_raw.split(",") if s.strip())
        except ValueError:
            steps = ()
        if not steps or steps[-1] != 100 or list(steps) != sorted(set(steps)) or steps[0] <= 0:
            problems.append(f"CANARY_STEPS={steps_raw!r} must rise strictly from above 0 to 100")
        rollback = text("ROLLBACK_ON_ALARM").lower()
        if rollback not in ("true", "false"):
            problems.append(f"ROLLBACK_ON_ALARM={rollback!r} must be true or false")
        settings = cls(
            state_parameter=text("STATE_PARAMETER"), event_parameter=text("EVENT_PARAMETER"),
            hosted_zone_id=text("HOSTED_ZONE_ID"), record_name=text("RECORD_NAME").rstrip("."),
            onprem_set_id=text("ONPREM_SET_ID"), aurora_set_id=text("AURORA_SET_ID"),
            forward_task_arn=text("FORWARD_TASK_ARN"), reverse_task_arn=text("REVERSE_TASK_ARN"),
            forward_task_resource_id=text("FORWARD_TASK_RESOURCE_ID"), dms_instance_id=text("DMS_INSTANCE_ID"),
            cluster_id=text("CLUSTER_ID"), cluster_arn=text("CLUSTER_ARN"), db_subnet_group=text("DB_SUBNET_GROUP"),
            db_security_group_id=text("DB_SECURITY_GROUP_ID"),
            cluster_parameter_group=text("CLUSTER_PARAMETER_GROUP"),
            restore_cluster_prefix=text("RESTORE_CLUSTER_PREFIX"), database_key_arn=text("DATABASE_KEY_ARN"),
            topic_arn=text("TOPIC_ARN"),
            lag_alarm_names=tuple(n for n in text("LAG_ALARM_NAMES").split(",") if n),
            lag_threshold_seconds=number("LAG_THRESHOLD_SECONDS", 1, 3600),
            healthy_minutes=number("HEALTHY_MINUTES", 1, 60), canary_steps=steps,
            bake_minutes=number("BAKE_MINUTES", 0, 1440), rollback_on_alarm=rollback == "true",
            backup_vault_name=text("BACKUP_VAULT_NAME"), backup_role_arn=text("BACKUP_ROLE_ARN"))
        if problems:
            raise SettingsError("invalid function environment: " + "; ".join(problems))
        return settings
