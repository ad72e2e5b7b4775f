"""Parameter Store: the versioned checkpoint and the event record, always encrypted with the stack's CMK.

PutParameter without KeyId re-encrypts a SecureString with the account's default key, also on
overwrite, so every write names the key. Parameter Store keeps 100 versions of a parameter and refuses
a new one when the oldest carries a label; a write that would push a labelled version out takes the
label off it first (the milestone's time stays in the checkpoint's `milestones`).
"""

from __future__ import annotations

from botocore.exceptions import ClientError

KEPT_VERSIONS = 100


class CheckpointConflictError(RuntimeError):
    """Another writer changed the checkpoint between this invocation's read and its write."""


class ParameterGateway:
    def __init__(self, client, *, state_name: str, event_name: str, key_id: str):
        self.client, self.state_name, self.event_name, self.key_id = client, state_name, event_name, key_id

    def _get(self, name: str) -> tuple[str, int]:
        parameter = self.client.get_parameter(Name=name, WithDecryption=True)["Parameter"]
        return parameter["Value"], int(parameter["Version"])

    def _put(self, name: str, value: str) -> int:
        return int(self.client.put_parameter(
            Name=name, Value=value, Type="SecureString", KeyId=self.key_id, Overwrite=True)["Version"])

    def read(self) -> tuple[str, int]:
        return self._get(self.state_name)

    def write_detecting_conflict(self, value: str, read_version: int) -> int:
        """Write a new checkpoint version; raise if another writer wrote since `read_version` was read.

        This detects a lost race, it does not prevent one: the check before the write narrows the window,
        and the version the write returns proves whether anyone slipped in. Invocations are serialized by
        the function's reserved concurrency of 1; a conflict is repaired by the next invocation, which
        reads the records and the newest checkpoint afresh.
        """
        _, latest = self.read()
        if latest != read_version:
            raise CheckpointConflictError(f"checkpoint is at version {latest}, this invocation read {read_version}")
        self._make_room(read_version)
        version = self._put(self.state_name, value)
        if version != read_version + 1:
            raise CheckpointConflictError(f"wrote version {version}, expected {read_version + 1}: a concurrent "
                                          "writer; the next invocation reconciles from the record weights")
        return version

    def _make_room(self, latest: int) -> None:
        """Writing version latest+1 drops the oldest kept version; it must not carry a label."""
        if latest < KEPT_VERSIONS:
            return
        oldest = self.client.get_parameter_history(
            Name=self.state_name, MaxResults=1)["Parameters"][0]
        labels = oldest.get("Labels") or []
        if labels:
            self.client.unlabel_parameter_version(
                Name=self.state_name, ParameterVersion=int(oldest["Version"]), Labels=labels)

    def label(self, version: int, label: str) -> None:
        try:
            self.client.label_parameter_version(
                Name=self.state_name, ParameterVersion=version, Labels=[label])
        except ClientError as error:  # ten labels on one version at most: the checkpoint itself stands
            if error.response.get("Error", {}).get("Code") != "ParameterVersionLabelLimitExceeded":
                raise

    def read_events(self) -> str:
        return self._get(self.event_name)[0]

    def record_event(self, value: str) -> None:
        self._put(self.event_name, value)
