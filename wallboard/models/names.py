"""The names directory: display names for queues (skills/splits, VDNs, Mitel groups and paths,
Optimus queues), agents and not-ready/AUX reason codes, per source or for every source.

A feed's own name wins unless the entry overrides it; a reason code has no feed name. The
directory is read whole (directory()) into the engine's Names, with the boards: displays, the
API, history and the CSV export all resolve names through it.
"""

from __future__ import annotations

from django.db import connection, models
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


# The directory this process read last: the directory's version then (see migration 0027: the
# database replaces it with every change to the names table) and the sources' names it was made
# with. A read that finds both the same (the usual case: runingest reads the directory with the
# boards every reload, 3 s; the API and history pages with each request) reads one small row,
# not every name: at 30,000 agents' names, reading and making the directory took 230 ms of CPU.
_last: tuple[str, dict[int, str], Names] | None = None


def names_version() -> str | None:
    """The names table's version now; None on a database that keeps none."""
    if connection.vendor not in ("sqlite", "postgresql"):
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT version FROM wallboard_names_version WHERE id = 1")
        row = cursor.fetchone()
    return None if row is None else str(row[0])


def directory() -> Names:
    """The whole directory as the engine resolves it, with each source's display name (to
    tell apart one name from two feeds)."""
    global _last
    # The version first: a change committed between this and the rows is in the rows, and
    # makes the next read's version differ (the other order could keep old rows as new).
    version = names_version()
    sources = {s.pk: s.shown_name for s in Source.objects.only("id", "name", "display_name")}
    last = _last
    if version is not None and last is not None and last[0] == version and last[1] == sources:
        return last[2]
    rows = Name.objects.values_list("source_id", "kind", "number", "name", "override")
    names = Names([NameEntry(*row) for row in rows], sources)
    _last = None if version is None else (version, sources, names)
    return names
