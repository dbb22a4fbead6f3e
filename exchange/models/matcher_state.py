"""What the database knows of each matcher shard: its id space and how far it is persisted."""

from django.db import models

# Order and trade ids of shard number n are n × ID_SPACE + the shard's own counter, so ids
# stay unique across shards and the default shard (number 0) has plain ids.
ID_SPACE = 10**15


class MatcherState(models.Model):
    shard = models.CharField(max_length=32, unique=True, blank=True)
    number = models.PositiveIntegerField(unique=True)
    persisted_seq = models.BigIntegerField(
        default=0, help_text="The engine sequence number up to which events are in the database."
    )
    last_seq = models.BigIntegerField(default=0, help_text="The matcher's last journaled seq.")
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    persist_error = models.TextField(
        blank=True,
        help_text="The command the database refuses to store, and why: persistence stops "
        "there (it is in the journal) until the cause is fixed. Empty when all is well.",
    )

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return self.shard or "(default)"

    @property
    def id_base(self) -> int:
        return self.number * ID_SPACE
