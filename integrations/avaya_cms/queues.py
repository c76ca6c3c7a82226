"""Queue reports: tvi1 (split/skill) and CVDN (VDN) rows to neutral QueueRows.

Column positions follow the protocol note (docs/protocols/avaya-cms-rts.md); index 0 is the
`F1` tag. A report object lives as long as its connection: the same padded texts (`  0`,
` 1:42`) come back run after run, so each is parsed once per column kind and then looked up.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter

from integrations.base import Batch, Figure, QueueRow

from .values import count, percent, seconds

ErrorSink = Callable[[str, str], None]

TVI1_FIELDS = 24  # F1 + 23 columns; a trailing `|` or extra columns after them are tolerated
CVDN_FIELDS = 11
_CACHE_LIMIT = 50_000

# tvi1: waiting, available, abandoned, ACD, answered, ringing, on ACD, ACW, other, AUX,
# staffed, direct-agent waiting, service-level seconds, offered.
_TVI1_COUNTS = itemgetter(2, 3, 5, 6, 8, 11, 12, 13, 14, 15, 16, 20, 22, 23)
# tvi1: ASA, oldest call, average talk, average abandon, EWT high / medium / low.
_TVI1_TIMES = itemgetter(4, 7, 9, 10, 17, 18, 19)
# CVDN: in progress at agent, abandoned, answered, active calls / oldest, ASA, average abandon,
# average talk.
_CVDN_COUNTS = itemgetter(3, 6, 8, 10)
_CVDN_TIMES = itemgetter(4, 5, 7, 9)


class _Values:
    """Parsed-value caches, one per column kind, so a time text in a count column still fails."""

    def __init__(self) -> None:
        self.counts: dict[str, Figure] = {}
        self.times: dict[str, Figure] = {}
        self.numbers: dict[str, str] = {}

    def _count(self, text: str) -> Figure:
        value = count(text)
        if len(self.counts) < _CACHE_LIMIT:
            self.counts[text] = value
        return value

    def _time(self, text: str) -> Figure:
        value = seconds(text)
        if len(self.times) < _CACHE_LIMIT:
            self.times[text] = value
        return value

    def figures(
        self, counts: tuple[str, ...], times: tuple[str, ...]
    ) -> tuple[tuple[Figure, ...], tuple[Figure, ...]]:
        """Counts and times parsed; ValueError if one does not parse."""
        try:
            return tuple(map(self.counts.__getitem__, counts)), tuple(
                map(self.times.__getitem__, times)
            )
        except KeyError:  # a text not seen before on this connection
            return tuple(map(self._count, counts)), tuple(map(self._time, times))

    def number(self, text: str, what: str) -> str:
        number = self.numbers.get(text)
        if number is None:
            digits = text.strip()
            if not digits.isdigit():
                raise ValueError(f"{what} {digits!r} is not a number")
            number = str(int(digits))
            if len(self.numbers) < _CACHE_LIMIT:
                self.numbers[text] = number
        return number


class Tvi1Report:
    def __init__(self) -> None:
        self._values = _Values()

    def _skill(self, f: list[str]) -> QueueRow:
        number = self._values.number(f[1], "split")
        counts, times = self._values.figures(_TVI1_COUNTS(f), _TVI1_TIMES(f))
        waiting, available, abandoned, acd, answered, ringing, on_call = counts[:7]
        wrap_up, other, aux, staffed, direct_agent, sl_seconds, offered = counts[7:]
        asa, oldest, avg_talk, avg_abandon, ewt_high, ewt_medium, ewt_low = times
        return QueueRow(
            kind="skill",
            number=number,
            calls_waiting=waiting,
            agents_available=available,
            asa_seconds=asa,
            abandoned=abandoned,
            oldest_wait_seconds=oldest,
            answered=answered,
            agents_ringing=ringing,
            agents_on_call=on_call,
            agents_wrap_up=wrap_up,
            agents_other=other,
            agents_not_ready=aux,
            agents_staffed=staffed,
            service_level_pct=percent(f[21]),
            offered=offered,
            counters="interval",
            extra={
                "acd": acd,
                "avg_talk_seconds": avg_talk,
                "avg_abandon_seconds": avg_abandon,
                "ewt_high_seconds": ewt_high,
                "ewt_medium_seconds": ewt_medium,
                "ewt_low_seconds": ewt_low,
                "direct_agent_waiting": direct_agent,
                "service_level_seconds": sl_seconds,
            },
        )

    def parse(self, lines: list[str], error: ErrorSink) -> Batch:
        queues: list[QueueRow] = []
        for line in lines:
            f = line.split("|")
            if len(f) < TVI1_FIELDS:
                error(f"tvi1 row has {len(f)} fields, expected {TVI1_FIELDS}", line)
                continue
            try:
                queues.append(self._skill(f))
            except ValueError as exc:
                error(f"tvi1 row: {exc}", line)
        return Batch(queues=queues, snapshot=True, records=len(queues))


def _vdn_fields(f: list[str]) -> list[str]:
    """Fit a row with too many fields: a trailing `|`, or `|` typed inside the VDN name."""
    if len(f) > CVDN_FIELDS and not f[-1].strip():
        f = f[:-1]
    extra = len(f) - CVDN_FIELDS
    if extra > 0:
        f = [f[0], f[1], "|".join(f[2 : 3 + extra]), *f[3 + extra :]]
    return f


class CvdnReport:
    def __init__(self) -> None:
        self._values = _Values()

    def _vdn(self, f: list[str]) -> QueueRow:
        number = self._values.number(f[1], "VDN")
        (waiting, abandoned, answered, active), (oldest, asa, avg_abandon, avg_talk) = (
            self._values.figures(_CVDN_COUNTS(f), _CVDN_TIMES(f))
        )
        return QueueRow(
            kind="vdn",
            number=number,
            name=f[2].strip(),
            calls_waiting=waiting,
            oldest_wait_seconds=oldest,
            asa_seconds=asa,
            abandoned=abandoned,
            answered=answered,
            counters="interval",
            extra={
                "avg_abandon_seconds": avg_abandon,
                "avg_talk_seconds": avg_talk,
                "active_calls": active,
            },
        )

    def parse(self, lines: list[str], error: ErrorSink) -> Batch:
        queues: list[QueueRow] = []
        for line in lines:
            f = line.split("|")
            if len(f) != CVDN_FIELDS:
                f = _vdn_fields(f)
                if len(f) < CVDN_FIELDS:
                    error(f"CVDN row has {len(f)} fields, expected {CVDN_FIELDS}", line)
                    continue
            try:
                queues.append(self._vdn(f))
            except ValueError as exc:
                error(f"CVDN row: {exc}", line)
        return Batch(queues=queues, snapshot=True, records=len(queues))
