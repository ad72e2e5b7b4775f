"""`cutover`: the runbook's commands against the deployed controller.

Exit codes: 0 done; 1 refused (by the controller, or cancelled at the prompt); 2 a usage or configuration error,
nothing sent; 3 `watch` saw a rollback; 4 AWS could not be reached, nothing changed; 5 the outcome is unknown (a
change was sent and no answer came back: `cutover status` shows whether it happened). Every command takes --json,
before or after its name: then stdout carries only JSON (prompts and plans go to stderr).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from console import render
from console.deployment import (
    AwsError,
    ConsoleError,
    Deployment,
    OutcomeUnknownError,
    Transport,
    find,
    function_timeout,
    lambda_transport,
    operator,
    session,
)
from console.render import LAG_METRICS

OK, REFUSED, USAGE, ROLLED_BACK, AWS, UNKNOWN = 0, 1, 2, 3, 4, 5
TRANSPORT_VARIABLE = "CUTOVER_CONSOLE_TRANSPORT"
REASON_MAX: int = render.controller_contract.models.REASON_MAX  # the controller's own limit

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, rich_markup_mode=None,
                  help="Drive and read the Aurora cutover from a terminal.")

JsonFlag = Annotated[bool, typer.Option("--json", help="Print only JSON on stdout (the controller's reply)")]
ReasonOption = Annotated[str, typer.Option(help=f"The change reference and why (at most {REASON_MAX} characters)")]
YesFlag = Annotated[bool, typer.Option("--yes", help="No confirmation (automation); needs --reason")]


class Context:
    """What every command needs; tests replace `connect` to reach an in-process controller."""

    connect: Callable[[Deployment], tuple[Transport, str, object]] | None = None
    terminal: Callable[[], bool] = staticmethod(lambda: sys.stdin.isatty())  # whether a person can answer

    def __init__(self, outputs: Path | None, function: str | None, as_json: bool, out: Console):
        self.outputs, self.function, self.as_json, self.out = outputs, function, as_json, out
        self.err = Console(stderr=True, soft_wrap=True)
        self._deployment: Deployment | None = None
        self._link: tuple[Transport, str, object] | None = None

    @property
    def deployment(self) -> Deployment:
        if self._deployment is None:
            self._deployment = find(self.outputs, self.function)
        return self._deployment

    def link(self) -> tuple[Transport, str, object]:
        if self._link is None:
            plugged = os.environ.get(TRANSPORT_VARIABLE)
            if plugged:  # an emulated deployment (tests, rehearsals): "module:factory", called with the deployment
                module, _, factory = plugged.partition(":")
                Context.connect = getattr(importlib.import_module(module), factory)
            if Context.connect is not None:
                self._link = Context.connect(self.deployment)
            else:
                aws = session()
                self._link = (lambda_transport(aws, self.deployment.function, function_timeout(aws, self.deployment)),
                              operator(aws), aws)
        return self._link

    def call(self, payload: dict) -> dict:
        transport, who, _ = self.link()
        return transport({**payload, "operator": who} if "command" in payload and payload["command"] not in
                         ("status", "list") else payload)


def _context(ctx: typer.Context) -> Context:
    return ctx.obj


def run(ctx: typer.Context, body: Callable[[Context], int], as_json: bool = False) -> None:
    """One command: its exit code, and a one-line message (never a stack trace) for what went wrong."""
    context = _context(ctx)
    context.as_json = context.as_json or as_json
    try:
        code = body(context)
    except ConsoleError as error:
        _error(f"error: {error}")
        code = USAGE
    except AwsError as error:
        _error(f"error: {error}")
        code = AWS
    except OutcomeUnknownError as error:
        _error(f"outcome unknown: {error}. It may or may not have happened, and it was not sent again: run "
               "`cutover status`, which shows the phase, the weights and the checkpoint's reason.")
        code = UNKNOWN
    raise typer.Exit(code)


def _error(message: str) -> None:
    Console(stderr=True, soft_wrap=True).print(message, style="red", markup=False, highlight=False)


def reply_code(reply: dict) -> int:
    return OK if reply.get("ok") else REFUSED


def show(context: Context, reply: dict, view=None) -> int:
    if context.as_json:
        context.out.print_json(json.dumps(reply))
    elif not reply.get("ok"):
        context.out.print(render.refusal_view(reply))
    else:
        context.out.print(view(reply) if view else reply.get("outcome", "done"))
    return reply_code(reply)


@app.callback()
def main_options(ctx: typer.Context,
                 outputs: Annotated[Path | None, typer.Option(help="Deployment outputs (default "
                                                              "cfn-outputs/flat-outputs.json)")] = None,
                 function: Annotated[str | None, typer.Option(help="The controller function's name")] = None,
                 as_json: JsonFlag = False) -> None:
    ctx.obj = Context(outputs, function, as_json, Console())


@app.command()
def status(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Where the cutover stands: phase, weights, every gate, lag, connections, rollback, the next step."""
    run(ctx, lambda c: show(c, c.call({"command": "status"}), render.status_view), as_json)


