"""Names: the site's directory of display names, as the engine and the web side resolve them.

An entry names a queue (kind and number), an agent (AGENT, its ID) or a not-ready/AUX reason
code (REASON) of one source, or of every source (source id None); a source's own entry wins
over one for every source. A feed's own name wins over an entry unless the entry overrides it
(a reason code has no feed name). Resolving is a dict look-up or two; an empty directory
returns the feed's name at once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

AGENT: Final = "agent"
REASON: Final = "reason"


@dataclass(frozen=True, slots=True)
class NameEntry:
    source_id: int | None  # None: every source
    kind: str  # a queue kind, AGENT or REASON
    number: str  # queue number, agent ID or reason code
    name: str
    override: bool = False  # wins over the feed's own name


class Names:
    """The directory, read once per reload of the boards; immutable once made."""

    __slots__ = ("_map", "digest", "sources")

    def __init__(
        self, entries: Iterable[NameEntry] = (), sources: Mapping[int, str] | None = None
    ) -> None:
        self._map: dict[tuple[int | None, str, str], tuple[str, bool]] = {
            (e.source_id, e.kind, e.number): (e.name, e.override) for e in entries if e.name
        }
        self.sources: dict[int, str] = dict(sources or {})  # source id -> its shown name
        # What the entries are (boards are rebuilt when it changes); "" for no entries.
        # (with the sources' names, which tell one name from two feeds apart)
        self.digest = (
            hashlib.sha1(
                json.dumps(
                    [
                        sorted((repr(k), v) for k, v in self._map.items()),
                        sorted(self.sources.items()),
                    ]
                ).encode()
            ).hexdigest()
            if self._map
            else ""
        )

    def __bool__(self) -> bool:
        return bool(self._map)

    def __len__(self) -> int:
        return len(self._map)

    def _find(self, source_id: int | None, kind: str, number: str) -> tuple[str, bool] | None:
        found = self._map.get((source_id, kind, number))
        if found is None and source_id is not None:
            found = self._map.get((None, kind, number))
        return found

    def _resolve(self, source_id: int | None, kind: str, number: str, feed: str) -> str:
        if not self._map:
            return feed
        found = self._find(source_id, kind, number)
        if found is None or (feed and not found[1]):
            return feed
        return found[0]

    def queue(self, source_id: int | None, kind: str, number: str, feed: str = "") -> str:
        """A queue's name: the feed's (`feed`) or the directory's, "" when neither has one."""
        return self._resolve(source_id, kind, number, feed)

    def agent(self, source_id: int | None, agent_id: str, feed: str = "") -> str:
        return self._resolve(source_id, AGENT, agent_id, feed)

    def reason(self, source_id: int | None, code: str) -> str:
        """A reason code's name, "" when the directory has none (or there is no code)."""
        if not code or not self._map:
            return ""
        found = self._find(source_id, REASON, code)
        return found[0] if found is not None else ""

    def source(self, source_id: int) -> str:
        return self.sources.get(source_id, f"source {source_id}")

    def told_apart(self, rows: Iterable[tuple[int, str, str, str]]) -> list[str]:
        """Names for rows (source id, kind, number, name) shown together: a name two of them
        share gets its source's name added when they come from different sources, else its
        kind and number ("Sales (pbx-1)", "Sales (vdn 5)"); a blank name stays blank."""
        items = list(rows)
        sources: dict[str, set[int]] = {}
        count: dict[str, int] = {}
        for source_id, _kind, _number, name in items:
            if name:
                sources.setdefault(name, set()).add(source_id)
                count[name] = count.get(name, 0) + 1
        return [
            name
            if not name or count[name] == 1
            else f"{name} ({self.source(source_id)})"
            if len(sources[name]) > 1
            else f"{name} ({kind} {number})"
            for source_id, kind, number, name in items
        ]


NO_NAMES: Final = Names()
