"""Wire values of the CMS real-time socket: counts, times and percentages as padded text.

Blank means "not applicable" (None, never 0); a field of asterisks is a value too wide for its
field (OVERFLOW). Anything else that does not parse raises ValueError, so the caller can count
the row as bad and skip it.
"""

from __future__ import annotations

from integrations.base import OVERFLOW, Figure


def _stars(t: str) -> str:
    if t.count("*") == len(t):
        return OVERFLOW
    raise ValueError(f"bad value {t!r}")


def count(text: str) -> Figure:
    t = text.strip()
    if not t:
        return None
    if t[0] == "*":
        return _stars(t)
    return int(t)


def seconds(text: str) -> Figure:
    """`m:ss`, `mm:ss` or `h:mm:ss` (minutes blank when zero: `  :18`) as integer seconds.

    A bare number is taken as seconds, for reports whose time columns were set up that way.
    """
    t = text.strip()
    if not t:
        return None
    if t[0] == "*":
        return _stars(t)
    rest, colon, secs = t.rpartition(":")
    if not colon:
        return int(t)
    if len(secs) != 2:
        raise ValueError(f"bad time {t!r}")
    total = int(secs)
    if rest:
        hours, colon, minutes = rest.rpartition(":")
        total += int(minutes) * 60
        if colon:
            total += int(hours) * 3600 if hours else 0
    return total


def time_text(secs: int) -> str:
    """Seconds as CMS writes a time: `:18`, `1:42`, `1:02:03` (minutes blank when zero); what
    seconds() reads back."""
    if secs < 60:
        return f":{secs:02d}"
    if secs < 3600:
        return f"{secs // 60}:{secs % 60:02d}"
    return f"{secs // 3600}:{secs % 3600 // 60:02d}:{secs % 60:02d}"


def percent(text: str) -> Figure:
    t = text.strip()
    if not t:
        return None
    if t[0] == "*":
        return _stars(t)
    if "." in t:
        value = float(t)
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"bad percentage {t!r}")
        return value
    return int(t)
