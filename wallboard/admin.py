"""The supervisors' admin: sources and their ranges and targets, boards, tiles, access."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from integrations import VENDORS, vendor_info
from wallboard import alarms
from wallboard import messages as board_messages
from wallboard.alerts_admin import AlertAdmin  # noqa: F401  (registers alerts and their rules)
from wallboard.calls_admin import CallAdmin  # noqa: F401  (registers the call ledger)
from wallboard.displays_admin import DisplayAdmin  # noqa: F401  (registers the display registry)
from wallboard.models import (
    Agent,
    AgentAction,
    ApiToken,
    Board,
    PassThroughTarget,
    PriorityMessage,
    Queue,
    Rotation,
    RotationEntry,
    ScreenPopReceiver,
    Source,
    SourceHealth,
    Threshold,
    TickerMessage,
    Tile,
)
from wallboard.models.boards import new_display_key
from wallboard.models.service import QueueSettings
from wallboard.names_admin import NameAdmin  # noqa: F401  (registers the names directory)
from wallboard.recordings_admin import RecorderAdmin  # noqa: F401  (recorders, their tags)
from wallboard.screenpop_admin import ScreenPopReceiverAdmin  # noqa: F401  (screen pops)
from wallboard.sourcesecrets import UnreadableSecrets

SECRET_PREFIX = "secret_"


def secret_options() -> dict[str, list[str]]:
    """Every credential option a registered vendor has -> the labels of its vendors."""
    found: dict[str, list[str]] = {}
    for key in VENDORS:
        info = vendor_info(key)
        for name in info.secret_options:
            found.setdefault(name, []).append(info.label)
    return found


class SourceForm(forms.ModelForm):
    """A source, with one password input per vendor credential (never filled in with the
    stored value: blank keeps it) and a box to clear them."""

    clear_secrets = forms.BooleanField(
        required=False, label="Clear the stored credentials", help_text="Forget them all."
    )

    def save(self, commit: bool = True) -> Any:
        self._seal_secrets(self.instance)
        return super().save(commit)

    def _seal_secrets(self, source: Source) -> None:
        if source.vendor not in VENDORS:
            return
        wanted = vendor_info(source.vendor).secret_options
        try:
            values = {} if self.cleaned_data.get("clear_secrets") else source.secret_values()
        except UnreadableSecrets:
            values = {}  # unreadable (SECRET_KEY changed): what is typed now replaces them
        for name in secret_options():
            typed = self.cleaned_data.get(SECRET_PREFIX + name) or ""
            if typed:
                values[name] = typed
        source.set_secrets({k: v for k, v in values.items() if k in wanted})


def source_form() -> type[SourceForm]:
    """The form with a field per credential option of the vendors registered now."""
    fields: dict[str, Any] = {}
    for name, labels in secret_options().items():
        fields[SECRET_PREFIX + name] = forms.CharField(
            required=False,
            max_length=500,
            strip=False,
            label=name,
            widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
            help_text=f"{', '.join(labels)}. Stored encrypted and never shown; leave blank to "
            "keep the stored value.",
        )
    return type("SourceFormWithSecrets", (SourceForm,), fields)


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
    readonly_fields = ["health_report", "stored_credentials"]
    fieldsets = [
        (None, {"fields": ["name", "enabled", "vendor", "layout"]}),
        ("Connection", {"fields": ["listen", "connect", "allowed_peers", "refresh_seconds"]}),
        (
            "TLS (connect sources)",
            {"fields": ["tls", "tls_ca_file", "tls_cert_file", "tls_key_file"]},
        ),
        ("What to keep", {"fields": ["queue_range", "agent_range"]}),
        (
            "Vendor options",
            {"fields": ["options", "compat_file"], "classes": ["collapse"]},
        ),
        ("Feed health", {"fields": ["health_report"]}),
    ]
    actions = ["enable", "disable"]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        kwargs["form"] = source_form()
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = list(super().get_fieldsets(request, obj))
        names = [SECRET_PREFIX + name for name in secret_options()]
        if names:
            fields: list[Any] = ["stored_credentials", *names, "clear_secrets"]
            fieldsets.insert(-1, ("Credentials", {"fields": fields}))
        return fieldsets

    @admin.display(description="stored credentials")
    def stored_credentials(self, obj: Source) -> str:
        """Which credentials are stored: names, never values."""
        try:
            names = sorted(obj.secret_values()) if obj.pk else []
        except UnreadableSecrets as exc:
            return str(exc)
        return ", ".join(names) + " (stored)" if names else "none"

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
            *(
                (label, text)
                for label, text in ((health.diagnostics or {}).get("facts") or {}).items()
            ),
            *self._screen_pop_rows(obj),
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

    def _screen_pop_rows(self, obj: Source) -> list[tuple[str, Any]]:
        receiver = ScreenPopReceiver.objects.filter(source=obj).first()
        if receiver is None:
            return []
        last = f" (last: {receiver.last_rejected})" if receiver.last_rejected else ""
        return [
            ("screen pops", f"{receiver.accepted} taken, {receiver.rejected} refused{last}"),
        ]

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


class AgentControlForm(ActionForm):
    reason_code = forms.CharField(
        required=False,
        max_length=32,
        label="Reason code (not ready)",
        widget=forms.TextInput(attrs={"size": 8}),
    )


MAX_AGENTS_PER_ACTION = 50  # a supervisor's action, not a mass log-out by mistake


@admin.register(Agent)
class AgentAdmin(ReadOnlyAdmin):
    action_form = AgentControlForm
    actions = ["log_out", "set_not_ready", "set_ready"]

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

    def has_control_agents_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("wallboard.control_agents")

    @admin.action(description="Log out the selected agents", permissions=["control_agents"])
    def log_out(self, request: HttpRequest, queryset: QuerySet[Agent]) -> None:
        self._ask(request, queryset, "log_out")

    @admin.action(
        description="Set the selected agents not ready (with the reason code)",
        permissions=["control_agents"],
    )
    def set_not_ready(self, request: HttpRequest, queryset: QuerySet[Agent]) -> None:
        self._ask(request, queryset, "not_ready", request.POST.get("reason_code", "").strip())

    @admin.action(description="Set the selected agents ready", permissions=["control_agents"])
    def set_ready(self, request: HttpRequest, queryset: QuerySet[Agent]) -> None:
        self._ask(request, queryset, "ready")

    def _ask(
        self, request: HttpRequest, queryset: QuerySet[Agent], action: str, reason: str = ""
    ) -> None:
        from wallboard.actions import ActionError, request_action

        agents = list(queryset.select_related("source")[: MAX_AGENTS_PER_ACTION + 1])
        if len(agents) > MAX_AGENTS_PER_ACTION:
            messages.error(request, f"At most {MAX_AGENTS_PER_ACTION} agents at a time.")
            return
        made = refused = 0
        for agent in agents:
            try:
                row = request_action(
                    request.user, agent.source, agent.agent_id, action, reason, via="admin"
                )
            except ActionError as exc:
                messages.error(request, f"Agent {agent.agent_id}: {exc}")
                continue
            made += 1
            refused += row.status == "refused"
        if made:
            messages.info(
                request,
                format_html(
                    '{} request(s) made{}: the phone system\'s answers are in <a href="{}">'
                    "agent actions</a>.",
                    made,
                    f", {refused} refused at once (not connected)" if refused else "",
                    reverse("admin:wallboard_agentaction_changelist"),
                ),
            )


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
    fields = [
        "title",
        "slug",
        "theme",
        "palette",
        "columns",
        "display_url",
        ("alarm_sound", "alarm_repeat_seconds"),
        "muted_until",
    ]
    inlines = [TileInline]
    actions = ["regenerate_key", "unmute"]

    def save_model(self, request: HttpRequest, obj: Board, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "muted_until" in form.changed_data:  # the board's screens hear it now
            alarms.send_to_boards({obj.pk}, board_messages.BOARD_MUTE)

    @admin.action(description="Unmute: alarm sounds again")
    def unmute(self, request: HttpRequest, queryset: QuerySet[Board]) -> None:
        ids = set(queryset.values_list("pk", flat=True))
        Board.objects.filter(pk__in=ids).update(muted_until=None)
        alarms.send_to_boards(ids, board_messages.BOARD_MUTE)
        messages.success(request, f"{len(ids)} board(s) unmuted.")

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
    fields = [
        "kpi",
        "direction",
        "warning",
        "alarm",
        "clear",
        "hold_seconds",
        "sound",
        "repeat_seconds",
    ]


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
    list_display = ["name", "slug", "theme", "jump_to_alarm", "display_url"]
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


@admin.register(PriorityMessage)
class PriorityMessageAdmin(admin.ModelAdmin):
    """A supervisor's message over chosen screens. Its screens are told at once when it is
    posted, edited or removed; each display takes it down at its expiry by itself."""

    list_display = ["text", "starts_at", "expires_at", "created_by"]
    filter_horizontal = ["boards", "rotations"]
    fields = ["text", "boards", "rotations", "starts_at", "expires_at"]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"expires_at": timezone.now() + timedelta(minutes=15)}

    def save_model(
        self, request: HttpRequest, obj: PriorityMessage, form: Any, change: bool
    ) -> None:
        # The screens it was on before an edit are told too (it may have left them).
        form.boards_before = alarms.boards_of(obj) if change else set()
        if not change:
            obj.created_by = request.user if request.user.is_authenticated else None
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)  # its boards and rotations
        boards = alarms.boards_of(form.instance) | getattr(form, "boards_before", set())
        alarms.send_to_boards(boards, board_messages.BOARD_PRIORITY)

    def delete_model(self, request: HttpRequest, obj: PriorityMessage) -> None:
        boards = alarms.boards_of(obj)
        super().delete_model(request, obj)
        alarms.send_to_boards(boards, board_messages.BOARD_PRIORITY)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[PriorityMessage]) -> None:
        boards: set[int] = set()
        for message in queryset:
            boards |= alarms.boards_of(message)
        super().delete_queryset(request, queryset)
        alarms.send_to_boards(boards, board_messages.BOARD_PRIORITY)


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


@admin.register(AgentAction)
class AgentActionAdmin(ReadOnlyAdmin):
    """The audit log of supervisors' requests about agents, with the phone system's answers."""

    list_display = [
        "created_at",
        "username",
        "source_name",
        "agent_id",
        "action",
        "reason_code",
        "status",
        "detail",
        "answered_at",
        "via",
    ]
    list_filter = ["status", "action", "source_name", "via"]
    search_fields = ["agent_id", "username", "source_name"]
    date_hierarchy = "created_at"

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # an audit log


from wallboard import captures_admin  # noqa: E402, F401  (raw captures; extends SourceAdmin)
