# The optional C speed-up of the Avaya agent report (_speedups.c; see agents.py). Both classes
# are final (no Py_TPFLAGS_BASETYPE); every argument but Lookup's `mapping` is positional only.

from collections.abc import Callable
from typing import final

from _typeshed import ReadableBuffer, WriteableBuffer

from integrations.base import AgentRow

MAX_WIDTH: int  # the most fields (the F1 tag included) a row RowParser takes may have

@final
class Lookup:
    """Lookup(mapping): str keys (as UTF-8) to int values, for Lookup.scan"""

    def __init__(self, mapping: dict[str, int]) -> None: ...
    def __len__(self) -> int: ...
    def scan(
        self,
        buf: ReadableBuffer,
        end: int,
        none: int,
        near: Lookup | None,
        seen: WriteableBuffer,
        max_line: int,
        /,
    ) -> tuple[list[str], bytes, list[int], int]:
        """scan(buf, end, none, near, seen, max_line) -> (lines, found, unmatched, stop)

        found: a native int (array("i")) per line, as bytes."""

@final
class RowParser:
    """RowParser(width, at, extras, times, words, splits, state, skills, row): the agent
    report's changed rows, parsed"""

    def __init__(
        self,
        width: int,
        at: tuple[int, ...],  # 7: LOGID, STATE, NAME, EXTN, SPLIT, AUXREASON, TIME_IN_STATE
        extras: tuple[tuple[int, str], ...],
        times: dict[str, int | None],
        words: dict[str, tuple[str, str]],
        splits: dict[str, tuple[str, ...]],
        state: Callable[[str], tuple[str, str]],
        skills: Callable[[str], tuple[str, ...]],
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
        agents: dict[str, AgentRow],
        slot_of: dict[str, int],
        seen: WriteableBuffer,
        fresh: list[tuple[str, tuple[str, tuple[str, ...]]]],
        slow: Callable[[int], object],
        /,
    ) -> None:
        """parse(lines, unmatched, agents, slot_of, seen, fresh, slow) -> None"""

def changes(
    parsed: dict[str, AgentRow],
    seen: ReadableBuffer,
    none: int,
    slot_agent: list[str],
    agent_slots: dict[str, list[int]],
    current: dict[str, AgentRow],
    kept: Callable[[str, AgentRow | None, list[int]], AgentRow],
    /,
) -> tuple[list[AgentRow], set[str]]:
    """changes(parsed, seen, none, slot_agent, agent_slots, current, kept) -> (changed, departed)"""
