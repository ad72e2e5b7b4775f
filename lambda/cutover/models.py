"""Typed state, inputs and actions of the controller. No AWS calls here."""

from __future__ import annotations

import enum
import json
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any, NamedTuple

STATE_VERSION = 5  # 5: `fenced` and `flip` (the fenced flip); 4: the writer name's pair is `writer`
READABLE_VERSIONS = (3, 4, 5)  # older checkpoints are read through `_migrated`
SIDES = ("onprem", "aurora")
MAX_REMEMBERED_EVENTS = 10  # transitions only; DMS event ids live in the event record
MAX_RECORDED_EVENT_IDS = 50


REASON_MAX = 500  # characters of a command's reason (the change reference and why)


class InputError(ValueError):
    """Malformed or unknown input: rejected before any AWS write."""


class Hold(enum.StrEnum):
    """Why the cutover is held: an alarm or a task clears it by itself; an operator's hold waits for resume."""

    ALARM = "alarm"
    TASK = "task"
    OPERATOR = "operator"


class Phase(enum.StrEnum):
    REPLICATING = "replicating"
    SHIFTING = "shifting"
    AWAITING_FLIP = "awaiting-flip"  # readers on Aurora and baked; writes still on-prem, waiting for the flip
    CUT_OVER = "cut-over"
    ROLLING_BACK = "rolling-back"
    ROLLED_BACK = "rolled-back"
    HELD = "held"


LAG_METRICS = ("CDCLatencySource", "CDCLatencyTarget")  # the forward task's DMS metrics the lag gates read
METRICS_NAMESPACE = "Migration/Cutover"  # the controller's embedded metrics; the stack graphs and alarms on them
PHASE_CODES = {phase: code for code, phase in enumerate(Phase)}  # the Phase metric's values


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
ALL_ON_AURORA = Weights(0, 100)


class Records(NamedTuple):
    """What Route 53 holds: the writer name's pair and the reader name's pair."""

    writer: Weights
    readers: Weights


ALL_RECORDS_ON_PREM = Records(ALL_ON_PREM, ALL_ON_PREM)


RESTORE_TIME_FORMAT = "%Y%m%d%H%M"  # the restore-to time in a restored cluster's identifier


