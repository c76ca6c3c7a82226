"""A CSTA source's options: what to monitor and how (integrations/csta/README.md).

Integrations cannot use the web side's range parser, so device ranges are expanded here, with
a hard cap: every listed device is one monitor (and one licence) on the AES.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final

from integrations.csta.messages import PROTOCOL_PRIV7

MAX_MONITORS: Final = 2000
AGENT_STATE_MODES: Final = ("events", "poll", "auto")
MIN_POLL_SECONDS: Final = 1.0
MAX_POLL_SECONDS: Final = 300.0
MAX_EXTENSION: Final = 16

DEFAULTS: Final[dict[str, Any]] = {
    "switch_name": "",
    "switch_ip": "",
    "username": "",
    "stations": "",
    "agents": "",
    "splits": "",
    "vdns": "",
    "agent_states": "auto",
    "poll_seconds": 5,
    "protocol_version": PROTOCOL_PRIV7,
}
SECRETS: Final = ("password",)
_TEXT: Final = ("switch_name", "switch_ip", "username", "protocol_version", "password")


class RangeError(ValueError):
    pass


def expand(text: str, limit: int = MAX_MONITORS) -> list[str]:
    """'1000-1099, 2000' as extensions in order, each once; RangeError past `limit` or for
    anything but digits and dashes."""
    out: dict[str, None] = {}
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        low, dash, high = (p.strip() for p in part.partition("-"))
        if not low.isdecimal() or (dash and not high.isdecimal()) or len(low) > MAX_EXTENSION:
            raise RangeError(f"{part!r} is not an extension or a range of them")
        first, last = int(low), int(high or low)
        if last < first:
            raise RangeError(f"{part!r} runs backwards")
        if last - first + 1 + len(out) > limit:
            raise RangeError(f"more than {limit} devices")
        width = len(low) if low.startswith("0") else 0
        for number in range(first, last + 1):
            out[str(number).zfill(width)] = None
    return list(out)


def agent_seats(text: str, limit: int = MAX_MONITORS) -> dict[str, str]:
    """'3101-3120@5001-5020, 3150@5090': EAS agent IDs and the stations they sit at (equal
    length ranges pair in order). RangeError for anything else."""
    seats: dict[str, str] = {}
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        agents, at, stations = part.partition("@")
        if not at:
            raise RangeError(f"{part!r} has no @station: write agent@station, e.g. 3101@5001")
        ids, places = expand(agents, limit), expand(stations, limit)
        if len(ids) != len(places):
            raise RangeError(f"{part!r} pairs {len(ids)} agents with {len(places)} stations")
        seats.update(zip(ids, places, strict=True))
        if len(seats) > limit:
            raise RangeError(f"more than {limit} agents")
    return seats


@dataclass(frozen=True, slots=True)
class Settings:
    switch_name: str
    switch_ip: str
    username: str
    password: str
    stations: tuple[str, ...]
    seats: dict[str, str]  # agent ID -> station
    splits: tuple[str, ...]
    vdns: tuple[str, ...]
    agent_states: str
    poll_seconds: float
    protocol_version: str

    def __repr__(self) -> str:  # the password never reaches a log through a repr
        return f"Settings(switch_name={self.switch_name!r}, username={self.username!r}, ...)"


def problems(options: Any) -> list[str]:
    """What is wrong with a source's options (validate_options), never quoting a secret."""
    if not isinstance(options, dict):
        return ["Options must be a JSON object."]
    found: list[str] = []
    for key in options:
        if key not in DEFAULTS and key not in SECRETS:
            found.append(f"Unknown option {key!r}: known options are {', '.join(DEFAULTS)}.")
    merged = {**DEFAULTS, **options}
    for key in _TEXT:
        if key in merged and not isinstance(merged[key], str):
            found.append(f"{key} must be text.")
    if isinstance(merged["switch_name"], str) and not merged["switch_name"].strip():
        found.append("switch_name is required: the switch connection name set up on the AES.")
    monitors = 0
    for key in ("stations", "splits", "vdns"):
        value = merged[key]
        if not isinstance(value, str):
            found.append(f"{key} must be range text such as '1000-1099, 2000'.")
            continue
        try:
            monitors += len(expand(value))
        except RangeError as exc:
            found.append(f"{key}: {exc} (at most {MAX_MONITORS} monitors in all).")
    if not isinstance(merged["agents"], str):
        found.append("agents must be text such as '3101-3120@5001-5020'.")
    else:
        try:
            seated = agent_seats(merged["agents"])
            listed = (
                set(expand(merged["stations"])) if isinstance(merged["stations"], str) else set()
            )
            monitors += len(set(seated.values()) - listed)
        except RangeError as exc:
            found.append(f"agents: {exc}.")
    if monitors > MAX_MONITORS:
        found.append(f"{monitors} devices to monitor: at most {MAX_MONITORS} in all.")
    if merged["agent_states"] not in AGENT_STATE_MODES:
        found.append(f"agent_states must be one of {', '.join(AGENT_STATE_MODES)}.")
    poll = merged["poll_seconds"]
    if (
        isinstance(poll, bool)
        or not isinstance(poll, int | float)
        or not math.isfinite(poll)
        or not MIN_POLL_SECONDS <= poll <= MAX_POLL_SECONDS
    ):
        found.append(
            f"poll_seconds must be between {MIN_POLL_SECONDS:g} and {MAX_POLL_SECONDS:g} s."
        )
    return found


def settings(options: dict[str, Any]) -> Settings:
    """Checked options as Settings; ValueError (without any secret) when problems() has some."""
    found = problems(options)
    if found:
        raise ValueError(" ".join(found))
    merged = {**DEFAULTS, "password": "", **options}
    seats = agent_seats(merged["agents"])
    stations = expand(merged["stations"])
    listed = set(stations)
    stations += [s for s in dict.fromkeys(seats.values()) if s not in listed]
    return Settings(
        switch_name=merged["switch_name"].strip(),
        switch_ip=merged["switch_ip"].strip(),
        username=merged["username"],
        password=merged["password"],
        stations=tuple(stations),
        seats=seats,
        splits=tuple(expand(merged["splits"])),
        vdns=tuple(expand(merged["vdns"])),
        agent_states=merged["agent_states"],
        poll_seconds=float(merged["poll_seconds"]),
        protocol_version=merged["protocol_version"],
    )
