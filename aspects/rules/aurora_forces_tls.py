"""Aurora clusters use a cluster parameter group that sets rds.force_ssl = 1."""

from aspects.engine import Resource, Rule, Severity, Violation


def check(r: Resource):
    group = r.referenced(r.get("db_cluster_parameter_group_name"), "aws_rds_cluster_parameter_group")
    if group is None:
        return [Violation("db_cluster_parameter_group_name", "no parameter group of this stack is attached; "
                          "the default group does not force TLS")]
    values = {p.get("name"): str(p.get("value")) for p in group.get("parameter") or []}
    if values.get("rds.force_ssl") != "1":
        return [Violation("db_cluster_parameter_group_name", f"attached group {group.name} does not set rds.force_ssl=1")]
    return []


RULE = Rule(
    id="MIG-TLS-002", statement=__doc__.strip(), severity=Severity.ERROR, resource_types=frozenset({"aws_rds_cluster"}),
    rationale="Without rds.force_ssl, PostgreSQL accepts clear-text client connections.",
    fix="attach an aws_rds_cluster_parameter_group with rds.force_ssl=1", check=check, suppressible=False)