@app.command()
def watch(ctx: typer.Context, interval: Annotated[float, typer.Option(help="Seconds between refreshes")] = 10.0,
          limit: Annotated[int, typer.Option(help="Refreshes at most (0: no limit)")] = 0,
          as_json: JsonFlag = False) -> None:
    """status, refreshed until the phase needs the operator; exit 3 if a rollback happens meanwhile.
    With --json, one JSON object per refresh (JSON Lines)."""
    def body(c: Context) -> int:
        first = c.call({"command": "status"})
        if not first.get("ok"):
            return show(c, first)
        started, seen_phase, events = first.get("phase"), first.get("phase"), []
        reply, count = first, 0
        live = None
        if not c.as_json:
            from rich.live import Live

            live = Live(render.status_view(reply), console=c.out, refresh_per_second=4, transient=False)
            live.start()
        try:
            while True:
                phase = reply.get("phase")
                if phase != seen_phase:
                    events.append(f"{datetime.now(UTC):%H:%M:%S} phase {seen_phase} -> {phase}")
                    seen_phase = phase
                if live is None:
                    print(json.dumps(reply), flush=True)
                else:
                    live.update(render.status_view(reply, recent_lag(c, reply), [*events[-4:], *last_event(c)]))
                if phase in ("rolling-back", "rolled-back") and started not in ("rolling-back", "rolled-back"):
                    return ROLLED_BACK
                if phase != started and phase in render.ACT_ON:
                    return OK
                count += 1
                if limit and count >= limit:
                    return OK
                time.sleep(interval)
                reply = c.call({"command": "status"})
                if not reply.get("ok"):
                    return show(c, reply)
        finally:
            if live is not None:
                live.stop()

    run(ctx, body, as_json)


def recent_lag(c: Context, reply: dict, minutes: int = 30) -> dict[str, list[float]]:
    """The forward task's CDC latency, one maximum a minute for the last `minutes`, read with the operator's
    own credentials (empty when the outputs do not name the task, or CloudWatch does not answer)."""
    instance = c.deployment.outputs.get("dms_replication_instance_id")
    task = c.deployment.outputs.get("dms_forward_task_resource_id")
    if not (instance and task):
        return {}
    _, _, aws = c.link()
    end = datetime.fromisoformat(reply["at"]) if reply.get("at") else datetime.now(UTC)
    try:
        answer = aws.client("cloudwatch").get_metric_data(
            StartTime=end - timedelta(minutes=minutes), EndTime=end, ScanBy="TimestampAscending",
            MetricDataQueries=[{"Id": metric.lower(), "ReturnData": True, "MetricStat": {
                "Metric": {"Namespace": "AWS/DMS", "MetricName": metric, "Dimensions": [
                    {"Name": "ReplicationInstanceIdentifier", "Value": instance},
                    {"Name": "ReplicationTaskIdentifier", "Value": task}]}, "Period": 60, "Stat": "Maximum"}}
                for metric in LAG_METRICS])
    except Exception:
        return {}
    names = {metric.lower(): metric for metric in LAG_METRICS}
    return {names[r["Id"]]: [float(v) for v in r["Values"]] for r in answer["MetricDataResults"] if r["Values"]}


