"""Configuration as code: sources (ranges, pass-through targets), boards, tiles, rotations,
service levels, the names directory, alert channels and alert rules (wallboard/alertsio.py).

export_config() writes the JSON shape of DESIGN.md; import_config() reads it back. Unknown keys
are an error, missing optional keys take defaults, and importing is idempotent: sources match
by name, boards and rotations by slug. Display keys are secrets and are not exported; an
imported board keeps its key, a new one gets a fresh key. Nor are credentials: a source's, an
alert channel's (a webhook's signing secret, a Teams or Slack webhook's URL).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from wallboard.alertsio import export_channels, export_rules, import_channels, import_rules
from wallboard.models import (
    Board,
    PassThroughTarget,
    Rotation,
    RotationEntry,
    Source,
    Threshold,
    Tile,
)
from wallboard.models.boards import STANDARD_PALETTE
from wallboard.namesio import export_names, import_names
from wallboard.recordersio import export_recorders, import_recorders
from wallboard.service_config import export_service_levels, import_service_levels


class ConfigError(ValueError):
    pass


SOURCE_KEYS = {
    "name",
    "display_name",
    "vendor",
    "layout",
    "listen",
    "connect",
    "allowed_peers",
    "refresh_seconds",
    "queue_range",
    "agent_range",
    "enabled",
    "options",
    "compat_file",
    "pass_through",
    "tls",
    "tls_ca_file",
    "tls_cert_file",
    "tls_key_file",
}
# TLS settings are exported only when set (paths on the ingest server, not secrets). A
# source's credentials (Source.secrets) are never exported, and no key imports them: they are
# typed into the admin on each installation; an import keeps a source's stored ones.
TLS_KEYS = ("tls", "tls_ca_file", "tls_cert_file", "tls_key_file")
TARGET_KEYS = {"host", "port", "enabled"}
BOARD_KEYS = {
    "title",
    "slug",
    "theme",
    "palette",
    "columns",
    "tiles",
    "alarm_sound",
    "alarm_repeat_seconds",
}
TILE_KEYS = {
    "order",
    "kind",
    "title",
    "width",
    "height",
    "source",
    "queue_kind",
    "queue_range",
    "agent_range",
    "kpis",
    "compact",
    "thresholds",
}
THRESHOLD_KEYS = {
    "kpi",
    "direction",
    "warning",
    "alarm",
    "clear",
    "hold_seconds",
    "sound",
    "repeat_seconds",
}
ROTATION_KEYS = {"name", "slug", "theme", "boards", "jump_to_alarm"}
# Alarm settings are written only where they differ from their defaults.
_THRESHOLD_ALARM_DEFAULTS: dict[str, Any] = {
    "clear": None,
    "hold_seconds": 0,
    "sound": "",
    "repeat_seconds": None,
}
ENTRY_KEYS = {"board", "seconds"}


def export_config() -> dict[str, Any]:
    sources = []
    for s in Source.objects.prefetch_related("targets"):
        item: dict[str, Any] = {"name": s.name, "vendor": s.vendor}
        if s.layout:
            item["layout"] = s.layout
        item["listen" if s.listen else "connect"] = s.listen or s.connect
        item.update(
            {
                "allowed_peers": s.allowed_peers.replace(",", " ").split(),
                "refresh_seconds": s.refresh_seconds,
                "queue_range": s.queue_range,
                "agent_range": s.agent_range,
                "enabled": s.enabled,
                "pass_through": [
                    {"host": t.host, "port": t.port, "enabled": t.enabled} for t in s.targets.all()
                ],
            }
        )
        if s.options:
            item["options"] = s.options
        if s.compat_file:
            item["compat_file"] = s.compat_file
        if s.display_name:
            item["display_name"] = s.display_name
        for key in TLS_KEYS:
            if getattr(s, key):
                item[key] = getattr(s, key)
        sources.append(item)
    boards = []
    for b in Board.objects.prefetch_related("tiles__thresholds", "tiles__source"):
        boards.append(
            {
                "title": b.title,
                "slug": b.slug,
                "theme": b.theme,
                "columns": b.columns,
                "tiles": [
                    {
                        "order": t.order,
                        "kind": t.kind,
                        "title": t.title,
                        "width": t.width,
                        "height": t.height,
                        "source": t.source.name if t.source else None,
                        "queue_kind": t.queue_kind,
                        "queue_range": t.queue_range,
                        "agent_range": t.agent_range,
                        "kpis": t.kpis,
                        "compact": t.compact,
                        "thresholds": [
                            {
                                "kpi": th.kpi,
                                "direction": th.direction,
                                "warning": th.warning,
                                "alarm": th.alarm,
                            }
                            | {
                                k: getattr(th, k)
                                for k, default in _THRESHOLD_ALARM_DEFAULTS.items()
                                if getattr(th, k) != default
                            }
                            for th in t.thresholds.all()
                        ],
                    }
                    for t in b.tiles.all()
                ],
            }
            | (
                {"alarm_sound": b.alarm_sound, "alarm_repeat_seconds": b.alarm_repeat_seconds}
                if b.alarm_sound != "none" or b.alarm_repeat_seconds != 30
                else {}
            )
        )
    rotations = [
        {
            "name": r.name,
            "slug": r.slug,
            "boards": [
                {"board": e.board.slug, "seconds": e.seconds}
                for e in r.entries.select_related("board")
            ],
        }
        | ({"jump_to_alarm": True} if r.jump_to_alarm else {})
        for r in Rotation.objects.all()
    ]
    # A look other than the default is written; the default needs no key.
    palettes = dict(Board.objects.exclude(palette=STANDARD_PALETTE).values_list("slug", "palette"))
    for item in boards:
        if item["slug"] in palettes:
            item["palette"] = palettes[item["slug"]]
    themes = dict(Rotation.objects.exclude(theme="").values_list("slug", "theme"))
    for entry in rotations:
        if entry["slug"] in themes:
            entry["theme"] = themes[entry["slug"]]
    config = {"sources": sources, "boards": boards, "rotations": rotations}
    levels = export_service_levels()
    if levels:  # (written only when there are settings: the defaults need none)
        config["service_levels"] = levels
    names = export_names()
    if names:  # (written only when the directory has entries)
        config["names"] = names
    channels, rules = export_channels(), export_rules()
    if channels:  # (written only when there are some, as the names)
        config["alert_channels"] = channels
    if rules:
        config["alert_rules"] = rules
    recorders = export_recorders()
    if recorders:  # (written only when there are some; never their tokens)
        config["recorders"] = recorders
    return config


def _keys(item: Any, allowed: set[str], where: str, required: tuple[str, ...] = ()) -> None:
    if not isinstance(item, dict):
        raise ConfigError(f"{where}: expected an object")
    unknown = sorted(set(item) - allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}")
    missing = [k for k in required if k not in item]
    if missing:
        raise ConfigError(f"{where}: missing {', '.join(missing)}")


def _clean(obj: Any, where: str, exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
        raise ConfigError(f"{where}: {details}") from exc


@transaction.atomic
def import_config(data: Any) -> dict[str, int]:
    top = {"sources", "boards", "rotations", "service_levels", "names"}
    _keys(data, top | {"alert_channels", "alert_rules", "recorders"}, "top level")
    counts = {"sources": 0, "boards": 0, "rotations": 0}
    for i, item in enumerate(data.get("sources", [])):
        where = f"sources[{i}]"
        _keys(item, SOURCE_KEYS, where, ("name", "vendor"))
        where = f"source '{item['name']}'"
        source = Source.objects.filter(name=item["name"]).first() or Source(name=item["name"])
        peers = item.get("allowed_peers", [])
        source.vendor = item["vendor"]
        source.layout = item.get("layout", "")
        source.listen = item.get("listen", "")
        source.connect = item.get("connect", "")
        source.allowed_peers = ", ".join(peers) if isinstance(peers, list) else str(peers)
        source.queue_range = item.get("queue_range", "")
        source.agent_range = item.get("agent_range", "")
        source.enabled = bool(item.get("enabled", True))
        source.options = item.get("options", {})
        source.compat_file = item.get("compat_file", "")
        source.display_name = item.get("display_name", "")
        source.tls = bool(item.get("tls", False))
        for key in TLS_KEYS[1:]:
            setattr(source, key, str(item.get(key, "")))
        if "refresh_seconds" in item:
            source.refresh_seconds = item["refresh_seconds"]
        elif source.vendor in _vendor_refresh():  # missing optional keys take defaults
            source.refresh_seconds = _vendor_refresh()[source.vendor]
        _clean(source, where)
        source.save()
        targets = []
        for j, t in enumerate(item.get("pass_through", [])):
            _keys(t, TARGET_KEYS, f"{where} pass_through[{j}]", ("host", "port"))
            target = PassThroughTarget(
                source=source, host=t["host"], port=t["port"], enabled=bool(t.get("enabled", True))
            )
            _clean(target, f"{where} pass_through[{j}]", exclude=["source"])
            targets.append(target)
        source.targets.all().delete()
        PassThroughTarget.objects.bulk_create(targets)
        counts["sources"] += 1
    for i, item in enumerate(data.get("boards", [])):
        _keys(item, BOARD_KEYS, f"boards[{i}]", ("title", "slug"))
        where = f"board '{item['slug']}'"
        board = Board.objects.filter(slug=item["slug"]).first() or Board(slug=item["slug"])
        board.title = item["title"]
        board.theme = item.get("theme", "dark")
        board.palette = item.get("palette", STANDARD_PALETTE)
        board.columns = item.get("columns", 3)
        board.alarm_sound = item.get("alarm_sound", "none")
        board.alarm_repeat_seconds = item.get("alarm_repeat_seconds", 30)
        _clean(board, where)
        board.save()
        board.tiles.all().delete()
        for j, t in enumerate(item.get("tiles", [])):
            _import_tile(board, t, f"{where} tiles[{j}]", j)
        counts["boards"] += 1
    for i, item in enumerate(data.get("rotations", [])):
        _keys(item, ROTATION_KEYS, f"rotations[{i}]", ("name", "slug"))
        rotation = Rotation.objects.filter(slug=item["slug"]).first() or Rotation(slug=item["slug"])
        rotation.name = item["name"]
        rotation.jump_to_alarm = bool(item.get("jump_to_alarm", False))
        rotation.theme = item.get("theme", "")
        _clean(rotation, f"rotation '{item['slug']}'")
        rotation.save()
        rotation.entries.all().delete()
        for j, e in enumerate(item.get("boards", [])):
            _keys(e, ENTRY_KEYS, f"rotation '{item['slug']}' boards[{j}]", ("board",))
            shown = Board.objects.filter(slug=e["board"]).first()
            if shown is None:
                raise ConfigError(f"rotation '{item['slug']}': no board '{e['board']}'")
            RotationEntry.objects.create(
                rotation=rotation, board=shown, seconds=e.get("seconds", 30), order=j
            )
        counts["rotations"] += 1
    if "service_levels" in data:
        counts["service_levels"] = import_service_levels(
            data["service_levels"], _keys, _clean, ConfigError
        )
    if "names" in data:
        counts["names"] = import_names(data["names"], ConfigError)
    if "alert_channels" in data:  # before the rules, which name them
        counts["alert_channels"] = import_channels(data["alert_channels"], _keys, ConfigError)
    if "alert_rules" in data:
        counts["alert_rules"] = import_rules(data["alert_rules"], _keys, _clean, ConfigError)
    if "recorders" in data:  # after the sources, which they name
        counts["recorders"], untokened = import_recorders(
            data["recorders"], _keys, _clean, ConfigError
        )
        if untokened:
            counts["recorders_without_token"] = len(untokened)
    return counts


def _import_tile(board: Board, t: Any, where: str, index: int) -> None:
    _keys(t, TILE_KEYS, where, ("kind",))
    source = None
    if t.get("source"):
        source = Source.objects.filter(name=t["source"]).first()
        if source is None:
            raise ConfigError(f"{where}: no source '{t['source']}'")
    tile = Tile(
        board=board,
        order=t.get("order", index),
        kind=t["kind"],
        title=t.get("title", ""),
        width=t.get("width", 1),
        height=t.get("height", 1),
        source=source,
        queue_kind=t.get("queue_kind", ""),
        queue_range=t.get("queue_range", ""),
        agent_range=t.get("agent_range", ""),
        kpis=_kpis(t.get("kpis", ""), where),
        compact=bool(t.get("compact", False)),
    )
    _clean(tile, where)
    tile.save()
    for k, th in enumerate(t.get("thresholds", [])):
        _keys(th, THRESHOLD_KEYS, f"{where} thresholds[{k}]", ("kpi",))
        threshold = Threshold(
            tile=tile,
            kpi=th["kpi"],
            direction=th.get("direction", "above"),
            warning=th.get("warning"),
            alarm=th.get("alarm"),
            clear=th.get("clear"),
            hold_seconds=th.get("hold_seconds", 0),
            sound=th.get("sound", ""),
            repeat_seconds=th.get("repeat_seconds"),
        )
        _clean(threshold, f"{where} thresholds[{k}]")
        threshold.save()


def _kpis(value: Any, where: str) -> str:
    """A tile's KPIs as the model holds them (comma separated), from the same text or from a
    JSON list of KPI names; exportconfig writes the text as stored, and both import."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(k, str) for k in value):
        return ", ".join(k.strip() for k in value)
    raise ConfigError(
        f"{where}: kpis: expected a list of KPI names or comma-separated text, got {value!r}"
    )


def _vendor_refresh() -> dict[str, int]:
    from integrations import VENDORS, integration

    return {key: integration(key).VENDOR.default_refresh_seconds for key in VENDORS}
