"""The Aurora writer and readers of a cluster are each pinned to a different availability zone."""

from collections import Counter

from aspects.engine import Resource, Rule, Severity, Violation


def check(r: Resource):
    members = [i for i in r.others("aws_rds_cluster_instance")
               if i.get("cluster_identifier") in (f"${{aws_rds_cluster.{r.name}.id}}", r.get("cluster_identifier"))]
    if not members:
        return [Violation("instances", "the cluster has no instance")]
    zones = [i.get("availability_zone") for i in members]
    out = []
    if len(members) < 3:
        out.append(Violation("instances", f"{len(members)} instances; a writer and two readers are required"))
    if None in zones:
        out.append(Violation("availability_zone", "an instance is not pinned to a zone"))
    repeated = [z for z, n in Counter(z for z in zones if z).items() if n > 1]
    if repeated:
        out.append(Violation("availability_zone", f"zones used twice: {', '.join(map(str, repeated))}"))
    return out


RULE = Rule(
    id="MIG-DB-001", statement=__doc__.strip(), severity=Severity.ERROR, resource_types=frozenset({"aws_rds_cluster"}),
    rationale="A zone outage must leave a reader to promote; the cluster's availability_zones list would force "
              "replacement, so each instance is pinned instead.",
    fix="set availability_zone on each aws_rds_cluster_instance to a distinct zone", check=check)
