"""`cutover`: the runbook's commands against the deployed controller.

Exit codes: 0 done; 1 the controller refused; 2 a usage or configuration error; 3 `watch` saw a rollback;
4 AWS could not be reached. Every command takes --json (the controller's reply, unchanged).
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
from console.deployment import AwsError, ConsoleError, Deployment, Transport, find, lambda_transport, operator, session
from console.render import LAG_METRICS

OK, REFUSED, USAGE, ROLLED_BACK, AWS = 0, 1, 2, 3, 4
TRANSPORT_VARIABLE = "CUTOVER_CONSOLE_TRANSPORT"

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Drive and read the Aurora cutover from a terminal.")


class Context:
    """What every command needs; tests replace `connect` to reach an in-process controller."""

    connect: Callable[[Deployment], tuple[Transport, str, object]] | None = None

    def __init__(self, outputs: Path | None, function: str | None, as_json: bool, out: Console):
        self.outputs, self.function, self.as_json, self.out = outputs, function, as_json, out
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
                self._link = (lambda_transport(aws, self.deployment.function), operator(aws), aws)
        return self._link

    def call(self, payload: dict) -> dict:
        transport, who, _ = self.link()
        return transport({**payload, "operator": who} if "command" in payload and payload["command"] not in
                         ("status", "list") else payload)


def _context(ctx: typer.Context) -> Context:
    return ctx.obj


def run(ctx: typer.Context, body: Callable[[Context], int]) -> None:
    """One command: its exit code, and a one-line message (never a stack trace) for what went wrong."""
    context = _context(ctx)
    try:
        code = body(context)
    except ConsoleError as error:
        Console(stderr=True, soft_wrap=True).print(f"error: {error}", style="red", markup=False, highlight=False)
        code = USAGE
    except AwsError as error:
        Console(stderr=True, soft_wrap=True).print(f"error: {error}", style="red", markup=False, highlight=False)
        code = AWS
    raise typer.Exit(code)


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
                 as_json: Annotated[bool, typer.Option("--json", help="Print the controller's reply")] = False) -> None:
    ctx.obj = Context(outputs, function, as_json, Console())


@app.command()
def status(ctx: typer.Context) -> None:
    """Where the cutover stands: phase, weights, every gate, lag, connections, rollback, the next step."""
    run(ctx, lambda c: show(c, c.call({"command": "status"}), render.status_view))


@app.command()
def watch(ctx: typer.Context, interval: Annotated[float, typer.Option(help="Seconds between refreshes")] = 10.0,
          limit: Annotated[int, typer.Option(help="Refreshes at most (0: no limit)")] = 0) -> None:
    """status, refreshed until the phase needs the operator; exit 3 if a rollback happens meanwhile."""
    def body(c: Context) -> int:
        from rich.live import Live

        first = c.call({"command": "status"})
        if not first.get("ok"):
            return show(c, first)
        started, events, seen_phase = first.get("phase"), [], first.get("phase")
        reply, count = first, 0
        with Live(render.status_view(reply), console=c.out, refresh_per_second=4, transient=False) as live:
            while True:
                lag = recent_lag(c, reply)
                phase = reply.get("phase")
                if phase != seen_phase:
                    events.append(f"{datetime.now(UTC):%H:%M:%S} phase {seen_phase} -> {phase}")
                    seen_phase = phase
                live.update(render.status_view(reply, lag, [*events[-4:], *last_event(c)]))
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

    run(ctx, body)


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


def _simple(command: str, doc: str, **fields) -> None:
    def action(ctx: typer.Context,
               reason: Annotated[str, typer.Option(help="The change reference and why")] = "") -> None:
        run(ctx, lambda c: show(c, c.call({"command": command, "reason": reason, **fields})))

    action.__doc__ = doc
    app.command(name=command.split("-")[0] if command == "start-cutover" else command)(action)


_simple("assess", "Start a DMS premigration assessment of the forward task.")
_simple("start-cutover", "Start the cutover: the reverse task, then the reader canary.")
_simple("pause", "Hold the canary where it stands.")
_simple("resume", "Resume a held canary (after a full bake).")


def _guarded(c: Context, payload: dict, yes: bool, reason: str) -> int:
    """The dry run drawn as a plan, a confirmation that asks for the change reference, then the command."""
    dry = c.call({**payload, "dry_run": True, "reason": reason})
    if not dry.get("ok"):
        return show(c, dry)
    if not c.as_json:
        c.out.print(render.plan_view(payload["command"], dry))
    if not yes:
        try:  # no terminal and nothing piped in: click aborts, and nothing is sent
            reason = typer.prompt("Change reference (empty to cancel)", default=reason or "",
                                  show_default=bool(reason))
        except typer.Abort:
            reason = ""
        if not reason.strip():
            c.out.print("cancelled; nothing was sent")
            return REFUSED
    elif not reason.strip():
        raise ConsoleError("--yes needs --reason (the change reference goes into the checkpoint)")
    return show(c, c.call({**payload, "reason": reason}))


@app.command()
def flip(ctx: typer.Context, reason: Annotated[str, typer.Option(help="The change reference")] = "",
         yes: Annotated[bool, typer.Option("--yes", help="Skip the confirmation (automation)")] = False) -> None:
    """Move the writes to Aurora (fenced: on-prem fenced and caught up first); shows the plan first."""
    run(ctx, lambda c: _guarded(c, {"command": "flip"}, yes, reason))


@app.command()
def rollback(ctx: typer.Context, reason: Annotated[str, typer.Option(help="The change reference")] = "",
             yes: Annotated[bool, typer.Option("--yes")] = False,
             force: Annotated[bool, typer.Option(help="Even though on-prem would miss Aurora's writes")] = False) -> None:
    """Both names back to on-prem (fenced: Aurora fenced, on-prem caught up and its sequences set)."""
    run(ctx, lambda c: _guarded(c, {"command": "rollback", **({"force": True} if force else {})}, yes, reason))


@app.command()
def restore(ctx: typer.Context, reason: Annotated[str, typer.Option(help="The change reference")] = "",
            to: Annotated[str, typer.Option(help="ISO 8601 time (default: the pre-cutover checkpoint)")] = "",
            yes: Annotated[bool, typer.Option("--yes")] = False) -> None:
    """Restore the cluster to a time, as a new cluster (point-in-time)."""
    run(ctx, lambda c: _guarded(c, {"command": "restore-to-checkpoint", **({"restore_time": to} if to else {})},
                                yes, reason))


class Side(StrEnum):
    onprem = "onprem"
    aurora = "aurora"


class Listed(StrEnum):
    sequences = "sequences"
    tables_without_key = "tables-without-key"


@app.command()
def unfence(ctx: typer.Context, side: Annotated[Side, typer.Argument(help="onprem or aurora")],
            reason: Annotated[str, typer.Option(help="Why (required)")] = "",
            force: Annotated[bool, typer.Option(help="Even if both sides would take writes")] = False,
            yes: Annotated[bool, typer.Option("--yes")] = False) -> None:
    """The last resort: lift one side's fence by hand."""
    run(ctx, lambda c: _guarded(c, {"command": "unfence", "side": side.value, **({"force": True} if force else {})},
                                yes, reason))


