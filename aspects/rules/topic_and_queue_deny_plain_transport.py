"""SNS topics and SQS queues have a policy that denies requests without TLS."""

import json

from aspects.engine import Resource, Rule, Severity, Violation

POLICY_OF = {"aws_sns_topic": ("aws_sns_topic_policy", "arn", "arn"),
             "aws_sqs_queue": ("aws_sqs_queue_policy", "queue_url", "url")}


def denies_plain_transport(policy: object) -> bool:
    try:
        document = json.loads(policy) if isinstance(policy, str) else policy
    except ValueError:
        return False
    statements = (document or {}).get("Statement", [])
    return any(s.get("Effect") == "Deny" and str(s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport"))
               .lower() == "false" for s in (statements if isinstance(statements, list) else [statements]))


def check(r: Resource):
    kind, key, attribute = POLICY_OF[r.type]
    reference = "${" + f"{r.type}.{r.name}.{attribute}" + "}"
    policies = [r.get("policy")] + [p.get("policy") for p in r.others(kind) if p.get(key) == reference]
    if any(denies_plain_transport(p) for p in policies if p):
        return []
    return [Violation("policy", "no statement denies aws:SecureTransport=false")]


RULE = Rule(
    id="MIG-TLS-003", statement=__doc__.strip(), severity=Severity.ERROR,
    resource_types=frozenset(POLICY_OF), rationale="Encryption in transit must not depend on each client's choice.",
    fix="add a Deny statement with Condition Bool aws:SecureTransport=false", check=check, suppressible=False)
