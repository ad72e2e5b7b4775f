"""SNS: notices to the operators."""

from __future__ import annotations


class SnsGateway:
    def __init__(self, client, *, topic_arn: str):
        self.client, self.topic_arn = client, topic_arn

    def notify(self, subject: str, message: str) -> None:
        self.client.publish(TopicArn=self.topic_arn, Subject=subject[:100], Message=message)
