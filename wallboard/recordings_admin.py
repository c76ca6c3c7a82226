"""Recorders and their recording tags in the admin.

A recorder's credential is set here and never shown back (nor exported); its users can be read
again now (the action; ingest also reads them daily); its change page lists the agents of its
sources that match none of its users. Tags are ingest's record and read-only here.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from integrations import recorder as recorder_module
from wallboard.models import Recorder, RecordingTag
from wallboard.models.recordings import unmatched_agents


class RecorderForm(forms.ModelForm):
    token = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="The recorder API's bearer token. Left blank, the stored one is kept; it is "
        "never shown or exported.",
    )
    forget_token = forms.BooleanField(required=False, help_text="Remove the stored token.")

    class Meta:
        model = Recorder
        fields = [
            "name",
            "kind",
            "base_url",
            "match_key",
            "sources",
            "lookup_window_seconds",
            "enabled",
        ]

    def save(self, commit: bool = True) -> Recorder:
        recorder: Recorder = super().save(commit=False)
        if self.cleaned_data.get("forget_token"):
            recorder.set_token("")
        elif self.cleaned_data.get("token"):
            recorder.set_token(self.cleaned_data["token"])
        if commit:
            recorder.save()
            self.save_m2m()
        return recorder


@admin.register(Recorder)
class RecorderAdmin(admin.ModelAdmin):
    form = RecorderForm
    list_display = ["name", "kind", "base_url", "match_key", "enabled", "user_count", "users_read"]
    filter_horizontal = ["sources"]
    readonly_fields = ["users_read", "users_error", "user_count", "unmatched"]
    actions = ["refresh_users"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "base_url", "token", "forget_token", "enabled"]}),
        ("Tagging", {"fields": ["sources", "lookup_window_seconds", "match_key"]}),
        ("Users", {"fields": ["user_count", "users_read", "users_error", "unmatched"]}),
    ]

    @admin.display(description="users")
    def user_count(self, obj: Recorder) -> int:
        return len(obj.users or [])

    @admin.display(description="users read")
    def users_read(self, obj: Recorder) -> str:
        return obj.users_loaded_at.isoformat(timespec="seconds") if obj.users_loaded_at else "never"

    @admin.display(description="agents matching no user")
    def unmatched(self, obj: Recorder) -> str:
        if obj.pk is None:
            return "—"
        rows = unmatched_agents(obj)
        if not rows:
            return "none"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "", "<li>{} · {} {}</li>", ((s, a, f"({n})" if n else "") for s, a, n in rows)
            ),
        )

    @admin.action(description="Read the recorders' users now")
    def refresh_users(self, request: HttpRequest, queryset: QuerySet[Recorder]) -> None:
        for recorder in queryset:
            module: Any = recorder_module(recorder.kind)
            try:
                count = recorder.refresh_users()
            except module.RecorderError as exc:
                self.message_user(request, f"{recorder}: {exc}", messages.ERROR)
            except ValueError as exc:  # a credential sealed under another SECRET_KEY
                self.message_user(
                    request, f"{recorder}: credential unreadable ({exc})", messages.ERROR
                )
            else:
                self.message_user(request, f"{count} users read from {recorder}")


@admin.register(RecordingTag)
class RecordingTagAdmin(admin.ModelAdmin):
    list_display = [
        "connected_at",
        "recorder",
        "call_id",
        "seq",
        "extension",
        "agent_id",
        "status",
        "recording_id",
        "attempts",
        "reason",
    ]
    list_filter = ["status", "recorder"]
    search_fields = ["call_id", "recording_id", "agent_id", "extension"]
    list_select_related = ["recorder"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
