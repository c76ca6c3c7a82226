"""Alert rules and alert channels as configuration (exportconfig / importconfig).

A channel's credentials never leave the installation, as a source's do not: a signed webhook's
`secret` is never exported, nor the URL of a Teams or Slack incoming webhook (the URL is the
credential: whoever has it can post to the channel). On import a channel matched by name keeps
the credential it has; a new channel that needs one is created switched off (`enabled` false),
and the import names it, so that someone types the secret or URL into the admin and switches it
on. Alerts themselves (their history, deliveries, hold timers) are records, not configuration,
and are neither exported nor imported.

Rules match by name, channels by name; a rule names its source and its channels by name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError

from wallboard.models import AlertChannel, AlertRule, Source

CHANNEL_KEYS = {"name", "kind", "enabled", "recipients", "url"}
RULE_KEYS = {
    "name",
    "enabled",
    "kind",
    "severity",
    "source",
    "queue_kind",
    "queue_range",
    "kpi",
    "direction",
    "level",
    "hold_seconds",
    "open_days",
    "opens_at",
    "closes_at",
    "cooldown_seconds",
    "quiet_from",
    "quiet_until",
    "channels",
}
TIMES = ("opens_at", "closes_at", "quiet_from", "quiet_until")
# Optional rule settings and their defaults, as the model has them.
RULE_DEFAULTS: dict[str, Any] = {
    "enabled": True,
    "severity": "warning",
    "queue_kind": "",
    "queue_range": "",
    "kpi": "",
    "direction": AlertRule.ABOVE,
    "level": None,
    "hold_seconds": 60,
    "open_days": "",
    "cooldown_seconds": 900,
}

Keys = Callable[..., None]


def credential_field(kind: str) -> str | None:
    """The field of a channel of this kind that holds its credential (never exported)."""
    if kind == AlertChannel.WEBHOOK:
        return "secret"
    if kind in (AlertChannel.TEAMS, AlertChannel.SLACK):
        return "url"
    return None


def _time(value: dt.time | None) -> str | None:
    if value is None:
        return None
    return value.isoformat(timespec="seconds" if value.second else "minutes")


def export_channels() -> list[dict[str, Any]]:
    channels = []
    for c in AlertChannel.objects.all():
        item: dict[str, Any] = {"name": c.name, "kind": c.kind, "enabled": c.enabled}
        if c.kind == AlertChannel.EMAIL:
            item["recipients"] = c.addresses()
        elif credential_field(c.kind) != "url":
            item["url"] = c.url
        channels.append(item)
    return channels


def export_rules() -> list[dict[str, Any]]:
    rules = []
    for r in AlertRule.objects.select_related("source").prefetch_related("channels"):
        item: dict[str, Any] = {
            "name": r.name,
            "kind": r.kind,
            "source": r.source.name if r.source else None,
            "channels": [c.name for c in r.channels.all()],
        }
        item.update({key: getattr(r, key) for key in RULE_DEFAULTS})
        item.update({key: _time(getattr(r, key)) for key in TIMES})
        rules.append(item)
    return rules


def without_credentials() -> list[str]:
    """The channels that cannot send until someone types their secret or URL into the admin."""
    return [
        c.name
        for c in AlertChannel.objects.all()
        if (field := credential_field(c.kind)) is not None and not getattr(c, field)
    ]


def import_channels(items: Any, keys: Keys, error: type[ValueError]) -> int:
    if not isinstance(items, list):
        raise error("alert_channels: expected a list")
    for i, item in enumerate(items):
        keys(item, CHANNEL_KEYS, f"alert_channels[{i}]", ("name", "kind"))
        where = f"alert channel '{item['name']}'"
        channel = AlertChannel.objects.filter(name=item["name"]).first()
        channel = channel or AlertChannel(name=item["name"])
        kept = credential_field(str(item["kind"]))
        if kept and kept in item:
            raise error(f"{where}: {kept}: a credential is never imported; type it in the admin")
        channel.kind = item["kind"]
        channel.enabled = bool(item.get("enabled", True))
        recipients = item.get("recipients", [])
        if not isinstance(recipients, list | str):
            raise error(f"{where}: recipients: expected a list of addresses")
        channel.recipients = "\n".join(recipients) if isinstance(recipients, list) else recipients
        if kept != "url":
            channel.url = str(item.get("url", ""))
        missing = kept is not None and not getattr(channel, kept)
        if missing:  # nothing can be sent until someone types it in: off until then
            channel.enabled = False
        _clean_channel(channel, where, {kept} if missing and kept else set(), error)
        channel.save()
    return len(items)


def _clean_channel(
    channel: AlertChannel, where: str, withheld: set[str], error: type[ValueError]
) -> None:
    try:
        channel.full_clean()
    except ValidationError as exc:
        problems = {k: v for k, v in exc.message_dict.items() if k not in withheld}
        if problems:
            details = "; ".join(f"{k}: {' '.join(v)}" for k, v in problems.items())
            raise error(f"{where}: {details}") from exc


def import_rules(
    items: Any, keys: Keys, clean: Callable[[Any, str], None], error: type[ValueError]
) -> int:
    if not isinstance(items, list):
        raise error("alert_rules: expected a list")
    for i, item in enumerate(items):
        keys(item, RULE_KEYS, f"alert_rules[{i}]", ("name", "kind"))
        where = f"alert rule '{item['name']}'"
        rule = AlertRule.objects.filter(name=item["name"]).first() or AlertRule(name=item["name"])
        rule.kind = item["kind"]
        for key, default in RULE_DEFAULTS.items():
            value = item.get(key, default)
            setattr(rule, key, default if value is None and default is not None else value)
        for key in TIMES:
            setattr(rule, key, item.get(key))
        rule.source = None
        if item.get("source"):
            rule.source = Source.objects.filter(name=item["source"]).first()
            if rule.source is None:
                raise error(f"{where}: no source '{item['source']}'")
        names = item.get("channels", [])
        if not isinstance(names, list):
            raise error(f"{where}: channels: expected a list of channel names")
        channels = list(AlertChannel.objects.filter(name__in=names))
        unknown = sorted(set(names) - {c.name for c in channels})
        if unknown:
            raise error(f"{where}: no alert channel {', '.join(repr(n) for n in unknown)}")
        clean(rule, where)
        rule.save()
        rule.channels.set(channels)
    return len(items)