@app.command(name="list")
def list_(ctx: typer.Context, what: Annotated[Listed, typer.Argument(help="sequences or tables-without-key")],
          after: Annotated[str, typer.Option(help="The previous page's last name")] = "") -> None:
    """One page of a list status only counts."""
    run(ctx, lambda c: show(c, {**c.call({"command": "list", "what": what.value, "after": after}),
                                "what": what.value}, render.list_view))


@app.command()
def report(ctx: typer.Context, out: Annotated[Path, typer.Option(help="Folder for report.md and report.json")] =
           Path("reports/cutover")) -> None:
    """The cutover record (Markdown and JSON) from the checkpoint's history, for change evidence."""
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
        built = record.build(versions, status_reply, c.deployment.outputs, datetime.now(UTC))
        out.mkdir(parents=True, exist_ok=True)
        (out / "report.json").write_text(json.dumps(built, indent=2, sort_keys=True) + "\n")
        (out / "report.md").write_text(record.markdown(built))
        if c.as_json:
            c.out.print_json(json.dumps(built))
        else:
            c.out.print(f"wrote {out / 'report.md'} and {out / 'report.json'}: {len(built['transitions'])} transitions")
        return OK

    run(ctx, body)


def main() -> None:
    try:
        app(standalone_mode=False)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except (typer.BadParameter, typer.Abort) as error:
        Console(stderr=True, soft_wrap=True).print(f"error: {error}", style="red", markup=False, highlight=False)
        sys.exit(USAGE)
    except Exception as error:  # click's usage errors
        import click

        if isinstance(error, click.ClickException):
            Console(stderr=True, soft_wrap=True).print(f"error: {error.format_message()}", style="red", markup=False,
                                       highlight=False)
            sys.exit(USAGE)
        raise
