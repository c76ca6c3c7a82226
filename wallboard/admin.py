"""The supervisors' admin: sources and their ranges and targets, boards, tiles, access."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from wallboard.calls_admin import CallAdmin  # noqa: F401  (registers the call ledger)
from wallboard.displays_admin import DisplayAdmin  # noqa: F401  (registers the display registry)
from wallboard.models import (
    Agent,
    ApiToken,
    Board,
    PassThroughTarget,
    Queue,
    Rotation,
    RotationEntry,
    Source,
    SourceHealth,
    Threshold,
    TickerMessage,
    Tile,
)
from wallboard.models.boards import new_display_key
from wallboard.models.service import QueueSettings
from wallboard.names_admin import NameAdmin  # noqa: F401  (registers the names directory)


class PassThroughInline(admin.TabularInline):
    model = PassThroughTarget
    extra = 0
    fields = ["host", "port", "enabled", "live_status"]
    readonly_fields = ["live_status"]

    @admin.display(description="live status")
    def live_status(self, obj: PassThroughTarget) -> str:
        if not obj.pk:
            return "–"
        health = SourceHealth.objects.filter(source_id=obj.source_id).first()
        status = (health.targets if health else {}).get(str(obj.pk))
        if not status:
            return "not running"
        return format_html(
            "{} · {} bytes sent · {} dropped{}",
            "connected" if status.get("connected") else "not connected",
            status.get("bytes_sent", 0),
            status.get("bytes_dropped", 0),
            f" · {status['last_error']}" if status.get("last_error") else "",
        )


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "vendor",
        "layout",
        "address",
        "enabled",
        "feed_status",
        "last_data",
        "parse_errors",
    ]
    list_filter = ["vendor", "enabled"]
    list_select_related = ["health"]
    search_fields = ["name"]
    inlines = [PassThroughInline]
    readonly_fields = ["health_report"]
    fieldsets = [
        (None, {"fields": ["name", "enabled", "vendor", "layout"]}),
        ("Connection", {"fields": ["listen", "connect", "allowed_peers", "refresh_seconds"]}),
        ("What to keep", {"fields": ["queue_range", "agent_range"]}),
        (
            "Vendor options",
            {"fields": ["options", "compat_file"], "classes": ["collapse"]},
        ),
        ("Feed health", {"fields": ["health_report"]}),
    ]
    actions = ["enable", "disable"]

    @admin.display(description="address")
    def address(self, obj: Source) -> str:
        return f"listen {obj.listen}" if obj.listen else f"connect {obj.connect}"

    def _health(self, obj: Source) -> SourceHealth | None:
        try:
            return obj.health
        except SourceHealth.DoesNotExist:
            return None

    @admin.display(description="status")
    def feed_status(self, obj: Source) -> str:
        health = self._health(obj)
        if not obj.enabled:
            return "disabled"
        if health is None:
            return "never ran"
        if health.stale:
            return "STALE (connected)" if health.connected else "STALE (not connected)"
        return "live"

    @admin.display(description="last data")
    def last_data(self, obj: Source) -> str:
        health = self._health(obj)
        if health is None or health.last_data_at is None:
            return "–"
        return timezone.localtime(health.last_data_at).strftime("%Y-%m-%d %H:%M:%S")

    @admin.display(description="parse errors")
    def parse_errors(self, obj: Source) -> int:
        health = self._health(obj)
        return health.parse_errors if health else 0

    @admin.display(description="health")
    def health_report(self, obj: Source) -> str:
        health = self._health(obj) if obj.pk else None
        if health is None:
            return "No report yet: is runingest running?"
        rows = [
            ("status", self.feed_status(obj)),
            ("connected peer", health.peer or "–"),
            ("last data", self.last_data(obj)),
            ("batches", health.batches),
            ("records", health.records),
            ("parse errors", health.parse_errors),
            ("last error", health.last_error or "–"),
            (
                "runingest heartbeat",
                timezone.localtime(health.heartbeat_at).strftime("%H:%M:%S")
                if health.heartbeat_at
                else "–",
            ),
        ]
        table = format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows)
        diagnostics = json.dumps(health.diagnostics, indent=2)[:4000]
        return format_html("<table>{}</table><pre>{}</pre>", table, diagnostics)

    @admin.action(description="Enable the selected sources")
    def enable(self, request: HttpRequest, queryset: QuerySet[Source]) -> None:
        for source in queryset:  # save() so updated_at moves and runingest notices
            source.enabled = True
            source.save()

    @admin.action(description="Disable the selected sources")
    def disable(self, request: HttpRequest, queryset: QuerySet[Source]) -> None:
        for source in queryset:
            source.enabled = False
            source.save()


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Queue)
class QueueAdmin(ReadOnlyAdmin):
    list_display = [
        "source",
        "kind",
        "number",
        "name",
        "calls_waiting",
        "oldest_wait_seconds",
        "agents_available",
        "service_level_pct",
        "updated_at",
        "gone",
    ]
    list_filter = ["source", "kind", "gone"]
    list_select_related = ["source"]
    search_fields = ["number", "name"]


@admin.register(Agent)
class AgentAdmin(ReadOnlyAdmin):
    list_display = [
        "source",
        "agent_id",
        "name",
        "extension",
        "state",
        "reason_code",
        "state_since",
        "gone",
    ]
    list_filter = ["source", "state", "gone"]
    list_select_related = ["source"]
    search_fields = ["agent_id", "name", "extension"]


class TileInline(admin.StackedInline):
    model = Tile
    extra = 0
    show_change_link = True
    fields = [
        ("order", "kind", "title"),
        ("width", "height"),
        ("source", "queue_kind", "queue_range"),
        ("agent_range", "compact"),
        "kpis",
    ]


@admin.register(Board)
class BoardAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "theme", "palette", "columns", "display_url"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["display_url"]
    fields = ["title", "slug", "theme", "palette", "columns", "display_url"]
    inlines = [TileInline]
    actions = ["regenerate_key"]

    @admin.display(description="display URL (paste into the screen's browser)")
    def display_url(self, obj: Board) -> str:
        if not obj.pk:
            return "Save the board first."
        request = getattr(self, "_request", None)
        url = request.build_absolute_uri(obj.display_path()) if request else obj.display_path()
        return format_html('<a href="{0}" target="_blank">{0}</a>', url)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Board]:
        self._request = request
        return super().get_queryset(request)

    @admin.action(description="Regenerate the display key (revokes the old URL)")
    def regenerate_key(self, request: HttpRequest, queryset: QuerySet[Board]) -> None:
        for board in queryset:
            board.display_key = new_display_key()
            board.save()  # the pre_save signal closes displays that used the old key
        messages.success(request, "New display URLs made; screens on the old ones are closed.")


class ThresholdInline(admin.TabularInline):
    model = Threshold
    extra = 1


@admin.register(Tile)
class TileAdmin(admin.ModelAdmin):
    list_display = ["__str__", "board", "kind", "order", "source", "queue_range"]
    list_filter = ["board", "kind"]
    list_select_related = ["board", "source"]
    inlines = [ThresholdInline]


@admin.register(TickerMessage)
class TickerMessageAdmin(admin.ModelAdmin):
    list_display = ["text", "board", "starts_at", "ends_at"]
    list_filter = ["board"]


class RotationEntryInline(admin.TabularInline):
    model = RotationEntry
    extra = 1


@admin.register(Rotation)
class RotationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "theme", "display_url"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [RotationEntryInline]
    readonly_fields = ["display_url"]
    actions = ["regenerate_key"]

    @admin.display(description="display URL")
    def display_url(self, obj: Rotation) -> str:
        return obj.display_path() if obj.pk else "Save the rotation first."

    @admin.action(description="Regenerate the display key (revokes the old URL)")
    def regenerate_key(self, request: HttpRequest, queryset: QuerySet[Rotation]) -> None:
        for rotation in queryset:
            rotation.display_key = new_display_key()
            rotation.save()


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "user", "enabled", "created_at", "last_used_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]
    fields = ["name", "user", "enabled", "prefix", "created_at", "last_used_at"]

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        if not change:
            token = obj.issue()
            messages.warning(
                request,
                f"The token is {token} — copy it now: it is stored only as a hash and will not "
                "be shown again. Send it as 'Authorization: Bearer <token>'.",
            )
        super().save_model(request, obj, form, change)


# ---- 15-minute intervals (written by ingest; read-only here) ---------------------------------

from wallboard.models import AgentInterval, QueueInterval  # noqa: E402


class IntervalAdmin(ReadOnlyAdmin):
    list_filter = ["source"]
    list_select_related = ["source"]
    date_hierarchy = "start"
    show_full_result_count = False  # a month of a large site is millions of rows
    actions = ["export_csv"]
    agents = False

    @admin.display(description="interval start (site time)", ordering="start")
    def local_start(self, obj: Any) -> str:
        return timezone.localtime(obj.start).strftime("%Y-%m-%d %H:%M")

    @admin.action(description="Export selected as CSV")
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        from wallboard.export import csv_response

        names = dict(Source.objects.values_list("id", "name"))
        what = "agent-intervals" if self.agents else "queue-intervals"
        return csv_response(request, queryset, names, self.agents, f"{what}-selected.csv")


@admin.register(QueueInterval)
class QueueIntervalAdmin(IntervalAdmin):
    list_display = [
        "source",
        "kind",
        "number",
        "local_start",
        "offered",
        "answered",
        "abandoned",
        "answered_in_sl",
        "answer_wait_sum",
        "answer_wait_max",
        "talk_sum",
    ]
    list_filter = ["source", "kind"]
    search_fields = ["number"]


@admin.register(AgentInterval)
class AgentIntervalAdmin(IntervalAdmin):
    agents = True
    list_display = [
        "source",
        "agent_id",
        "local_start",
        "logged_in_seconds",
        "available_seconds",
        "on_call_seconds",
        "wrap_up_seconds",
        "not_ready_seconds",
        "other_seconds",
        "answered",
    ]
    search_fields = ["agent_id"]


@admin.register(QueueSettings)
class QueueSettingsAdmin(admin.ModelAdmin):
    """Service-level target and formula per queue, per source or for all (the most specific
    applies; see the README's "Boards and displays")."""

    list_display = ["__str__", "target_seconds", "formula", "short_abandon_seconds", "target_pct"]
    list_filter = ["source", "formula"]
    search_fields = ["number"]