def last_event(c: Context) -> list[str]:
    """The newest DMS task event the controller recorded (its last-event parameter)."""
    name = c.deployment.outputs.get("event_parameter_name")
    if not name:
        return []
    _, _, aws = c.link()
    try:
        record = json.loads(aws.client("ssm").get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"])
    except Exception:
        return []
    last = record.get("last") or {}
    return [f"last DMS event: {last.get('event_type')} at {last.get('time')}: {last.get('message', '')}"] if last else []


def _changing(command: str, name: str, doc: str, **fields) -> None:
    """A command that changes something: its plan (the controller's dry run), a confirmation, then the command."""
    def action(ctx: typer.Context, reason: ReasonOption = "", yes: YesFlag = False, as_json: JsonFlag = False) -> None:
        run(ctx, lambda c: _guarded(c, {"command": command, **fields}, yes, reason), as_json)

    action.__doc__ = doc
    app.command(name=name)(action)


_changing("assess", "assess", "Start a DMS premigration assessment of the forward task.")
_changing("start-cutover", "start", "Start the cutover: Aurora fenced read-only, the reverse task, then the reader "
                                    "canary.")
_changing("pause", "pause", "Hold the canary where it stands.")
_changing("resume", "resume", "Resume a held canary (after a full bake), or fence repairs held for the operator.")


def _checked_reason(reason: str, yes: bool) -> str:
    """The reason as given, refused before anything is sent when it cannot be one."""
    if len(reason) > REASON_MAX:
        raise ConsoleError(f"--reason: at most {REASON_MAX} characters (got {len(reason)}); nothing was sent")
    if yes and not reason.strip():
        raise ConsoleError("--yes needs --reason (the change reference goes into the checkpoint); nothing was sent")
    if not yes and not Context.terminal():
        raise ConsoleError("no terminal to confirm at: pass --yes --reason CHANGE-REF to run it unattended; "
                           "nothing was sent")
    return reason.strip()


def _guarded(c: Context, payload: dict, yes: bool, reason: str) -> int:
    """The dry run drawn as a plan, a confirmation where the operator types the change reference (the one given
    with --reason, if any), then the command, sent once."""
    reason = _checked_reason(reason, yes)
    dry = c.call({**payload, "dry_run": True, "reason": reason})
    if not dry.get("ok"):
        return show(c, dry)
    plan = render.plan_view(payload["command"], dry)
    (c.err if c.as_json else c.out).print(plan)
    if not yes:
        asked = f"Type the change reference{' (' + reason + ')' if reason else ''} to confirm; empty cancels"
        typed = typer.prompt(asked, default="", show_default=False, err=True).strip()
        if not typed or (reason and typed != reason):
            c.err.print("cancelled: " + ("nothing typed" if not typed else "it does not match --reason")
                        + "; nothing was sent", markup=False)
            return REFUSED
        if len(typed) > REASON_MAX:
            raise ConsoleError(f"the change reference: at most {REASON_MAX} characters; nothing was sent")
        reason = typed
    return show(c, c.call({**payload, "reason": reason}))


@app.command()
def flip(ctx: typer.Context, reason: ReasonOption = "", yes: YesFlag = False, as_json: JsonFlag = False) -> None:
    """Move the writes to Aurora (fenced: on-prem closed and caught up first); shows the plan first."""
    run(ctx, lambda c: _guarded(c, {"command": "flip"}, yes, reason), as_json)


@app.command()
def rollback(ctx: typer.Context, reason: ReasonOption = "", yes: YesFlag = False,
             force: Annotated[bool, typer.Option("--force", help="Even though on-prem would miss Aurora's writes")]
             = False, as_json: JsonFlag = False) -> None:
    """Both names back to on-prem (fenced: Aurora closed, on-prem caught up and its sequences set)."""
    run(ctx, lambda c: _guarded(c, {"command": "rollback", **({"force": True} if force else {})}, yes, reason),
        as_json)


@app.command()
def restore(ctx: typer.Context, reason: ReasonOption = "",
            to: Annotated[str, typer.Option(help="ISO 8601 time (default: the pre-cutover checkpoint)")] = "",
            yes: YesFlag = False, as_json: JsonFlag = False) -> None:
    """Restore the cluster to a time, as a new cluster (point-in-time)."""
    run(ctx, lambda c: _guarded(c, {"command": "restore-to-checkpoint", **({"restore_time": to} if to else {})},
                                yes, reason), as_json)


class Side(StrEnum):
    onprem = "onprem"
    aurora = "aurora"


class Listed(StrEnum):
    sequences = "sequences"
    tables_without_key = "tables-without-key"


@app.command()
def unfence(ctx: typer.Context, side: Annotated[Side, typer.Argument(help="onprem or aurora")],
            reason: ReasonOption = "",
            force: Annotated[bool, typer.Option("--force", help="Even if both sides would take writes")] = False,
            yes: YesFlag = False, as_json: JsonFlag = False) -> None:
    """The last resort: lift one side's fence by hand."""
    run(ctx, lambda c: _guarded(c, {"command": "unfence", "side": side.value, **({"force": True} if force else {})},
                                yes, reason), as_json)


@app.command(name="list")
def list_(ctx: typer.Context, what: Annotated[Listed, typer.Argument(help="sequences or tables-without-key")],
          after: Annotated[str, typer.Option(help="The previous page's last name")] = "",
          as_json: JsonFlag = False) -> None:
    """One page of a list status only counts."""
    run(ctx, lambda c: show(c, {**c.call({"command": "list", "what": what.value, "after": after}),
                                "what": what.value}, render.list_view), as_json)


@app.command()
def report(ctx: typer.Context, out: Annotated[Path, typer.Option(help="Folder for report.md and report.json")] =
           Path("reports/cutover"),
           attempt: Annotated[int | None, typer.Option(help="Which cutover attempt (default: the latest)")] = None,
           as_json: JsonFlag = False) -> None:
    """The cutover record of one attempt (Markdown and JSON) from the checkpoint's history, for change evidence."""
    def body(c: Context) -> int:
        from console import report as record

        status_reply = c.call({"command": "status"})
        _, _, aws = c.link()
        try:
            versions = record.history(aws, c.deployment.output("state_parameter_name"))
        except ConsoleError:
            raise
        except Exception as error:
            raise AwsError(f"cannot read the checkpoint history: {error}") from None
        built = record.build(versions, status_reply, c.deployment.outputs, datetime.now(UTC), attempt)
        out.mkdir(parents=True, exist_ok=True)
        (out / "report.json").write_text(json.dumps(built, indent=2, sort_keys=True) + "\n")
        (out / "report.md").write_text(record.markdown(built))
        if c.as_json:
            c.out.print_json(json.dumps(built))
        else:
            c.out.print(f"wrote {out / 'report.md'} and {out / 'report.json'}: {len(built['transitions'])} transitions"
                        + (f" of attempt {built['attempt']['number']} of {len(built['attempts'])}"
                           if built["attempt"] else ""))
            if built["history_note"]:
                c.err.print(built["history_note"], markup=False)
        return OK

    run(ctx, body, as_json)


def main(argv: list[str] | None = None) -> None:
    """The installed command: the exit code of what ran; a usage error is one line on stderr and exit 2."""
    try:
        from typer._click.exceptions import ClickException  # typer ships its own click
    except ImportError:  # an older typer on the shared click
        from click.exceptions import ClickException
    try:
        code = app(args=argv, prog_name="cutover", standalone_mode=False)
    except ClickException as error:
        if type(error).__name__ == "NoArgsIsHelpError":
            Console(stderr=True, soft_wrap=True).print(error.format_message(), markup=False, highlight=False)
        else:
            _error(f"error: {error.format_message()} (cutover --help)")
        sys.exit(USAGE)
    except (typer.Abort, EOFError, KeyboardInterrupt):
        _error("aborted; nothing more was sent")
        sys.exit(USAGE)
    sys.exit(code if isinstance(code, int) else OK)
