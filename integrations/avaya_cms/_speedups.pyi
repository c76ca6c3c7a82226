# The optional C speed-up of the Avaya agent report (_speedups.c; see agents.py). Both classes
# are final (no Py_TPFLAGS_BASETYPE); every argument is positional only.

from collections.abc import Callable
from typing import Any, final

from _typeshed import ReadableBuffer, WriteableBuffer

from integrations.base import AgentRow

MAX_WIDTH: int  # the most fields (the F1 tag included) a row RowParser takes may have

def time_code(text: str, /) -> int:
    """agents._time_code, on the text's UTF-8 bytes"""

@final
class Heads:
    """Heads(): the report's row heads by slot, with each one's last time in state (the
    pure-Python twin, and reference, is agents.PyHeads)"""

    def __init__(self) -> None: ...
    def __len__(self) -> int: ...
    def match(
        self, lines: list[str], start: int, seen: WriteableBuffer, step: int, /
    ) -> tuple[list[int], list[int]]:
        """match(lines, start, seen, step) -> (unmatched, slots)"""
    def scan(
        self,
        lines: list[str],
        buf: ReadableBuffer,
        end: int,
        seen: WriteableBuffer,
        step: int,
        max_line: int,
        /,
    ) -> tuple[list[int], list[int], int]:
        """scan(lines, buf, end, seen, step, max_line) -> (unmatched, slots, stop)"""
    def add(self, line: str, slot: int, /) -> bool: ...
    def remove(self, slot: int, /) -> None: ...
    def clear(self) -> None: ...
    def time(self, slot: int, /) -> int: ...

@final
class RowParser:
    """RowParser(width, at, extras, times, words, splits, ones, state, skills, one, row): the
    agent report's changed rows, parsed"""

    def __init__(
        self,
        width: int,
        at: tuple[int, ...],  # 7: LOGID, STATE, NAME, EXTN, SPLIT, AUXREASON, TIME_IN_STATE
        extras: tuple[tuple[int, str], ...],
        times: dict[str, int | None],
        words: dict[str, tuple[str, str]],
        splits: dict[str, tuple[str, ...]],
        # With one extra column: its value -> the extra dict its rows share.
        ones: dict[str | None, dict[str, Any]],
        state: Callable[[str], tuple[str, str]],
        skills: Callable[[str], tuple[str, ...]],
        one: Callable[[str | None], dict[str, Any]],
        # Called as AgentRow(logid, state, word, name, extn, reason, secs, skills, extra).
        row: Callable[
            [str, str, str, str, str, str, int | None, tuple[str, ...], dict[str, str | None]],
            AgentRow,
        ],
        /,
    ) -> None: ...
    def parse(
        self,
        lines: list[str],
        unmatched: list[int],
        slots: list[int],
        agents: dict[str, AgentRow],
        seen: WriteableBuffer,
        fresh: list[tuple[str, tuple[str, tuple[str, ...]]]],
        slow: Callable[[int], object],
        /,
    ) -> None:
        """parse(lines, unmatched, slots, agents, seen, fresh, slow) -> None"""

def changes(
    parsed: dict[str, AgentRow],
    seen: ReadableBuffer,
    none: int,
    slot_agent: list[str | None],
    agent_slots: dict[str, list[int]],
    current: dict[str, AgentRow],
    kept: Callable[[str, AgentRow | None, list[int]], AgentRow],
    /,
) -> tuple[list[AgentRow], set[str]]:
    """changes(parsed, seen, none, slot_agent, agent_slots, current, kept) -> (changed, departed)"""
