"""PostgreSQL source endpoints send heartbeats, fail a task on a LOB they would truncate, and capture no DDL."""

from aspects.engine import Resource, Rule, Severity, Violation, first
from aspects.facts import POSTGRES_ENGINES


def check(r: Resource):
    if r.get("endpoint_type") != "source" or r.get("engine_name") not in POSTGRES_ENGINES:
        return None
    settings = first(r.get("postgres_settings")) or {}
    out = []
    if settings.get("heartbeat_enable") is not True:
        out.append(Violation("postgres_settings.heartbeat_enable",
                             "without heartbeats an idle source's slot keeps its restart point and WAL piles up"))
    frequency = settings.get("heartbeat_frequency")
    if not isinstance(frequency, int) or frequency < 1:
        out.append(Violation("postgres_settings.heartbeat_frequency", f"{frequency!r}: set minutes between heartbeats"))
    if settings.get("fail_tasks_on_lob_truncation") is not True:
        out.append(Violation("postgres_settings.fail_tasks_on_lob_truncation",
                             "a LOB larger than LobMaxSize would arrive cut, with only a log line"))
    if settings.get("capture_ddls") is not False:
        out.append(Violation("postgres_settings.capture_ddls",
                             "must be false: DDL is frozen during the migration and loopback prevention covers DML only"))
    return out


RULE = Rule(
    id="MIG-MIG-006", statement=__doc__.strip(), severity=Severity.ERROR, resource_types=frozenset({"aws_dms_endpoint"}),
    rationale="A replication slot that stops advancing fills the source's disk with WAL; a truncated JSON document "
              "in a payment is silent data loss.",
    fix="postgres_settings { heartbeat_enable=true, heartbeat_frequency, fail_tasks_on_lob_truncation=true, "
        "capture_ddls=false }",
    check=check, suppressible=False)
