"""15-minute interval statistics per queue and per agent: the reporting figures BI tools expect.

Written by ingest (ingest/intervals.py) from what each feed sends; a figure a feed cannot give
stays null, never 0. Only intervals with activity get rows. `start` is the interval's first
instant (UTC, aligned to 15 minutes, so aligned in the site's time zone too).

Each row also carries `accounting`: ingest's own bookkeeping as of the row's last write (how
far the agent's time is booked and in which state it was then; the queue's counters booked so
far). It is written in the same statement as the figures, so after a restart or a crash ingest
goes on from exactly what the stored figures hold. Not a reporting figure.
"""

from __future__ import annotations

from django.db import models

from .fields import RowJSONField
from .sources import Source

INTERVAL_SECONDS = 15 * 60

# The figures of each row, in the order exports and pages list them.
QUEUE_INTERVAL_FIGURES = (
    "offered",
    "answered",
    "abandoned",
    "answered_in_sl",
    "answer_wait_sum",
    "answer_wait_max",
    "talk_sum",
)
AGENT_INTERVAL_SECONDS = (
    "logged_in_seconds",
    "available_seconds",
    "ringing_seconds",
    "on_call_seconds",
    "wrap_up_seconds",
    "not_ready_seconds",
    "other_seconds",
)
AGENT_INTERVAL_FIGURES = (*AGENT_INTERVAL_SECONDS, "not_ready_by_reason", "answered")


class QueueInterval(models.Model):
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="queue_intervals")
    kind = models.CharField(max_length=16)
    number = models.CharField(max_length=64)
    start = models.DateTimeField()
    offered = models.IntegerField(null=True, blank=True)
    answered = models.IntegerField(null=True, blank=True)
    abandoned = models.IntegerField(null=True, blank=True)
    answered_in_sl = models.IntegerField(
        null=True, blank=True, help_text="Answered within the service-level threshold."
    )
    answer_wait_sum = models.IntegerField(null=True, blank=True, help_text="Seconds.")
    answer_wait_max = models.IntegerField(null=True, blank=True, help_text="Seconds.")
    talk_sum = models.IntegerField(null=True, blank=True, help_text="Seconds.")
    # A statistics feed's other figures of the row, as sent (overflows, callbacks, the
    # answer-wait histogram [[up to seconds, calls], ...]); {} for rows ingest derived.
    extra = RowJSONField(default=dict, blank=True)
    # {"last": [the feed's counters booked so far], "held": [answered, answered in SL]}
    accounting = RowJSONField(default=dict, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["source", "kind", "number", "start"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "kind", "number", "start"], name="unique_queue_interval"
            ),
        ]
        indexes = [models.Index(fields=["start"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.number} @ {self.start:%Y-%m-%d %H:%M}"


class AgentInterval(models.Model):
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="agent_intervals")
    agent_id = models.CharField(max_length=64)
    start = models.DateTimeField()
    logged_in_seconds = models.IntegerField(default=0)
    available_seconds = models.IntegerField(default=0)
    ringing_seconds = models.IntegerField(default=0)
    on_call_seconds = models.IntegerField(default=0)
    wrap_up_seconds = models.IntegerField(default=0)
    not_ready_seconds = models.IntegerField(default=0)
    other_seconds = models.IntegerField(default=0)
    # {"<reason code>": seconds}; "" for not ready without a code.
    not_ready_by_reason = RowJSONField(default=dict, blank=True)
    answered = models.IntegerField(null=True, blank=True)
    extra = RowJSONField(default=dict, blank=True)  # a statistics feed's other figures
    # {"until": epoch s the agent's time is booked up to, "state"/"reason": its state from
    # then ("" when it had left), "answered": its answered counter as last seen}
    accounting = RowJSONField(default=dict, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["source", "agent_id", "start"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "agent_id", "start"], name="unique_agent_interval"
            ),
        ]
        indexes = [models.Index(fields=["start"])]

    def __str__(self) -> str:
        return f"{self.agent_id} @ {self.start:%Y-%m-%d %H:%M}"
