"""ID ranges such as ``1-99, 200-299, 310`` (blank = everything), parsed once, checked fast.

The syntax, the same for every source's and tile's queue and agent ranges:

- numbers and ranges of numbers, ``1-99, 200-299, 310``, separated by commas (or semicolons,
  or new lines); an ID matches by its number, so ``007`` is 7;
- a queue or agent code that is not a number (Aspire Optimus names its queues and agents by
  codes, which need not be numbers) in quotes, ``'SALES'`` or ``"SALES"``: it matches that
  code exactly, case and all; letters, digits and ``_ . - # *`` (no wildcards);
- blank: everything.

Anything else is an error that names the entry and how to write it: a bare word (``all``,
``SALES``) is never taken as a code that silently matches nothing. Numeric IDs are checked
against sorted spans; results are memoised per ID, so the hot path is one dict lookup per
record.
"""

from __future__ import annotations

import re
from bisect import bisect_right


class RangeError(ValueError):
    pass


def _digits(text: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts '²', which int() refuses."""
    return text.isascii() and text.isdigit()


QUOTES = "'\""
_CODE_CHARS = "_.-#*"
_EVERYTHING_WORDS = {"all", "any", "every", "everything", "*", "%", "blank", "none"}
_DOTTED = re.compile(r"(\d+)\s*\.{2,3}\s*(\d+)")
_SPACED = re.compile(r"\d+(?:\s+\d+)+")


def _code_chars(text: str) -> bool:
    return all(c.isalnum() or c in _CODE_CHARS for c in text)


def _code(part: str) -> str:
    """The code of a quoted entry ('SALES' or "SALES"); RangeError when it is not one."""
    inner = part[1:-1]
    if len(part) < 2 or part[-1] != part[0]:
        raise RangeError(f"{part}: a code opens and closes with the same quote, e.g. 'SALES'")
    if not inner.strip():
        raise RangeError(f"{part}: an empty code")
    if not _code_chars(inner):
        raise RangeError(
            f"{part}: a code holds letters, digits and {' '.join(_CODE_CHARS)} only "
            "(separate codes with commas)"
        )
    return inner


def _problem(part: str) -> str:
    """What is wrong with an entry that is neither a number, a range nor a quoted code."""
    if part.lower() in _EVERYTHING_WORDS:
        return f"'{part}' is not an ID: leave the range blank to take everything"
    dotted = _DOTTED.fullmatch(part)
    if dotted:
        return f"'{part}' is not a range: write it with a dash, {dotted[1]}-{dotted[2]}"
    if _SPACED.fullmatch(part):
        return f"'{part}' is not one number: separate IDs with commas, {', '.join(part.split())}"
    if _code_chars(part) and part[:1] not in QUOTES and part[-1:] not in QUOTES:
        return (
            f"'{part}' is not a number or a range like 1-99; a queue or agent code that is "
            f'not a number is written in quotes: "{part}"'
        )
    return f"'{part}' is neither a number, a range like 1-99 nor a code in quotes like 'SALES'"


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
            if part[0] in QUOTES or part[-1] in QUOTES:
                self._literals.add(_code(part))
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
            else:
                raise RangeError(_problem(part))
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
        # The IDs found in the range: a board's range is asked about every agent of its source
        # once, so remembering every answer would hold each ID once per board (30,000 IDs on
        # ten boards: 9 MB); the IDs in it are as many as it shows. An ID outside is worked out
        # again each time it is asked about (a bisect).
        self.memo: set[str] = set()

    def __contains__(self, key: str) -> bool:
        if self.everything or key in self.memo:
            return True
        if not self._check(key):
            return False
        if len(self.memo) > 200_000:
            self.memo.clear()
        self.memo.add(key)
        return True

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
