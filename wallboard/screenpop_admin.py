"""The admin's screen-pop receivers: the URL to paste into Optimus, its counts, revoking it."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from wallboard.models import ScreenPop, ScreenPopReceiver
from wallboard.models.screenpops import new_receiver_key

# What Optimus fills in (its system parameters, section 4 of its integration guide).
TEMPLATE = (
    "?CALLID=[CALLID]&EXTENSION=[EXTENSION]&QUEUECODE=[QUEUECODE]&QUEUE=[QUEUE]"
    "&CLID=[CLID]&DNIS=[DNIS]&WAITINGTIME=[WAITING TIME]&ATTACHDATA=[ATTACHDATA]"
)


@admin.register(ScreenPopReceiver)
class ScreenPopReceiverAdmin(admin.ModelAdmin):
    list_display = ["source", "accepted", "rejected", "last_rejected", "last_rejected_at"]
    readonly_fields = ["url", "accepted", "rejected", "last_rejected", "last_rejected_at"]
    fields = ["source", "url", "accepted", "rejected", "last_rejected", "last_rejected_at"]
    actions = ["regenerate_key"]

    @admin.display(description="URL for Optimus' web screen pop-up")
    def url(self, obj: ScreenPopReceiver) -> str:
        if not obj.pk:
            return "Saved first: the key is made then."
        request = getattr(self, "_request", None)
        base = request.build_absolute_uri(obj.path) if request is not None else obj.path
        return format_html("<code>{}{}</code>", base, TEMPLATE)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ScreenPopReceiver]:
        self._request = request
        return super().get_queryset(request).select_related("source")

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        self._request = request
        return [*self.readonly_fields, "source"] if obj is not None else self.readonly_fields

    @admin.action(description="Regenerate the key (revokes the old screen-pop URL)")
    def regenerate_key(self, request: HttpRequest, queryset: QuerySet[ScreenPopReceiver]) -> None:
        for receiver in queryset:
            receiver.key = new_receiver_key()
            receiver.save(update_fields=["key"])
        messages.success(request, "New screen-pop URLs made: paste them into Optimus.")


@admin.register(ScreenPop)
class ScreenPopAdmin(admin.ModelAdmin):
    list_display = ["received_at", "source", "call_id", "extension", "queue_code", "status"]
    list_filter = ["source", "status"]
    search_fields = ["call_id", "extension"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
