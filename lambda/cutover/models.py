"""Typed state, inputs and actions of the controller. No AWS calls here."""

from __future__ import annotations

import enum
import json
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any, NamedTuple

STATE_VERSION = 1
MAX_REMEMBERED_EVENTS = 50


class InputError(ValueError):
    """Malformed or unknown input: rejected before any AWS write."""


class Phase(enum.StrEnum):
    REPLICATING = "replicating"
    READY = "ready"
    SHIFTING = "shifting"
    CUT_OVER = "cut-over"
    ROLLING_BACK = "rolling-back"
    ROLLED_BACK = "rolled-back"
    HELD = "held"


@dataclass(frozen=True)
class Weights:
    onprem: int
    aurora: int

    def __post_init__(self) -> None:
        if not (0 <= self.aurora <= 100 and self.onprem + self.aurora == 100):
            raise ValueError(f"weights must be 0..100 and sum to 100, got {self.onprem}/{self.aurora}")

    @classmethod
    def on_aurora(cls, percent: int) -> Weights:
        return cls(onprem=100 - percent, aurora=percent)


ALL_ON_PREM = Weights(100, 0)


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_time(value: object, field_name: str) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise InputError(f"{field_name}: expected an ISO 8601 time, got {value!r}")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"{field_name}: {value!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise InputError(f"{field_name}: {value!r} needs a time zone (e.g. a trailing Z)")
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class State:
    """The migration state; each Parameter Store version of it is a checkpoint."""

    phase: Phase = Phase.REPLICATING
    weights: Weights = ALL_ON_PREM
    step: int = -1  # index into the canary steps; -1 = nothing on Aurora yet
    hold: str | None = None  # why the cutover is held: alarm | task | operator
    reason: str = "deployed"
    updated_at: datetime | None = None
    step_started_at: datetime | None = None
    pre_cutover_time: datetime | None = None
    backup_job: str | None = None
    restore: dict | None = None
    processed: tuple[str, ...] = ()

    def to_json(self) -> str:
        body = asdict(self)
        body.update(version=STATE_VERSION, phase=self.phase.value, processed=list(self.processed),
                    updated_at=iso(self.updated_at), step_started_at=iso(self.step_started_at),
                    pre_cutover_time=iso(self.pre_cutover_time))
        return json.dumps(body, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> State:
        try:
            raw = json.loads(text)
            weights = raw.get("weights") or {"onprem": 100, "aurora": 0}
            return cls(
                phase=Phase(raw.get("phase", "replicating")),
                weights=Weights(int(weights["onprem"]), int(weights["aurora"])),
                step=int(raw.get("step", -1) if raw.get("step") is not None else -1),
                hold=raw.get("hold"), reason=str(raw.get("reason", "")),
                updated_at=parse_time(raw.get("updated_at"), "updated_at"),
                step_started_at=parse_time(raw.get("step_started_at"), "step_started_at"),
                pre_cutover_time=parse_time(raw.get("pre_cutover_time"), "pre_cutover_time"),
                backup_job=raw.get("backup_job"), restore=raw.get("restore"),
                processed=tuple(raw.get("processed") or ()))
        except (ValueError, KeyError, TypeError) as error:
            raise InputError(f"checkpoint state is unreadable: {error}") from error

    def remember(self, event_id: str | None) -> State:
        if not event_id:
            return self
        return replace(self, processed=(*self.processed, event_id)[-MAX_REMEMBERED_EVENTS:])


# Inputs and actions are NamedTuples: immutable like the frozen dataclasses above, and several times
# cheaper to define, which matters for the function's cold start.

# Inputs ---------------------------------------------------------------------------------------------


class TaskEvent(NamedTuple):
    event_id: str
    task_arn: str
    event_type: str  # REPLICATION_TASK_STARTED | _STOPPED | _FAILED | _DELETED | ...
    message: str
    time: datetime | None


class AlarmEvent(NamedTuple):
    event_id: str
    alarm_name: str
    state: str  # ALARM | OK | INSUFFICIENT_DATA
    reason: str


class Tick(NamedTuple):
    event_id: str


COMMANDS = ("status", "start-cutover", "pause", "resume", "rollback", "restore-to-checkpoint")


class Command(NamedTuple):
    name: str
    dry_run: bool = False
    reason: str = ""
    restore_time: datetime | None = None


Trigger = TaskEvent | AlarmEvent | Tick | Command


def parse(event: Any) -> Trigger:
    """Accept EventBridge events (both DMS payload shapes) and operator commands; reject the rest."""
    if not isinstance(event, dict):
        raise InputError("input must be a JSON object")
    if "command" in event:
        return _command(event)
    source, detail_type = event.get("source"), event.get("detail-type")
    event_id = str(event.get("id") or "")
    detail = event.get("detail") if isinstance(event.get("detail"), dict) else {}
    if source == "aws.dms" and detail_type == "DMS Replication Task State Change":
        resources = event.get("resources") or []
        event_type = detail.get("eventType")
        if not resources or not isinstance(event_type, str):
            raise InputError("DMS event without resources or detail.eventType")
        return TaskEvent(event_id, str(resources[0]), event_type, str(detail.get("detailMessage", "")),
                         _event_time(event))
    if source == "aws.cloudwatch" and detail_type == "CloudWatch Alarm State Change":
        state = (detail.get("state") or {}).get("value")
        if not detail.get("alarmName") or state not in ("ALARM", "OK", "INSUFFICIENT_DATA"):
            raise InputError("alarm event without detail.alarmName or a known detail.state.value")
        return AlarmEvent(event_id, detail["alarmName"], state, str((detail.get("state") or {}).get("reason", "")))
    if source == "aws.events" and detail_type == "Scheduled Event":
        return Tick(event_id)
    raise InputError(f"unknown input: source={source!r} detail-type={detail_type!r}; "
                     f"operator commands look like {{\"command\": \"status\"}}")


def _event_time(event: dict) -> datetime | None:
    try:
        return parse_time(event.get("time"), "time")
    except InputError:
        return None


def _command(event: dict) -> Command:
    name = event.get("command")
    if name not in COMMANDS:
        raise InputError(f"command: {name!r} is not one of {', '.join(COMMANDS)}")
    unknown = set(event) - {"command", "dry_run", "reason", "restore_time"}
    if unknown:
        raise InputError(f"command {name}: unknown field(s) {', '.join(sorted(unknown))}")
    dry_run = event.get("dry_run", False)
    if not isinstance(dry_run, bool):
        raise InputError(f"dry_run: expected true or false, got {dry_run!r}")
    reason = event.get("reason", "")
    if not isinstance(reason, str) or len(reason) > 500:
        raise InputError("reason: expected a string of at most 500 characters")
    restore_time = parse_time(event.get("restore_time"), "restore_time")
    if restore_time is not None and name != "restore-to-checkpoint":
        raise InputError("restore_time: only for restore-to-checkpoint")
    return Command(name, dry_run, reason, restore_time)


# Actions ---------------------------------------------------------------------------------------------


class SetWeights(NamedTuple):
    weights: Weights


class StartReverseTask(NamedTuple):
    cdc_start_time: datetime


class StartBackup(NamedTuple):
    reason: str = "post-cutover backup"


class RestoreCluster(NamedTuple):
    to_time: datetime
    cluster_id: str


class RecordEvent(NamedTuple):
    event: TaskEvent


class Notify(NamedTuple):
    subject: str
    message: str


Action = SetWeights | StartReverseTask | StartBackup | RestoreCluster | RecordEvent | Notify


class Decision(NamedTuple):
    state: State
    actions: tuple[Action, ...] = ()
    label: str | None = None  # milestone label for the checkpoint version
    result: dict | None = None
