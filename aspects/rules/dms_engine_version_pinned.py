"""The DMS replication instance pins an engine version that supports PostgreSQL 16 sources, without automatic
minor upgrades."""

from aspects.engine import Resource, Rule, Severity, Violation
from aspects.facts import DMS_MIN_ENGINE_VERSION, version_tuple

MINIMUM = ".".join(map(str, DMS_MIN_ENGINE_VERSION))


def check(r: Resource):
    out = []
    version = version_tuple(r.get("engine_version"))
    if version is None:
        out.append(Violation("engine_version", "unset: AWS picks its default, which may predate PostgreSQL 16 support"))
    elif version < DMS_MIN_ENGINE_VERSION:
        out.append(Violation("engine_version", f"{r.get('engine_version')} is below {MINIMUM}"))
    if r.get("auto_minor_version_upgrade") is not False:
        out.append(Violation("auto_minor_version_upgrade", "true moves the pinned engine under a running task"))
    return out


RULE = Rule(
    id="MIG-MIG-007", statement=" ".join(__doc__.split()), severity=Severity.ERROR,
    resource_types=frozenset({"aws_dms_replication_instance"}),
    rationale=f"PostgreSQL 16 as a DMS source needs DMS {MINIMUM} or later; an unpinned engine is whatever AWS "
              "defaults to on the day of the deploy.",
    fix=f'engine_version="{MINIMUM}" or later (config migration.dms_engine_version), auto_minor_version_upgrade=false',
    check=check, suppressible=False)
