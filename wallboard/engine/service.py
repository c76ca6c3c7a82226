"""Service-level settings: each queue's target and formula, as the site sets them.

A queue's service level is the share of its calls answered within the target, over one of
three denominators (`FORMULAS`):
- `answered`: answered within target / answered;
- `offered`: answered within target / offered (the default);
- `offered_less_short`: answered within target / (offered - short abandons), a short abandon
  being a call abandoned within `short_abandon_seconds` (where the feed counts them; no
  counter feed does yet, so the denominator is then the offered calls, marked derived).

Settings are looked up most specific first: the queue's own (source, kind, number), the same
number for every source, the source's default (per queue kind, then any kind), the default for
every source (per queue kind, then any kind), then `DEFAULT`. The within-target count is the
feed's own (the phone system counts it against its own threshold): the target here should
match it, and the caption names the feed's threshold where the feed sends one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

ANSWERED: Final = "answered"
OFFERED: Final = "offered"
OFFERED_LESS_SHORT: Final = "offered_less_short"
FORMULAS: Final[Mapping[str, str]] = {
    ANSWERED: "answered within target / answered",
    OFFERED: "answered within target / offered",
    OFFERED_LESS_SHORT: "answered within target / (offered - short abandons)",
}
# Shown beside a figure: what its denominator is.
_SHORT: Final[Mapping[str, str]] = {
    ANSWERED: "of answered",
    OFFERED: "of offered",
    OFFERED_LESS_SHORT: "of offered less abandons < {short} s",
}

RuleKey = tuple[int | None, str, str]  # (source id or None for all, queue kind or "", number or "")


@dataclass(frozen=True, slots=True)
class ServiceLevel:
    """One queue's service-level setting."""

    target_seconds: int = 20
    formula: str = OFFERED
    short_abandon_seconds: int = 5
    # The service level % the queue aims for: the target line on the history chart.
    target_pct: int = 80

    def caption(self, feed_target: object = None) -> str:
        """How a tile names it: "≤ 20 s of offered". A feed that sends its own threshold (the
        within-target count is its) is named by that."""
        target = feed_target if isinstance(feed_target, int) and feed_target > 0 else None
        words = _SHORT.get(self.formula, _SHORT[OFFERED]).format(short=self.short_abandon_seconds)
        return f"≤ {target if target is not None else self.target_seconds} s {words}"

    def pct(
        self,
        in_sl: float | None,
        answered: float | None,
        offered: float | None,
        short_abandoned: float | None = None,
    ) -> float | None:
        """The service level %, one decimal; None when a figure it needs is unknown or zero."""
        if in_sl is None:
            return None
        base = self.denominator(answered, offered, short_abandoned)
        if not base or base <= 0:
            return None
        return round(min(100.0, 100.0 * in_sl / base), 1)

    def denominator(
        self, answered: float | None, offered: float | None, short_abandoned: float | None = None
    ) -> float | None:
        """What the within-target count is divided by, by the formula."""
        if self.formula == ANSWERED:
            return answered
        if self.formula == OFFERED_LESS_SHORT and offered is not None:
            return offered - (short_abandoned or 0)
        return offered


DEFAULT: Final = ServiceLevel()


@dataclass(frozen=True, slots=True)
class ServiceLevels:
    """The site's settings, looked up per queue (see the module's docstring)."""

    rules: Mapping[RuleKey, ServiceLevel] = field(default_factory=dict)

    @classmethod
    def of_rules(cls, rules: Iterable[tuple[RuleKey, ServiceLevel]]) -> ServiceLevels:
        return cls(dict(rules))

    def of(self, source_id: int | None, kind: str, number: str) -> ServiceLevel:
        rules = self.rules
        if not rules:
            return DEFAULT
        for key in (
            (source_id, kind, number),
            (source_id, "", number),
            (None, kind, number),
            (None, "", number),
            (source_id, kind, ""),
            (source_id, "", ""),
            (None, kind, ""),
            (None, "", ""),
        ):
            found = rules.get(key)
            if found is not None:
                return found
        return DEFAULT

    def fingerprint(self) -> str:
        """Changes when a setting does (a board showing service levels is then rebuilt)."""
        if not self.rules:
            return ""
        items = sorted(
            (str(k), (v.target_seconds, v.formula, v.short_abandon_seconds))
            for k, v in self.rules.items()
        )
        return hashlib.sha1(json.dumps(items).encode()).hexdigest()[:12]