def restore_cluster_id(prefix: str, to_time: datetime) -> str:
    """The new cluster a point-in-time restore creates: the stack's prefix (stack/naming.py) and the time."""
    return f"{prefix}{to_time:{RESTORE_TIME_FORMAT}}"


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
    """The migration state; each Parameter Store version of it is a checkpoint.

    The canary position is the Aurora weight itself (a percentage), never an index into the configured
    steps, so a redeploy that changes the steps cannot change what a stored checkpoint means.
    `pending` holds the actions of the last transition not yet confirmed (written before acting).
    """

    phase: Phase = Phase.REPLICATING
    writer: Weights = ALL_ON_PREM  # the writer name (reads and writes)
    readers: Weights = ALL_ON_PREM  # the reader name (the canary)
    hold: Hold | None = None
    reason: str = "deployed"
    updated_at: datetime | None = None
    step_started_at: datetime | None = None
    pre_cutover_time: datetime | None = None
    backup_job: str | None = None
    restore: dict | None = None
    writes_since: datetime | None = None  # when writes first reached Aurora in this cutover
    sequences: dict | None = None  # the last sync: when, how many, and per sequence (old, column max, new)
    assessment: dict | None = None  # the last premigration assessment run this controller started
    processed: tuple[str, ...] = ()  # ids of the events that caused the last transitions
    milestones: dict | None = None  # label -> time, kept after the label's version ages out
    fenced: tuple[str, ...] = ()  # sides whose application roles cannot write (fenced flip mode)
    flip: dict | None = None  # the last fenced flip or rollback: token, times, the measured write pause
    fence_override: str | None = None  # a fence lifted by hand: the ticks leave the fences alone until cleared
    operator: str | None = None  # who caused the last transition: a command's declared caller, or "controller"
    pending: tuple[dict, ...] = ()

    def to_json(self) -> str:
        body = asdict(self)
        body.update(version=STATE_VERSION, phase=self.phase.value, hold=self.hold and self.hold.value,
                    processed=list(self.processed), fenced=list(self.fenced),
                    pending=list(self.pending), updated_at=iso(self.updated_at),
                    step_started_at=iso(self.step_started_at), pre_cutover_time=iso(self.pre_cutover_time),
                    writes_since=iso(self.writes_since))
        return json.dumps(body, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> State:
        try:
            raw = _migrated(json.loads(text))
            writer = raw.get("writer") or {"onprem": 100, "aurora": 0}
            readers = raw.get("readers") or {"onprem": 100, "aurora": 0}
            pending = raw.get("pending") or ()
            if not all(isinstance(p, dict) and p.get("type") in ACTIONS for p in pending):
                raise ValueError(f"pending actions are malformed: {pending!r}")
            return cls(
                phase=Phase(raw.get("phase", "replicating")),
                writer=Weights(int(writer["onprem"]), int(writer["aurora"])),
                readers=Weights(int(readers["onprem"]), int(readers["aurora"])),
                hold=Hold(raw["hold"]) if raw.get("hold") else None, reason=str(raw.get("reason", "")),
                updated_at=parse_time(raw.get("updated_at"), "updated_at"),
                step_started_at=parse_time(raw.get("step_started_at"), "step_started_at"),
                pre_cutover_time=parse_time(raw.get("pre_cutover_time"), "pre_cutover_time"),
                backup_job=raw.get("backup_job"), restore=raw.get("restore"),
                writes_since=parse_time(raw.get("writes_since"), "writes_since"), sequences=raw.get("sequences"),
                assessment=raw.get("assessment"),
                processed=tuple(raw.get("processed") or ()), milestones=raw.get("milestones") or None,
                fenced=_sides(raw.get("fenced")), flip=raw.get("flip") or None,
                fence_override=raw.get("fence_override") or None, operator=raw.get("operator") or None,
                pending=tuple(pending))
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            if isinstance(error, CheckpointVersionError):
                raise
            raise InputError(f"checkpoint state is unreadable: {error}") from error

    @property
    def records(self) -> Records:
        return Records(self.writer, self.readers)

    def remember(self, event_id: str | None) -> State:
        if not event_id:
            return self
        return replace(self, processed=(*self.processed, event_id)[-MAX_REMEMBERED_EVENTS:])

    @property
    def weights_pending(self) -> bool:
        """A weight change was decided but Route 53 has not confirmed it: the records are not yet the truth."""
        return any(p["type"] == "SetWeights" for p in self.pending)


INITIAL_STATE = State()


class CheckpointVersionError(InputError):
    """A checkpoint written by a controller this one does not know: refused whole, never half-read."""


def _migrated(raw: dict) -> dict:
    """A checkpoint of any readable version in the current shape; any other version is refused."""
    if not isinstance(raw, dict):
        raise ValueError("not a JSON object")
    version = raw.get("version", STATE_VERSION)
    if version not in READABLE_VERSIONS:
        raise CheckpointVersionError(
            f"checkpoint version {version!r} is not one this controller reads ({', '.join(map(str, READABLE_VERSIONS))})"
            ": deploy the controller that wrote it, or the release that migrates it; the checkpoint is left as it is")
    if version == 3:
        raw = {**{k: v for k, v in raw.items() if k != "weights"}, "writer": raw.get("weights"), "version": 4}
        raw["pending"] = [_migrated_action(p) for p in raw.get("pending") or ()]
    if raw.get("version", STATE_VERSION) == 4:  # no fence existed: nothing fenced, no flip measured
        raw = {**raw, "fenced": [], "flip": None, "version": 5}
    return raw


def _sides(value: object) -> tuple[str, ...]:
    sides = tuple(value or ())
    if any(side not in SIDES for side in sides):
        raise ValueError(f"fenced: {list(sides)!r} names a side other than {', '.join(SIDES)}")
    return tuple(side for side in SIDES if side in sides)


def _migrated_action(record: object) -> object:
    if isinstance(record, dict) and record.get("type") == "SetWeights" and "weights" in record:
        return {**{k: v for k, v in record.items() if k != "weights"}, "writer": record["weights"]}
    return record


# Inputs and actions are NamedTuples: immutable like the frozen dataclasses above, and several times
# cheaper to define, which matters for the function's cold start.

# Inputs ---------------------------------------------------------------------------------------------


# The events the controller is subscribed to; the stack's rules match exactly these (MIG-CTL-004 checks it).
DMS_EVENT = ("aws.dms", "DMS Replication Task State Change")
STOPPING_EVENT_TYPES = ("REPLICATION_TASK_STOPPED", "REPLICATION_TASK_FAILED", "REPLICATION_TASK_DELETED")
TASK_EVENT_TYPES = ("REPLICATION_TASK_STARTED", *STOPPING_EVENT_TYPES)  # FAILED: what an OOM-killed task fires
ALARM_EVENT = ("aws.cloudwatch", "CloudWatch Alarm State Change")
TICK_EVENT = ("aws.events", "Scheduled Event")


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


class CommandName(enum.StrEnum):
    STATUS = "status"
    ASSESS = "assess"
    START_CUTOVER = "start-cutover"
    FLIP = "flip"
    PAUSE = "pause"
    RESUME = "resume"
    ROLLBACK = "rollback"
    RESTORE = "restore-to-checkpoint"
    UNFENCE = "unfence"  # the last resort: lift one side's fence by hand, with a reason
    LIST = "list"  # a page of a list too long for status: every sequence's plan, the tables without a key


COMMANDS = tuple(c.value for c in CommandName)


class Command(NamedTuple):
    name: CommandName
    dry_run: bool = False
    reason: str = ""
    restore_time: datetime | None = None
    force: bool = False  # rollback: even though on-prem would miss writes Aurora took; unfence: both sides open
    side: str = ""  # unfence only: onprem | aurora
    what: str = ""  # list only: one of LISTS
    after: str = ""  # list only: the last name of the previous page
    operator: str = ""  # who sent it, as the console declares it (sts:GetCallerIdentity); not proven


LISTS = ("sequences", "tables-without-key")


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
    if (source, detail_type) == DMS_EVENT:
        resources = event.get("resources") or []
        event_type = detail.get("eventType")
        if not resources or not isinstance(event_type, str):
            raise InputError("DMS event without resources or detail.eventType")
        return TaskEvent(event_id, str(resources[0]), event_type, str(detail.get("detailMessage", "")),
                         _event_time(event))
    if (source, detail_type) == ALARM_EVENT:
        state = (detail.get("state") or {}).get("value")
        if not detail.get("alarmName") or state not in ("ALARM", "OK", "INSUFFICIENT_DATA"):
            raise InputError("alarm event without detail.alarmName or a known detail.state.value")
        return AlarmEvent(event_id, detail["alarmName"], state, str((detail.get("state") or {}).get("reason", "")))
    if (source, detail_type) == TICK_EVENT:
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
    unknown = set(event) - {"command", "dry_run", "reason", "restore_time", "force", "side", "what", "after",
                            "operator"}
    if unknown:
        raise InputError(f"command {name}: unknown field(s) {', '.join(sorted(unknown))}")
    dry_run = event.get("dry_run", False)
    if not isinstance(dry_run, bool):
        raise InputError(f"dry_run: expected true or false, got {dry_run!r}")
    reason = event.get("reason", "")
    if not isinstance(reason, str) or len(reason) > REASON_MAX:
        raise InputError(f"reason: expected a string of at most {REASON_MAX} characters")
    restore_time = parse_time(event.get("restore_time"), "restore_time")
    if restore_time is not None and name != CommandName.RESTORE:
        raise InputError("restore_time: only for restore-to-checkpoint")
    force = event.get("force", False)
    if not isinstance(force, bool):
        raise InputError(f"force: expected true or false, got {force!r}")
    if force and name not in (CommandName.ROLLBACK, CommandName.UNFENCE):
        raise InputError("force: only for rollback and unfence")
    side = event.get("side", "")
    if name == CommandName.UNFENCE:
        if side not in SIDES:
            raise InputError(f"side: unfence needs one of {', '.join(SIDES)}, got {side!r}")
        if not reason.strip():
            raise InputError("reason: unfence needs a reason (it is the last resort, and it is recorded)")
    elif side:
        raise InputError("side: only for unfence")
    what, after = event.get("what", ""), event.get("after", "")
    if name == CommandName.LIST:
        if what not in LISTS:
            raise InputError(f"what: list needs one of {', '.join(LISTS)}, got {what!r}")
        if not isinstance(after, str) or len(after) > 300:
            raise InputError("after: the last name of the previous page, at most 300 characters")
    elif what or after:
        raise InputError("what, after: only for list")
    operator = event.get("operator", "")
    if not isinstance(operator, str) or len(operator) > 300:
        raise InputError("operator: expected the caller's ARN, at most 300 characters")
    return Command(CommandName(name), dry_run, reason, restore_time, force, side, what, after, operator)


# Actions ---------------------------------------------------------------------------------------------


# Each action says whether it is primary: a primary action's failure must be retried (or its transition
# abandoned) before anything else moves; the rest are best-effort and retried by later ticks.


class SetWeights(NamedTuple):
    """Both names in one atomic Route 53 change; `previous` is what the records held when it was decided."""

    primary = True
    writer: Weights
    readers: Weights
    previous: Weights
    previous_readers: Weights

    @property
    def records(self) -> Records:
        return Records(self.writer, self.readers)


class SyncSequences(NamedTuple):
    """Set every sequence of the migrated tables past its columns' maximum plus `gap`, before writes move."""

    primary = True

    gap: int


class StartAssessment(NamedTuple):
    """A DMS premigration assessment run of the forward task."""

    primary = True

    name: str


class AdviseOnpremSequences(NamedTuple):
    """After a rollback that follows writes on Aurora: tell the operator the setval statements on-prem needs."""

    primary = False

    gap: int


class FenceWrites(NamedTuple):
    """No role outside the allowlist can write on `side` (the fence function, in the database itself).

    With `end_sessions`, their open sessions are ended too; with a `token`, a marker row is committed after
    the fence, for the other side's catch-up to wait for. Without a token it is idempotent and safe to replay."""

    primary = True
    side: str
    token: str = ""
    end_sessions: bool = False
    close: bool = False  # closed (no session of a role outside the allowlist) rather than read-only


class LiftFence(NamedTuple):
    """Roles outside the allowlist may write on `side` again: exactly what the fence took (`layer`: all, or only
    the closed layer's CONNECT, which leaves the side read-only)."""

    primary = True
    side: str
    layer: str = "all"


class SettleFence(NamedTuple):
    """After the write pause, on `side`: the grants a lift gave back through holding roles' memberships given back
    directly, and the holding roles dropped. Secondary, so it runs after the names have moved; until it has, the
    application writes through the memberships, and a fence taken meanwhile leaves it nothing to do."""

    primary = False
    side: str


class InstallFence(NamedTuple):
    """The fence's functions installed (or brought to this version) on `side` before a write pause needs them."""

    primary = False
    side: str


class AwaitMarker(NamedTuple):
    """Wait (bounded by flip_catchup_seconds) until the marker `token` has been replicated to `side`: every
    write committed before the fence is there too (DMS applies in source commit order)."""

    primary = True
    side: str
    token: str


class SyncOnpremSequences(NamedTuple):
    """Set on-prem's sequences past every migrated column plus `gap` (the fence function, after the catch-up)."""

    primary = True
    gap: int


class CatchUpSequences(NamedTuple):
    """Inside the write pause, on `side` (the side about to open): every sequence the other side's final position
    has reached since the sync before the pause is set past it by `gap`; none if any would pass its maximum."""

    primary = True
    side: str
    gap: int


class StartReverseTask(NamedTuple):
    primary = True
    cdc_start_time: datetime


class StartBackup(NamedTuple):
    primary = False
    reason: str = "post-cutover backup"


class RestoreCluster(NamedTuple):
    primary = True
    to_time: datetime
    cluster_id: str


class RecordEvent(NamedTuple):
    primary = False
    event: TaskEvent


class Notify(NamedTuple):
    primary = False
    subject: str
    message: str


class Label(NamedTuple):
    primary = False
    label: str
    version: int | None = None  # None until the checkpoint that carries this label is written


Action = (SetWeights | SyncSequences | AdviseOnpremSequences | StartReverseTask | StartBackup | RestoreCluster
          | RecordEvent | Notify | Label | StartAssessment | FenceWrites | LiftFence | AwaitMarker
          | SyncOnpremSequences | InstallFence | CatchUpSequences | SettleFence)
# The one registry of actions: serialization, replay and ordering all read it.
ACTIONS: dict[str, type] = {kind.__name__: kind for kind in (
    SetWeights, SyncSequences, AdviseOnpremSequences, StartReverseTask, StartBackup, RestoreCluster, RecordEvent,
    Notify, Label, StartAssessment, FenceWrites, LiftFence, AwaitMarker, SyncOnpremSequences, InstallFence,
    CatchUpSequences, SettleFence)}
# The steps of a fenced flip or rollback, whichever service performs them (the fence function or the Data API):
# one that fails is undone with the whole flip, never retried on its own.
FLIP_STEPS = (FenceWrites, LiftFence, AwaitMarker, SyncOnpremSequences, SyncSequences, CatchUpSequences)


def action_record(action: Action) -> dict:
    """An action as it is kept in the checkpoint's `pending` list until it is confirmed."""
    kind = type(action).__name__
    if isinstance(action, SetWeights):
        return {"type": kind, **{field: asdict(getattr(action, field)) for field in SetWeights._fields}}
    if isinstance(action, StartReverseTask):
        return {"type": kind, "cdc_start_time": iso(action.cdc_start_time)}
    if isinstance(action, RestoreCluster):
        return {"type": kind, "to_time": iso(action.to_time), "cluster_id": action.cluster_id}
    if isinstance(action, RecordEvent):
        e = action.event
        return {"type": kind, "event": {"event_id": e.event_id, "task_arn": e.task_arn, "event_type": e.event_type,
                                        "message": e.message, "time": iso(e.time)}}
    return {"type": kind, **action._asdict()}


def action_of(record: dict) -> Action:
    kind = record["type"]
    body = {k: v for k, v in record.items() if k != "type"}
    if kind not in ACTIONS:
        raise InputError(f"pending action of unknown type {kind!r}")
    if kind == "SetWeights":
        return SetWeights(*(Weights(**body[field]) for field in SetWeights._fields))
    if kind == "StartReverseTask":
        return StartReverseTask(parse_time(body["cdc_start_time"], "cdc_start_time"))
    if kind == "RestoreCluster":
        return RestoreCluster(parse_time(body["to_time"], "to_time"), body["cluster_id"])
    if kind == "RecordEvent":
        e = body["event"]
        return RecordEvent(TaskEvent(e["event_id"], e["task_arn"], e["event_type"], e["message"],
                                     parse_time(e["time"], "time")))
    return ACTIONS[kind](**body)


def event_record(recent_ids: tuple[str, ...] = (), event: TaskEvent | None = None) -> str:
    """The last-event parameter: the newest DMS event and the ids of recent ones (for redeliveries).

    It carries no label, so Parameter Store simply drops its oldest versions: it has no version budget.
    """
    last = None if event is None else {"event_type": event.event_type, "task": event.task_arn,
                                       "time": iso(event.time), "event_id": event.event_id,
                                       "message": event.message}
    return json.dumps({"last": last, "recent_ids": list(recent_ids)[-MAX_RECORDED_EVENT_IDS:]},
                      sort_keys=True, separators=(",", ":"))


def recorded_ids(text: str) -> tuple[str, ...]:
    try:
        ids = json.loads(text).get("recent_ids") or []
    except (ValueError, AttributeError):
        return ()  # an older or hand-edited record: remember afresh
    return tuple(str(i) for i in ids)


class Decision(NamedTuple):
    state: State
    actions: tuple[Action, ...] = ()
    label: str | None = None  # milestone label for the checkpoint version
    result: dict | None = None
