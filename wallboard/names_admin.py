"""The names directory's admin: list, filter, search, edit, and import a PBX admin's CSV."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from wallboard.models import Name, Source
from wallboard.namesio import import_csv

MAX_CSV_BYTES = 5 * 1024 * 1024


class NameCsvForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Columns kind, number, name and optionally source (a source's name); a "
        "header line is skipped. Kinds: skill (or split), vdn, group, path, queue, agent, "
        "reason. Comma, semicolon or tab separated, UTF-8.",
    )
    source = forms.ModelChoiceField(
        queryset=Source.objects.all(),
        required=False,
        empty_label="every source",
        help_text="For lines that name no source.",
    )
    override = forms.BooleanField(
        required=False,
        label="These names override the feeds' own names",
        help_text="By default a feed's own name wins where it sends one.",
    )


@admin.register(Name)
class NameAdmin(admin.ModelAdmin):
    list_display = ["kind", "number", "name", "source_shown", "override"]
    list_display_links = ["kind", "number"]
    list_editable = ["name", "override"]
    list_filter = ["kind", "source", "override"]
    list_select_related = ["source"]
    search_fields = ["number", "name"]
    fields = ["source", "kind", "number", "name", "override"]
    change_list_template = "admin/wallboard/name/change_list.html"

    @admin.display(description="source", ordering="source__name")
    def source_shown(self, obj: Name) -> str:
        return obj.source.name if obj.source else "every source"

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="wallboard_name_import",
            )
        ]
        return own + super().get_urls()

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request) or not self.has_change_permission(request):
            return HttpResponse("You may not add or change names.", status=403)
        errors: list[str] = []
        if request.method == "POST":
            form = NameCsvForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                text = None
                if upload.size > MAX_CSV_BYTES:
                    errors = [f"The file is larger than {MAX_CSV_BYTES // (1024 * 1024)} MB."]
                else:
                    raw = upload.read()
                    for encoding in ("utf-8-sig", "cp1252"):
                        try:
                            text = raw.decode(encoding)
                            break
                        except UnicodeDecodeError:
                            continue
                if text is not None and not errors:
                    result = import_csv(
                        text,
                        source=form.cleaned_data["source"],
                        override=form.cleaned_data["override"],
                    )
                    if result.ok:
                        self.message_user(
                            request,
                            f"Names imported: {result.created} new, {result.updated} changed, "
                            f"{result.unchanged} unchanged.",
                            messages.SUCCESS,
                        )
                        return HttpResponseRedirect(reverse("admin:wallboard_name_changelist"))
                    errors = result.errors
                elif not errors:
                    errors = ["The file is not text (UTF-8 or Windows-1252)."]
        else:
            form = NameCsvForm()
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import names from CSV",
            "form": form,
            "errors": errors,
        }
        return TemplateResponse(request, "admin/wallboard/name/import.html", context)
