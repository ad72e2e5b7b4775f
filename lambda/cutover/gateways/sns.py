"""SNS: notices to the operators."""

from __future__ import annotations

from cutover.gateways.retry import with_backoff


class SnsGateway:
    def __init__(self, client, *, topic_arn: str):
        self.client, self.topic_arn = client, topic_arn

    def notify(self, subject: str, message: str) -> None:
        with_backoff(lambda: self.client.publish(TopicArn=self.topic_arn, Subject=subject[:100], Message=message))
