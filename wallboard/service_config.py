"""The `service_levels` section of exportconfig/importconfig (wallboard.configio)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wallboard.models import Source
from wallboard.models.service import QueueSettings

SERVICE_LEVEL_KEYS = {
    "source",
    "kind",
    "number",
    "target_seconds",
    "formula",
    "short_abandon_seconds",
    "target_pct",
}


def export_service_levels() -> list[dict[str, Any]]:
    return [
        {
            "source": s.source.name if s.source else None,
            "kind": s.kind,
            "number": s.number,
            "target_seconds": s.target_seconds,
            "formula": s.formula,
            "short_abandon_seconds": s.short_abandon_seconds,
            "target_pct": s.target_pct,
        }
        for s in QueueSettings.objects.select_related("source")
    ]


def import_service_levels(
    items: Any,
    keys: Callable[[Any, set[str], str], None],
    clean: Callable[[Any, str], None],
    error: type[Exception],
) -> int:
    """Create or update each setting by (source, kind, number): importing is idempotent."""
    if not isinstance(items, list):
        raise error("service_levels: expected a list")
    for i, item in enumerate(items):
        where = f"service_levels[{i}]"
        keys(item, SERVICE_LEVEL_KEYS, where)
        source = None
        if item.get("source"):
            source = Source.objects.filter(name=item["source"]).first()
            if source is None:
                raise error(f"{where}: no source '{item['source']}'")
        kind, number = item.get("kind", "") or "", str(item.get("number", "") or "").strip()
        setting = QueueSettings.objects.filter(source=source, kind=kind, number=number).first()
        if setting is None:
            setting = QueueSettings(source=source, kind=kind, number=number)
        defaults = QueueSettings()
        setting.target_seconds = item.get("target_seconds", defaults.target_seconds)
        setting.formula = item.get("formula", defaults.formula)
        setting.short_abandon_seconds = item.get(
            "short_abandon_seconds", defaults.short_abandon_seconds
        )
        setting.target_pct = item.get("target_pct", defaults.target_pct)
        clean(setting, where)
        setting.save()
    return len(items)
