"""ID ranges such as ``1-99, 200-299, 310`` (blank = everything), parsed once, checked fast.

Numeric IDs are checked against sorted spans; IDs that are not numbers (an Optimus queue code
such as ``SALES``) match only a literal entry. Results are memoised per ID, so the hot path
is one dict lookup per record.
"""

from __future__ import annotations

from bisect import bisect_right


class RangeError(ValueError):
    pass


def _digits(text: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts '²', which int() refuses."""
    return text.isascii() and text.isdigit()


class IdRange:
    __slots__ = ("_ends", "_literals", "_starts", "everything", "memo", "text")

    def __init__(self, text: str = "") -> None:
        self.text = text.strip()
        spans: list[tuple[int, int]] = []
        self._literals: set[str] = set()
        for raw in self.text.replace(";", ",").replace("\n", ",").split(","):
            part = raw.strip()
            if not part:
                continue
            lo, sep, hi = part.partition("-")
            lo, hi = lo.strip(), hi.strip()
            if sep and _digits(lo) and _digits(hi):
                a, b = int(lo), int(hi)
                if a > b:
                    raise RangeError(f"'{part}': the range runs backwards (write {b}-{a})")
                spans.append((a, b))
            elif sep:
                raise RangeError(f"'{part}': a range needs a number on each side of '-'")
            elif _digits(part):
                spans.append((int(part), int(part)))
            elif all(c.isalnum() or c in "_.*#" for c in part):
                self._literals.add(part)
            else:
                raise RangeError(f"'{part}' is neither a number, a range like 1-99 nor a code")
        spans.sort()
        merged: list[tuple[int, int]] = []
        for a, b in spans:
            if merged and a <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
            else:
                merged.append((a, b))
        self._starts = [a for a, _ in merged]
        self._ends = [b for _, b in merged]
        self.everything = not merged and not self._literals
        self.memo: dict[str, bool] = {}  # ID -> verdict; hot loops may read it directly

    def __contains__(self, key: str) -> bool:
        hit = self.memo.get(key)
        if hit is None:
            hit = self._check(key)
            if len(self.memo) > 200_000:
                self.memo.clear()
            self.memo[key] = hit
        return hit

    def _check(self, key: str) -> bool:
        if self.everything or key in self._literals:
            return True
        digits = key.strip()
        if not _digits(digits):
            return False
        n = int(digits)
        i = bisect_right(self._starts, n) - 1
        return i >= 0 and n <= self._ends[i]

    def __repr__(self) -> str:
        return f"IdRange({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IdRange) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


def validate_range(text: str) -> str | None:
    """The problem with a range text, or None when it is fine."""
    try:
        IdRange(text)
    except RangeError as exc:
        return str(exc)
    return None
