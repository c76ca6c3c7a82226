"""Framing of one RTS session: LF-ended `|`-separated records, `F3` closes a report run.

CMS writes the whole report each run, so a batch is a snapshot, committed when its F3 arrives.
One read may hold half a line or several runs; only the unfinished tail is carried over.

A run some of whose lines could not be read (a row that does not parse, an overlong line, text
that is no RTS record) is handed on as incomplete (`Batch.unread`): ingest then marks nothing
gone for being absent from it. What one run may hold is bounded, in rows and in bytes.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator

from integrations.base import Batch, ChangedRows, excerpt

MAX_LINE = 4096  # longer lines are counted as errors and skipped, so memory stays bounded
# 30,000 agents in a few splits each stay far below these; a stream that never sends F3 doesn't.
MAX_BATCH_ROWS = 500_000
MAX_RUN_BYTES = 64 * 1024 * 1024  # the text of one run's rows (500,000 rows of 4 KiB: 2 GB)

ParseRows = Callable[[list[str], Callable[[str, str], None]], Batch]


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Per line, so one stray byte doesn't change how the rest of the read is decoded.
        lines = []
        for raw in data.split(b"\n"):
            try:
                lines.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                lines.append(raw.decode("latin-1"))
        return "\n".join(lines)


class RtsDecoder(ChangedRows):
    def __init__(
        self,
        parse_rows: ParseRows,
        forget: Callable[[], None] | None = None,
        idle: Callable[[], Iterator[None]] | None = None,
        early: Callable[[list[str], Callable[[str, str], None]], None] | None = None,
        scan: Callable[[list[str], bytes, int], int] | None = None,
    ) -> None:
        super().__init__()
        self._parse_rows = parse_rows
        # Given the rows of a run still arriving (the list that goes to parse_rows at its F3,
        # grown since the last call), so a report can work on them before the last byte.
        self._early = early
        # Given the run's rows so far, a read and the index of its last line feed: takes the
        # F1 rows it starts with itself (onto the rows) and returns where the rest starts.
        self._scan = scan
        self._forget = forget
        self._idle = idle
        self._tail = b""
        self._skipping = False  # inside an overlong line: drop bytes until its LF
        self._rows: list[str] = []
        self._bytes = 0  # the text of the run's rows so far
        self._overfull = False  # the run went over a bound: its rows are dropped up to its F3
        self._unread = 0  # lines of the run arriving that could not be read
        self._first_unread = ""

    def feed(self, data: bytes) -> list[Batch]:
        if self._skipping:
            nl = data.find(b"\n")
            if nl < 0:
                return []
            data = data[nl + 1 :]
            self._skipping = False
        buf = self._tail + data if self._tail else data
        end = buf.rfind(b"\n")
        tail = buf[end + 1 :]
        if len(tail) > MAX_LINE:
            self.error(f"line longer than {MAX_LINE} bytes", tail)
            tail, self._skipping = b"", True
        self._tail = tail
        if end < 0:
            return []
        batches: list[Batch] = []
        start = 0
        if self._scan is not None and not self._overfull:
            start = self._scan(self._rows, buf, end)
            self._bytes += start  # the F1 rows it took
        if start <= end:
            self._read(buf[start:end] if start else buf[:end], batches)
        if self._overfull or self._bytes > MAX_RUN_BYTES or len(self._rows) > MAX_BATCH_ROWS:
            self._overflow()
        elif self._early is not None and self._rows and not batches:
            # Not in the read that closed a run: its publish must not wait for the next one.
            self._early(self._rows, self.error)
        return batches

    def error(self, reason: str, data: bytes | str) -> None:
        super().error(reason, data)
        self._unread += 1
        if self._unread == 1:
            self._first_unread = f"{reason}: {excerpt(data)}"

    def _overflow(self) -> None:
        """The run arriving is over a bound: one error, and its rows are let go of, now and
        up to its F3 (the report is told its rows are none: it lets go of what it built)."""
        if not self._overfull:
            self._overfull = True
            first = self._rows[0] if self._rows else ""
            self.error(
                f"report run over {MAX_RUN_BYTES} bytes or {MAX_BATCH_ROWS} rows"
                " (no F3 ends it): dropped",
                first,
            )
            if self._early is not None:
                self._rows.clear()
                self._early(self._rows, self.error)
        self._rows.clear()
        self._bytes = 0

    def _read(self, data: bytes, batches: list[Batch]) -> None:
        """Whole lines (without the last one's line feed)."""
        text = _decode(data)
        lines = text.split("\n")
        # The usual read: data rows only, perhaps ending with the run's F3. Checked in bulk.
        last = lines[-1]
        closes = last[:2] == "F3" and (len(last) == 2 or last[2] in "|\r")
        body = lines[:-1] if closes else lines
        if text.count("\nF1|") + (text[:3] == "F1|") == len(body) and (
            not body or max(map(len, body)) <= MAX_LINE
        ):
            self._rows += body
            self._bytes += len(text)
            if closes:
                self._close(batches)
        else:
            self._lines(lines, batches)

    def forget(self) -> None:
        if self._forget is not None:
            self._forget()

    def idle(self) -> None:
        """All of idle_steps() at once (tests and benchmarks)."""
        deque(self.idle_steps(), maxlen=0)

    def idle_steps(self) -> Iterator[None]:
        return self._idle() if self._idle is not None else iter(())

    def _lines(self, lines: list[str], batches: list[Batch]) -> None:
        rows = self._rows
        for line in lines:
            if line[:3] == "F1|":
                if len(line) <= MAX_LINE:
                    rows.append(line)
                    self._bytes += len(line)
                else:
                    self.error(f"line longer than {MAX_LINE} bytes", line)
            elif line[:2] == "F3" and (len(line) == 2 or line[2] in "|\r"):
                self._close(batches)
                rows = self._rows
            else:
                tag = line.split("|", 1)[0].strip()
                if tag == "F1":  # a padded tag
                    if len(line) <= MAX_LINE:
                        rows.append(line)
                        self._bytes += len(line)
                    else:
                        self.error(f"line longer than {MAX_LINE} bytes", line)
                elif tag == "F3":
                    self._close(batches)
                    rows = self._rows
                elif not tag:
                    if line.strip():
                        self.error("record without a tag", line)
                elif not (tag[0] == "F" and tag[1:].isdigit()):
                    self.error("not an RTS record", line)
                # else: F0 header or another tag this decoder has no use for

    def _close(self, batches: list[Batch]) -> None:
        if not self._overfull and (len(self._rows) > MAX_BATCH_ROWS or self._bytes > MAX_RUN_BYTES):
            self._overflow()  # came whole in one read
        rows, self._rows, self._bytes = self._rows, [], 0
        if self._overfull:
            rows.clear()
            self._overfull, self._unread, self._first_unread = False, 0, ""
            return
        batch = self._parse_rows(rows, self.error)
        batch.snapshot = True
        if self._unread:
            batch.unread, batch.unread_excerpt = self._unread, self._first_unread
            self._unread, self._first_unread = 0, ""
        batches.append(batch)
