"""The call ledger in the admin: read-only (ingest writes calls; only the retention purge,
`manage.py purgecalls`, deletes them), numbers masked unless the user may see them whole.

Whether numbers are masked is chosen per request by which fields are shown (the admin object is
shared by every request, so it keeps no per-request state).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from wallboard.api import call_figures
from wallboard.lib.privacy import mask_number
from wallboard.models import Call, CallSegment

NUMBERS_PERMISSION = "wallboard.view_caller_numbers"
# A transfer's target may be an outside number: personal data like the caller's.
NUMBER_FIELDS = frozenset({"calling", "called", "transfer_target", "target"})

CALL_LIST = [
    "offered_at_local",
    "source",
    "call_id",
    "queue",
    "calling",
    "called",
    "agent_id",
    "state",
    "outcome",
    "wait",
    "talk",
    "hold",
    "orphaned",
]
CALL_FIELDSETS: list[tuple[str | None, dict[str, Any]]] = [
    (None, {"fields": ["source", "call_id", "ucid", "direction", "media", "state"]}),
    ("Where", {"fields": ["vdn", "queue_kind", "queue_number", "agent_id", "extension"]}),
    ("Who", {"fields": ["calling", "called"]}),
    (
        "When",
        {
            "fields": [
                "offered_at_local",
                "queued_at_local",
                "answered_at_local",
                "ended_at_local",
                "wait",
                "talk",
                "hold",
                "held_since_local",
            ]
        },
    ),
    (
        "How it ended",
        {"fields": ["released_by", "outcome", "transfer_target", "cause", "orphaned"]},
    ),
    ("Feed", {"fields": ["extra", "updated_at_local"], "classes": ["collapse"]}),
]
SEGMENT_FIELDS = [
    "seq",
    "agent_id",
    "extension",
    "queue_kind",
    "queue_number",
    "started_at_local",
    "answered_at_local",
    "ended_at_local",
    "hold_seconds",
    "how_ended",
    "target",
]


def clock(value: datetime | None) -> str:
    """An instant in site time to the second (the admin's default drops the seconds)."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else "-"


def local_time(field: str) -> Any:
    """A display of a datetime field, in site time to the second."""

    @admin.display(description=f"{field.replace('_', ' ')} (site time)", ordering=field)
    def shown(self: Any, obj: Any) -> str:
        return clock(getattr(obj, field))

    return shown


def sees_numbers(request: HttpRequest) -> bool:
    return bool(request.user.has_perm(NUMBERS_PERMISSION))


def masked(number: str) -> str:
    return mask_number(number, settings.CALLER_NUMBER_VISIBLE_DIGITS)


def whole_or_masked(fields: list[str], request: HttpRequest) -> list[str]:
    """The fields with each number field swapped for its masked twin (`calling` ->
    `calling_masked`) unless the user may see numbers whole."""
    if sees_numbers(request):
        return fields
    return [f"{f}_masked" if f in NUMBER_FIELDS else f for f in fields]


class ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CallSegmentInline(ReadOnly, admin.TabularInline):
    model = CallSegment
    extra = 0
    can_delete = False
    fields = tuple(SEGMENT_FIELDS)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Segments are part of the call: whoever may view the call sees them.
        return bool(request.user.has_perm("wallboard.view_call"))

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return whole_or_masked(SEGMENT_FIELDS, request)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.get_fields(request, obj)

    started_at_local = local_time("started_at")
    answered_at_local = local_time("answered_at")
    ended_at_local = local_time("ended_at")

    @admin.display(description="target")
    def target_masked(self, obj: CallSegment) -> str:
        return masked(obj.target)


@admin.register(Call)
class CallAdmin(ReadOnly, admin.ModelAdmin):
    list_display = tuple(CALL_LIST)
    list_display_links = ["call_id"]
    list_filter = ["source", "state", "outcome", "direction", "orphaned", "offered_at"]
    list_select_related = ["source"]
    # Exact matches: the indexes answer them on a table of millions of calls.
    search_fields = ["=call_id", "=ucid", "=agent_id", "=segments__agent_id"]
    search_help_text = "A call ID, UCID or agent ID (any of the call's agents), exactly."
    show_full_result_count = False
    inlines = [CallSegmentInline]

    def get_list_display(self, request: HttpRequest) -> Any:
        return whole_or_masked(CALL_LIST, request)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        whole = sees_numbers(request)
        shown = []
        for title, options in CALL_FIELDSETS:
            fields = whole_or_masked(options["fields"], request)
            if not whole:  # the feed's own fields may carry numbers too
                fields = [f for f in fields if f != "extra"]
            shown.append((title, {**options, "fields": fields}))
        return shown

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [f for _, options in self.get_fieldsets(request, obj) for f in options["fields"]]

    @admin.display(description="calling")
    def calling_masked(self, obj: Call) -> str:
        return masked(obj.calling)

    @admin.display(description="called")
    def called_masked(self, obj: Call) -> str:
        return masked(obj.called)

    @admin.display(description="transfer target")
    def transfer_target_masked(self, obj: Call) -> str:
        return masked(obj.transfer_target)

    offered_at_local = local_time("offered_at")
    queued_at_local = local_time("queued_at")
    answered_at_local = local_time("answered_at")
    ended_at_local = local_time("ended_at")
    held_since_local = local_time("held_since")
    updated_at_local = local_time("updated_at")

    @admin.display(description="queue")
    def queue(self, obj: Call) -> str:
        return f"{obj.queue_kind} {obj.queue_number}".strip()

    @admin.display(description="wait (s)")
    def wait(self, obj: Call) -> float:
        return call_figures(obj, timezone.now())[0]

    @admin.display(description="talk (s)")
    def talk(self, obj: Call) -> float | None:
        return call_figures(obj, timezone.now())[1]

    @admin.display(description="hold (s)")
    def hold(self, obj: Call) -> float:
        return call_figures(obj, timezone.now())[2]
