"""Parameter Store: the versioned checkpoint, written only if nobody wrote since it was read."""

from __future__ import annotations

from botocore.exceptions import ClientError

from cutover.gateways.retry import with_backoff


class CheckpointConflictError(RuntimeError):
    """Another invocation wrote the checkpoint after this one read it."""


class ParameterGateway:
    def __init__(self, client, *, state_name: str, event_name: str, sleep=None):
        self.client, self.state_name, self.event_name = client, state_name, event_name
        self.kwargs = {"sleep": sleep} if sleep else {}

    def read(self) -> tuple[str, int]:
        parameter = with_backoff(lambda: self.client.get_parameter(Name=self.state_name, WithDecryption=True),
                                 **self.kwargs)["Parameter"]
        return parameter["Value"], int(parameter["Version"])

    def write_if_latest(self, value: str, expected_version: int) -> int:
        """Compare, then write; the write's own version number proves no one slipped in between."""
        _, latest = self.read()
        if latest != expected_version:
            raise CheckpointConflictError(f"checkpoint is at version {latest}, this invocation read {expected_version}")
        version = int(with_backoff(lambda: self.client.put_parameter(
            Name=self.state_name, Value=value, Type="SecureString", Overwrite=True), **self.kwargs)["Version"])
        if version != expected_version + 1:
            raise CheckpointConflictError(f"wrote version {version}, expected {expected_version + 1}: a concurrent "
                                     "writer; the next tick reconciles from the record weights")
        return version

    def label(self, version: int, label: str) -> None:
        try:
            self.client.label_parameter_version(Name=self.state_name, ParameterVersion=version, Labels=[label])
        except ClientError as error:  # a label is a convenience; the checkpoint itself is written
            if error.response.get("Error", {}).get("Code") != "ParameterVersionLabelLimitExceeded":
                raise

    def record_event(self, value: str) -> None:
        with_backoff(lambda: self.client.put_parameter(Name=self.event_name, Value=value, Type="SecureString",
                                                       Overwrite=True), **self.kwargs)
