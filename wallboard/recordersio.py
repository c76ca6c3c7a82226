"""Recorders as configuration (exportconfig / importconfig).

A recorder's token never leaves the installation, as a source's credentials do not: it is
neither exported nor imported. On import a recorder matched by name keeps the token it has; a
new one has none until someone types it into the admin (the import names those). The users it
last read and its recording tags are records, not configuration: neither exported nor
imported. A recorder names the sources it records by name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wallboard.models import Recorder, Source

RECORDER_KEYS = {
    "name",
    "kind",
    "base_url",
    "match_key",
    "sources",
    "lookup_window_seconds",
    "enabled",
}

Keys = Callable[..., None]
Clean = Callable[..., None]


def export_recorders() -> list[dict[str, Any]]:
    return [
        {
            "name": r.name,
            "kind": r.kind,
            "base_url": r.base_url,
            "match_key": r.match_key,
            "sources": sorted(s.name for s in r.sources.all()),
            "lookup_window_seconds": r.lookup_window_seconds,
            "enabled": r.enabled,
        }
        for r in Recorder.objects.prefetch_related("sources").order_by("name")
    ]


def import_recorders(
    items: Any, keys: Keys, clean: Clean, error: type[Exception]
) -> tuple[int, list[str]]:
    """(recorders imported, the new ones that have no token yet)."""
    if not isinstance(items, list):
        raise error("recorders: expected a list")
    count, untokened = 0, []
    for i, item in enumerate(items):
        keys(item, RECORDER_KEYS, f"recorders[{i}]", ("name", "base_url"))
        where = f"recorder '{item['name']}'"
        recorder = Recorder.objects.filter(name=item["name"]).first()
        new = recorder is None
        if recorder is None:
            recorder = Recorder(name=item["name"])
        recorder.kind = item.get("kind", "http_json")
        recorder.base_url = item["base_url"]
        recorder.match_key = item.get("match_key", "login")
        recorder.lookup_window_seconds = item.get("lookup_window_seconds", 10)
        recorder.enabled = bool(item.get("enabled", True))
        names = item.get("sources", [])
        if not isinstance(names, list):
            raise error(f"{where}: sources is a list of source names")
        sources = list(Source.objects.filter(name__in=names))
        missing = sorted(set(map(str, names)) - {s.name for s in sources})
        if missing:
            raise error(f"{where}: no source {', '.join(missing)}")
        clean(recorder, where)
        recorder.save()
        recorder.sources.set(sources)
        if new:
            untokened.append(recorder.name)
        count += 1
    return count, untokened
