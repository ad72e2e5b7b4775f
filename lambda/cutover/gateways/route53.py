"""Route 53: read the two weighted pairs (writer and reader names) and change them in one atomic batch."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError, WaiterError

from cutover.gateways.errors import describe
from cutover.models import Records, Weights
from cutover.settings import INSYNC_WAIT_SECONDS

NOT_SEEN_INSYNC = "not seen INSYNC"
POLL_SECONDS = 5  # Route 53 propagates in well under a minute; 90 s / 5 s = 18 GetChange calls at most


class RecordsError(RuntimeError):
    """A weighted pair is not as deployed (missing, or a different shape)."""


class Route53Gateway:
    def __init__(self, client, *, zone_id: str, record_name: str, reader_record_name: str, onprem_id: str,
                 aurora_id: str, insync_timeout: int = INSYNC_WAIT_SECONDS, poll_seconds: int = POLL_SECONDS):
        self.client, self.zone_id = client, zone_id
        self.names = (record_name.rstrip(".") + ".", reader_record_name.rstrip(".") + ".")
        self.onprem_id, self.aurora_id = onprem_id, aurora_id
        self.insync_timeout, self.poll_seconds = insync_timeout, poll_seconds

    def _pair(self, name: str) -> dict[str, dict]:
        response = self.client.list_resource_record_sets(
            HostedZoneId=self.zone_id, StartRecordName=name, MaxItems="10")
        pair = {r["SetIdentifier"]: r for r in response["ResourceRecordSets"]
                if r["Name"] == name and r.get("SetIdentifier") in (self.onprem_id, self.aurora_id)}
        if set(pair) != {self.onprem_id, self.aurora_id}:
            raise RecordsError(f"weighted records {self.onprem_id}/{self.aurora_id} of {name} not found")
        return pair

    def _weights(self, pair: dict[str, dict]) -> Weights:
        return Weights(int(pair[self.onprem_id]["Weight"]), int(pair[self.aurora_id]["Weight"]))

    def weights(self) -> Records:
        writer, readers = (self._pair(name) for name in self.names)
        return Records(self._weights(writer), self._weights(readers))

    def set_weights(self, records: Records) -> str:
        """UPSERT all four records in one ChangeBatch (atomic), then wait until it is INSYNC.

        Once Route 53 accepts a batch it applies it, so a wait that fails or runs out does not undo the
        change: it is reported, and the change counts as made.
        """
        changes = []
        for name, weights in zip(self.names, records, strict=True):
            pair = self._pair(name)
            for set_id, weight in ((self.onprem_id, weights.onprem), (self.aurora_id, weights.aurora)):
                record = {k: v for k, v in pair[set_id].items() if k in ("Name", "Type", "SetIdentifier", "TTL",
                                                                          "ResourceRecords", "AliasTarget")}
                changes.append({"Action": "UPSERT", "ResourceRecordSet": {**record, "Weight": weight}})
        comment = f"cutover writer {records.writer.onprem}/{records.writer.aurora} " \
                  f"readers {records.readers.onprem}/{records.readers.aurora}"
        response = self.client.change_resource_record_sets(
            HostedZoneId=self.zone_id, ChangeBatch={"Comment": comment, "Changes": changes})
        change_id = response["ChangeInfo"]["Id"]
        try:
            self._wait_insync(change_id, response["ChangeInfo"].get("Status"))
        except (TimeoutError, ClientError, BotoCoreError) as error:
            return f"{change_id} accepted; {NOT_SEEN_INSYNC} ({describe(error)})"
        return change_id

    def _wait_insync(self, change_id: str, status: str | None) -> None:
        """botocore's `resource_record_sets_changed` waiter, bounded by the controller's INSYNC budget."""
        if status == "INSYNC":
            return
        attempts = max(1, self.insync_timeout // POLL_SECONDS)
        try:
            self.client.get_waiter("resource_record_sets_changed").wait(
                Id=change_id, WaiterConfig={"Delay": self.poll_seconds, "MaxAttempts": attempts})
        except WaiterError as error:
            if "Error" in (error.last_response or {}):  # GetChange itself failed (denied, say): say how
                raise ClientError(error.last_response, "GetChange") from error
            raise TimeoutError(f"Route 53 change {change_id} not INSYNC after {attempts} checks "
                               f"{POLL_SECONDS} s apart") from error
