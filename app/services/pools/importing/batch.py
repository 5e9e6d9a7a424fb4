"""What a planner-writer works on (`Batch`: the validated rows of one file and its report) and what it
answers (`Plan`: inserts, updates, unchanged)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from app.services.foundation.errors import UserError
from app.services.pools import reader as tabular
from app.services.pools.importing.fields import fields_for
from app.services.pools.importing.report import ImportReport


class ImportCancelled(UserError):
    pass


@dataclass
class Batch:
    """What a planner works on: the validated rows (Excel row number, field → value; None = blank) of
    one file, with the report to add problems to."""

    session: Session
    kind: str
    path: Path
    table: tabular.Table
    columns: dict[int, str]  # column index → field key
    rep: ImportReport
    rows: list[tuple[int, dict]] = field(default_factory=list)
    bad_rows: set[int] = field(default_factory=set)
    year: int | None = None
    used: set[int] = field(default_factory=set)  # columns a layout reads (√ columns), not "unmapped"
    derived: set[str] = field(default_factory=set)  # fields a layout provides without a column (USCC)
    extra_values: dict[int, dict] = field(default_factory=dict)  # row index → values a layout adds
    flagged: set[tuple[int, str]] = field(default_factory=set)  # (row, field) with an error already

    def header_of(self, key: str) -> str:
        for i, f in self.columns.items():
            if f == key:
                return self.table.headers[i]
        return next((s.label for s in fields_for(self.kind) if s.key == key), key)

    def error(self, row: int, key: str, message: str) -> None:
        self.rep.errors.append({"row": row, "column": self.header_of(key), "message": message})
        self.bad_rows.add(row)
        self.flagged.add((row, key))

    def notice(self, row: int, key: str, message: str) -> None:
        self.rep.notices.append({"row": row, "column": self.header_of(key) if key else "", "message": message})

    def good_rows(self) -> list[tuple[int, dict]]:
        return [(r, rec) for r, rec in self.rows if r not in self.bad_rows]


@dataclass
class Plan:
    """A planner's answer: rows to insert, rows to update (row, changes, id, old values), rows unchanged
    (row, key text, name), and anything else its writer needs (`extra`)."""

    inserts: list[tuple[int, dict]] = field(default_factory=list)
    updates: list[tuple[int, dict, int, dict]] = field(default_factory=list)
    unchanged: list[tuple[int, str, str]] = field(default_factory=list)
    extra: dict = field(default_factory=dict)
