"""The cluster in the cutover controller's environment is the stack's, with the Data API enabled on a version and
instance classes that have it."""

from aspects.controller import environment, resolve, setting
from aspects.engine import Resource, Rule, Severity, Violation
from aspects.facts import DATA_API_MIN_VERSION, version_tuple


def check(r: Resource):
    variables = environment(r)
    if variables is None:
        return None
    cluster = resolve(r, setting(variables, "cluster_arn"), "aws_rds_cluster", "arn")
    if cluster is None:
        return [Violation("environment.CLUSTER_ARN", f"{setting(variables, 'cluster_arn')!r} is no cluster of this "
                                                     "stack")]
    out = []
    if cluster.get("enable_http_endpoint") is not True:
        out.append(Violation("enable_http_endpoint", f"{cluster.address}: the Data API is off"))
    version = version_tuple(cluster.get("engine_version"))
    if version is None or version < DATA_API_MIN_VERSION:
        out.append(Violation("engine_version", f"{cluster.address}: {cluster.get('engine_version')!r} predates the "
                                               f"Data API on provisioned clusters ({'.'.join(map(str, DATA_API_MIN_VERSION))})"))
    own = {f"${{aws_rds_cluster.{cluster.name}.id}}", cluster.get("cluster_identifier")}
    small = [i.address for i in r.others("aws_rds_cluster_instance")
             if i.get("cluster_identifier") in own and str(i.get("instance_class", "")).startswith("db.t")]
    if small:
        out.append(Violation("instance_class", f"T classes have no Data API: {', '.join(small)}"))
    return out


RULE = Rule(
    id="MIG-CTL-009", statement=" ".join(__doc__.split()), severity=Severity.ERROR,
    resource_types=frozenset({"aws_lambda_function"}),
    rationale="The flip syncs the sequences and the gates check the tables through the Data API; without it the "
              "flip can never happen and a rollback cannot tell what on-prem's sequences need.",
    fix="enable_http_endpoint and config database.engine_version / instance_class (stack/constructs/database.py)",
    check=check, suppressible=False)
