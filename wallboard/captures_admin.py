"""Raw captures in the admin: asked for on a source's page (or by an action on the source list),
listed with their outcome, downloaded by staff, deleted with their files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from wallboard.models import Source, SourceCapture
from wallboard.models.captures import purge_expired

LIMITS = ["limit_seconds", "limit_batches", "limit_bytes"]
OUTCOME = ["status", "requested_by", "started_at", "ended_at", "ended_why", "bytes", "batches"]


def staff(request: HttpRequest) -> Any:
    """The admin's user (the admin admits only logged-in staff)."""
    return request.user if request.user.is_authenticated else None


def download_link(capture: SourceCapture) -> str:
    if not capture.pk or capture.status not in (SourceCapture.DONE, SourceCapture.FAILED):
        return "–"
    if not capture.file_path or not Path(capture.file_path).exists():
        return "no file"
    url = reverse("admin:wallboard_sourcecapture_download", args=[capture.pk])
    return format_html('<a href="{}">download</a>', url)


class CaptureForm(forms.ModelForm):
    """A new row asks for a capture; a capture asked for keeps its limits."""

    class Meta:
        model = SourceCapture
        fields = LIMITS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in LIMITS:
                self.fields[name].disabled = True


class CaptureInline(admin.TabularInline):
    model = SourceCapture
    form = CaptureForm
    extra = 0
    verbose_name = "raw capture"
    verbose_name_plural = (
        "Raw captures (add another: ingest records this feed's bytes, as received, until a "
        "limit; download the file for manage.py replay, or to send to the developers)"
    )
    fields = [*LIMITS, *OUTCOME, "download"]
    readonly_fields = [*OUTCOME, "download"]
    ordering = ["-requested_at"]

    @admin.display(description="file")
    def download(self, obj: SourceCapture) -> str:
        return download_link(obj)

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)

        class RequestedBy(formset):  # type: ignore[misc,valid-type]
            def save_new(self, form: Any, commit: bool = True) -> Any:
                form.instance.requested_by = staff(request)
                return super().save_new(form, commit)

        return RequestedBy


# The source admin as wallboard.admin registered it (imported from there: no import back).
SourceAdmin: Any = type(admin.site._registry[Source])


class CapturingSourceAdmin(SourceAdmin):
    inlines = [*SourceAdmin.inlines, CaptureInline]
    actions = [*SourceAdmin.actions, "capture_a_minute"]

    def get_inline_instances(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        """Captures are of a source that exists: none on the add page."""
        inlines = super().get_inline_instances(request, obj)
        return (
            inlines if obj is not None else [i for i in inlines if not isinstance(i, CaptureInline)]
        )

    @admin.action(description="Capture 60 s of raw bytes from the selected sources")
    def capture_a_minute(self, request: HttpRequest, queryset: QuerySet[Source]) -> None:
        for source in queryset:
            SourceCapture.objects.create(source=source, requested_by=staff(request))
        self.message_user(
            request,
            f"Asked for {queryset.count()} capture(s): ingest takes them up within seconds; "
            "each source's page lists them, with the file once done.",
            messages.SUCCESS,
        )


admin.site.unregister(Source)
admin.site.register(Source, CapturingSourceAdmin)


@admin.register(SourceCapture)
class SourceCaptureAdmin(admin.ModelAdmin):
    list_display = ["source", "requested_at", "status", "bytes", "batches", "ended_why", "file"]
    list_filter = ["status", "source"]
    fields = ["source", *LIMITS, *OUTCOME, "file_path", "file"]
    readonly_fields = [*OUTCOME, "file_path", "file"]

    @admin.display(description="file")
    def file(self, obj: SourceCapture) -> str:
        return download_link(obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: SourceCapture, form: Any, change: bool) -> None:
        if not change:
            obj.requested_by = staff(request)
        super().save_model(request, obj, form, change)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        purge_expired()
        return super().changelist_view(request, extra_context)

    def get_urls(self) -> list[URLPattern]:
        download = path(
            "<int:capture_id>/download/",
            self.admin_site.admin_view(self.download),
            name="wallboard_sourcecapture_download",
        )
        return [download, *super().get_urls()]

    def download(self, request: HttpRequest, capture_id: int) -> FileResponse:
        """The capture's file, to staff who may see captures."""
        if not (request.user.is_staff and self.has_view_permission(request)):
            raise PermissionDenied
        capture = SourceCapture.objects.filter(pk=capture_id).first()
        if capture is None or capture.status == SourceCapture.RUNNING or not capture.file_path:
            raise Http404("no such capture file (yet)")
        try:
            handle = open(capture.file_path, "rb")  # noqa: SIM115  (FileResponse closes it)
        except OSError as exc:
            raise Http404("the capture's file is gone") from exc
        return FileResponse(handle, as_attachment=True, filename=Path(capture.file_path).name)
