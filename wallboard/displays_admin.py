"""The admin's Displays: every screen connected (live, stale or gone), what it shows, its
address and display-file version; reload, switch, identify, unpair; pairing a new screen by the
code it shows (the add page)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html

from wallboard import displays
from wallboard.displayversion import display_version
from wallboard.models import Board, Display, PairingCode, Rotation

STATUS_TEXT = {
    displays.LIVE: ("● live", "#138a46"),
    displays.STALE: ("◐ stale", "#b07800"),
    displays.GONE: ("○ gone", "#6b7280"),
}


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(displays.LIVE, "live"), (displays.STALE, "stale"), (displays.GONE, "gone")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Display]) -> QuerySet[Display]:
        now = timezone.now()
        fresh = now - timedelta(seconds=displays.stale_after())
        alive = now - timedelta(seconds=displays.gone_after())
        here = Q(disconnected_at__isnull=True, last_seen__isnull=False)
        if self.value() == displays.LIVE:
            return queryset.filter(here, last_seen__gte=fresh)
        if self.value() == displays.STALE:
            return queryset.filter(here, last_seen__lt=fresh, last_seen__gte=alive)
        if self.value() == displays.GONE:
            return queryset.exclude(here & Q(last_seen__gte=alive))
        return queryset


def target_choices() -> list[tuple[str, str]]:
    boards = [(f"board:{b.pk}", f"Board: {b.title}") for b in Board.objects.all()]
    rotations = [(f"rotation:{r.pk}", f"Rotation: {r.name}") for r in Rotation.objects.all()]
    return boards + rotations


def target_of(value: str) -> Board | Rotation | None:
    kind, _, pk = value.partition(":")
    model: type[Board] | type[Rotation] = Board if kind == "board" else Rotation
    if kind not in ("board", "rotation") or not pk.isdigit():
        return None
    return model.objects.filter(pk=int(pk)).first()


class PairForm(forms.ModelForm):
    """The add page: pair the screen that shows this code."""

    code = forms.CharField(
        max_length=20, help_text="The code the screen shows at /pair/ (dash and case optional)."
    )
    show = forms.ChoiceField(label="Shows", choices=())

    class Meta:
        model = Display
        fields = ["name"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        show = self.fields["show"]
        assert isinstance(show, forms.ChoiceField)
        show.choices = target_choices()
        self.fields["name"].required = True

    def clean_code(self) -> PairingCode:
        code = displays.pending_code(self.cleaned_data["code"])
        if code is None:
            raise ValidationError("No screen is waiting with this code (expired or used?).")
        return code

    def clean_show(self) -> Board | Rotation:
        target = target_of(self.cleaned_data["show"])
        if target is None:
            raise ValidationError("Choose a board or a rotation.")
        return target


class SwitchForm(forms.Form):
    show = forms.ChoiceField(label="Show", choices=())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        show = self.fields["show"]
        assert isinstance(show, forms.ChoiceField)
        show.choices = target_choices()


@admin.register(Display)
class DisplayAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "status",
        "set_to",
        "showing",
        "address",
        "version_note",
        "connected_since",
        "last_seen",
        "paired_note",
    ]
    list_filter = [StatusFilter]
    list_select_related = ["board", "rotation"]
    search_fields = ["name", "ident", "address", "showing"]
    actions = ["identify", "reload", "switch", "unpair"]
    readonly_fields = [
        "ident",
        "status",
        "set_to",
        "showing",
        "address",
        "user_agent",
        "version_note",
        "connected_since",
        "last_seen",
        "disconnected_at",
        "paired_note",
    ]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = PairForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["code", "name", "show"]
        editable = ["name", "board", "rotation"] if obj.paired else ["name"]
        return editable + self.readonly_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [] if obj is None else list(self.readonly_fields)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"code": request.GET.get("code", "")[:20]}  # the pairing page's QR code

    def save_model(self, request: HttpRequest, obj: Display, form: Any, change: bool) -> None:
        if not change:
            display = displays.approve(
                form.cleaned_data["code"],
                obj.name,
                form.cleaned_data["show"],
                request.user.get_username(),
            )
            if display is None:
                raise ValidationError("The code was used or expired meanwhile.")
            obj.pk, obj.ident, obj.display_key = display.pk, display.ident, display.display_key
            messages.success(request, f"Paired: the screen opens {display} within seconds.")
            return
        moved = {"board", "rotation"} & set(form.changed_data)
        super().save_model(request, obj, form, change)
        if moved and obj.paired and (obj.board or obj.rotation):
            displays.switch(obj, obj.rotation or obj.board)  # type: ignore[arg-type]

    # -- columns ------------------------------------------------------------------------
    @admin.display(description="status")
    def status(self, obj: Display) -> str:
        text, colour = STATUS_TEXT[displays.liveness(obj, timezone.now())]
        return format_html('<strong style="color:{}">{}</strong>', colour, text)

    @admin.display(description="set to")
    def set_to(self, obj: Display) -> str:
        if obj.rotation is not None:
            return f"rotation {obj.rotation}"
        return f"board {obj.board}" if obj.board is not None else "–"

    @admin.display(description="version")
    def version_note(self, obj: Display) -> str:
        if not obj.version:
            return "–"
        if obj.version != display_version():
            return format_html("{} <strong>(old: reload it)</strong>", obj.version)
        return obj.version

    @admin.display(description="paired", boolean=True)
    def paired_note(self, obj: Display) -> bool:
        return obj.paired

    # -- actions ------------------------------------------------------------------------
    def _report(self, request: HttpRequest, sent: int, total: int, what: str) -> None:
        if sent == total:
            messages.success(request, f"{what}: sent to {sent} display(s).")
        else:
            messages.error(
                request, f"{what}: sent to {sent} of {total}; the channel layer failed (logged)."
            )

    @admin.action(description="Identify: show each one's name on it for 10 s")
    def identify(self, request: HttpRequest, queryset: QuerySet[Display]) -> None:
        sent = sum(displays.identify(d) for d in queryset)
        self._report(request, sent, len(queryset), "Identify")

    @admin.action(description="Reload the selected displays")
    def reload(self, request: HttpRequest, queryset: QuerySet[Display]) -> None:
        sent = sum(displays.reload(d) for d in queryset)
        self._report(request, sent, len(queryset), "Reload")

    @admin.action(description="Switch the selected displays to another board or rotation")
    def switch(self, request: HttpRequest, queryset: QuerySet[Display]) -> HttpResponse | None:
        form = SwitchForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            target = target_of(form.cleaned_data["show"])
            if target is not None:
                sent = sum(displays.switch(d, target) for d in queryset)
                self._report(request, sent, len(queryset), f"Switch to {target}")
                return None
        return TemplateResponse(
            request,
            "admin/wallboard/display/switch.html",
            {
                **self.admin_site.each_context(request),
                "title": "Switch displays",
                "displays": queryset,
                "form": form,
                "opts": self.model._meta,
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(description="Unpair: revoke the selected displays' own keys")
    def unpair(self, request: HttpRequest, queryset: QuerySet[Display]) -> None:
        paired = [d for d in queryset if d.paired]
        for display in paired:
            displays.unpair(display)
        messages.success(request, f"Unpaired {len(paired)} display(s); their screens stop.")


@admin.register(PairingCode)
class PairingCodeAdmin(admin.ModelAdmin):
    """Read-only: who asked to be paired, when, and who approved it."""

    list_display = ["__str__", "address", "created_at", "expires_at", "display", "approved_by"]
    readonly_fields = ["address", "created_at", "expires_at", "display", "approved_by", "used_at"]
    fields = ["address", "created_at", "expires_at", "display", "approved_by", "used_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
