"""Names in and out: a PBX admin's CSV export (kind, number, name[, source]) into the names
directory, and one entry put in place (the CSV import and importconfig alike).

Importing is idempotent: an entry is matched by source (or every source), kind and number and
its name updated; a file with any bad line imports nothing and says what is wrong on each.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F

from wallboard.models import Name, Source
from wallboard.models.names import NAME_KINDS

# Words a PBX admin's export may use for a kind.
KIND_WORDS = {
    **{k: k for k in NAME_KINDS},
    "split": "skill",
    "split/skill": "skill",
    "hunt group": "group",
    "acd group": "group",
    "acd path": "path",
    "agent id": "agent",
    "aux": "reason",
    "aux reason": "reason",
    "reason code": "reason",
    "not ready": "reason",
}
MAX_ERRORS = 50  # lines reported; the rest counted


@dataclass
class CsvResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def kind_of(word: str) -> str | None:
    return KIND_WORDS.get(" ".join(word.strip().lower().replace("_", " ").split()))


def put_name(source: Source | None, kind: str, number: str, name: str, override: bool) -> str:
    """Create or update one entry; "created", "updated" or "unchanged"."""
    entry = Name.objects.filter(source=source, kind=kind, number=number).first()
    if entry is None:
        Name.objects.create(source=source, kind=kind, number=number, name=name, override=override)
        return "created"
    if entry.name == name and entry.override == override:
        return "unchanged"
    entry.name, entry.override = name, override
    entry.save(update_fields=["name", "override"])
    return "updated"


def import_csv(text: str, *, source: Source | None = None, override: bool = False) -> CsvResult:
    """Read `text` (CSV: kind, number, name and optionally source; a header line is skipped);
    `source` is the default for lines without one (None: every source). All or nothing."""
    result = CsvResult()
    sources = {s.name: s for s in Source.objects.all()}
    lines: list[tuple[Source | None, str, str, str]] = []
    seen: dict[tuple[int | None, str, str], int] = {}
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(",;\t", key=first.count)  # a spreadsheet's export may use ; or tabs
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    for row in reader:
        lineno = reader.line_num
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if not lines and not result.errors and cells[0].lower() == "kind":
            continue  # the header
        problem = ""
        if len(cells) not in (3, 4):
            problem = f"expected kind, number, name[, source]: got {len(cells)} columns"
        else:
            kind = kind_of(cells[0])
            number, name = cells[1], cells[2]
            where = sources.get(cells[3]) if len(cells) == 4 and cells[3] else source
            if kind is None:
                problem = f"unknown kind {cells[0]!r} (one of {', '.join(NAME_KINDS)})"
            elif not number:
                problem = "the number (or agent ID, reason code) is blank"
            elif len(number) > 64:
                problem = "the number is longer than 64 characters"
            elif not name:
                problem = "the name is blank"
            elif len(name) > 200:
                problem = "the name is longer than 200 characters"
            elif len(cells) == 4 and cells[3] and where is None:
                problem = f"no source named {cells[3]!r}"
            else:
                key = (where.pk if where else None, kind, number)
                if key in seen:
                    problem = f"{kind} {number} is named on line {seen[key]} already"
                else:
                    seen[key] = lineno
                    lines.append((where, kind, number, name))
                    continue
        result.errors.append(f"line {lineno}: {problem}")
    if result.errors:
        if len(result.errors) > MAX_ERRORS:
            more = len(result.errors) - MAX_ERRORS
            result.errors = [*result.errors[:MAX_ERRORS], f"... and {more} more"]
        return result
    with transaction.atomic():
        for where, kind, number, name in lines:
            outcome = put_name(where, kind, number, name, override)
            setattr(result, outcome, getattr(result, outcome) + 1)
    return result


NAME_KEYS = {"kind", "number", "name", "source", "override"}


def export_names() -> list[dict[str, Any]]:
    """The directory as exportconfig writes it: every source's entries without `source`,
    `override` only where set."""
    out: list[dict[str, Any]] = []
    for entry in Name.objects.select_related("source").order_by(
        F("source__name").asc(nulls_first=True), "kind", "number"
    ):
        item: dict[str, Any] = {"kind": entry.kind, "number": entry.number, "name": entry.name}
        if entry.source is not None:
            item["source"] = entry.source.name
        if entry.override:
            item["override"] = True
        out.append(item)
    return out


def import_names(items: Any, error: type[Exception]) -> int:
    """importconfig's `names`: a list of entries (unknown keys, a kind, source or value that
    is not one an error raised as `error`), each put in place (idempotent)."""
    if not isinstance(items, list):
        raise error("names: expected a list")
    sources = {s.name: s for s in Source.objects.all()}
    for i, item in enumerate(items):
        where = f"names[{i}]"
        if not isinstance(item, dict):
            raise error(f"{where}: expected an object")
        unknown = sorted(set(item) - NAME_KEYS)
        if unknown:
            raise error(f"{where}: unknown key(s) {', '.join(unknown)}")
        missing = [k for k in ("kind", "number", "name") if k not in item]
        if missing:
            raise error(f"{where}: missing {', '.join(missing)}")
        kind, number, name = item["kind"], item["number"], item["name"]
        if kind not in NAME_KINDS:
            raise error(f"{where}: kind {kind!r} is not one of {', '.join(NAME_KINDS)}")
        if isinstance(number, int) and not isinstance(number, bool):
            number = str(number)
        if not isinstance(number, str) or not number.strip() or len(number.strip()) > 64:
            raise error(f"{where}: number: a text of 1 to 64 characters, got {number!r}")
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > 200:
            raise error(f"{where}: name: a text of 1 to 200 characters, got {name!r}")
        source = None
        if item.get("source") is not None:
            source = sources.get(item["source"])
            if source is None:
                raise error(f"{where}: no source {item['source']!r}")
        override = item.get("override", False)
        if not isinstance(override, bool):
            raise error(f"{where}: override: true or false, got {override!r}")
        put_name(source, kind, number.strip(), name.strip(), override)
    return len(items)
