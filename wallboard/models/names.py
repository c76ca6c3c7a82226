"""The names directory: display names for queues (skills/splits, VDNs, Mitel groups and paths,
Optimus queues), agents and not-ready/AUX reason codes, per source or for every source.

A feed's own name wins unless the entry overrides it; a reason code has no feed name. The
directory is read whole (directory()) into the engine's Names, with the boards: displays, the
API, history and the CSV export all resolve names through it.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from integrations.base import QUEUE_KINDS
from wallboard.engine.names import AGENT, REASON, NameEntry, Names

from .sources import Source

NAME_KINDS = (*QUEUE_KINDS, AGENT, REASON)
NAME_KIND_LABELS = {
    "skill": "Skill / split (Avaya)",
    "vdn": "VDN (Avaya)",
    "group": "ACD group (Mitel)",
    "path": "ACD path (Mitel)",
    "queue": "Queue (Optimus)",
    AGENT: "Agent",
    REASON: "Not-ready / AUX reason code",
}


class Name(models.Model):
    source = models.ForeignKey(
        Source,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="names",
        help_text="Blank: every source. A source's own entry wins over one for every source.",
    )
    kind = models.CharField(
        max_length=16, choices=[(k, NAME_KIND_LABELS.get(k, k)) for k in NAME_KINDS]
    )
    number = models.CharField(
        max_length=64,
        help_text="The skill, VDN, group, path or queue number, the agent ID or the reason "
        "code, as the feed sends it.",
    )
    name = models.CharField(max_length=200, help_text="What displays, the API and exports show.")
    override = models.BooleanField(
        default=False,
        help_text="Show this name even where the feed sends a name of its own (by default the "
        "feed's own name wins).",
    )

    class Meta:
        ordering = ["kind", "number", "source"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "kind", "number"],
                condition=Q(source__isnull=False),
                name="unique_name_per_source",
                violation_error_message="This source already names this kind and number.",
            ),
            models.UniqueConstraint(
                fields=["kind", "number"],
                condition=Q(source__isnull=True),
                name="unique_name_all_sources",
                violation_error_message="Every source's names already have this kind and number.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.number}: {self.name}"

    def clean(self) -> None:
        self.number = (self.number or "").strip()
        self.name = (self.name or "").strip()


# The directory this process read last, with the rows and sources' names it was made of. A read
# that finds the same (the usual case: runingest reads it with the boards every reload, 3 s)
# hands back that Names rather than making it again, which at 30,000 agents' names took most of
# the read's 230 ms of CPU. The rows are read whole each time: an edit is seen at the next read.
_last: tuple[list[tuple[Any, ...]], dict[int, str], Names] | None = None


def directory() -> Names:
    """The whole directory as the engine resolves it, with each source's display name (to
    tell apart one name from two feeds)."""
    global _last
    rows = list(
        Name.objects.order_by("pk").values_list("source_id", "kind", "number", "name", "override")
    )  # (in one order, so an unchanged directory reads equal; any order gives the same map)
    sources = {s.pk: s.shown_name for s in Source.objects.only("id", "name", "display_name")}
    last = _last
    if last is not None and last[0] == rows and last[1] == sources:
        return last[2]
    names = Names([NameEntry(*row) for row in rows], sources)
    _last = (rows, sources, names)
    return names
