"""One import, start to end: read → recognise the layout → map columns → convert every cell → check the
region → let the kind's planner compare with the database → report → (unless a dry run, and unless rows
are rejected without `skip_invalid`) let the kind's writer write, in the caller's transaction.

All or nothing (the decision): if ANY row has an error, nothing is written and the report lists every
problem by the row number Excel shows and the column header. The clerk fixes the file, or chooses
"只导入有效行" explicitly (`skip_invalid=True`, CLI `--skip-invalid`): then the valid rows are written
and the rejected ones are listed in the report. Cancelling, or any failure while writing, rolls back
(the caller's session is never committed here).

Rows of another county are not errors: they are left out, each listed as a notice, unless the clerk
includes them (`include_other_regions=True`, CLI `--include-other-regions`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.core import AuditEntry
from app.models.db import begin_consistent_read
from app.services.foundation import permissions
from app.services.foundation.audit import current_head
from app.services.foundation.errors import UserError
from app.services.pools import guard
from app.services.pools import reader as tabular
from app.services.pools.importing import cancelled, items, key_units, objects, people
from app.services.pools.importing.batch import Batch, ImportCancelled, Plan
from app.services.pools.importing.convert import Converter
from app.services.pools.importing.fields import KIND_LABELS, REGION_KEYS, FieldSpec, fields_for
from app.services.pools.importing.layouts import refuse_foreign
from app.services.pools.importing.mapping import known_headers, resolve_columns
from app.services.pools.importing.region import foreign_place, jurisdiction
from app.services.pools.importing.report import ImportReport

PLANNERS = {
    "objects": objects,
    "inspectors": people,
    "experts": people,
    "items": items,
    "key-units": key_units,
    "cancelled": cancelled,
}


TRIES = 3  # comparisons in a row spoiled by another clerk's change before the import gives up
# What every kind's comparison also relies on: the office (本辖区) and the remembered column mappings.
READS_ALWAYS = ("office", "column_mapping")


@dataclass
class Prepared:
    """An import read, checked and compared with the database, not yet written. `head` is the audit log's length
    when the comparison read the database: a change audited after it to a table in `reads` spoils the plan."""

    rep: ImportReport
    table: tabular.Table
    batch: Batch | None = None
    plan: Plan | None = None
    head: int = 0
    reads: tuple[str, ...] = ()

    @property
    def to_write(self) -> bool:
        return self.plan is not None


def run_import(session: Session, kind: str, path, **kw) -> ImportReport:
    """Validate a file and (unless dry_run, and unless rows are rejected without skip_invalid) write it, all in
    the caller's session without committing; the caller commits. Keywords: see `prepare_import`. On cancel an
    `ImportCancelled` is raised before anything is written."""
    progress = kw.get("progress") or _no_progress
    prepared = prepare_import(session, kind, path, **kw)
    if prepared.to_write:
        write_import(session, prepared, progress)
    return prepared.rep


def import_in_steps(
    session_factory: Callable[[], Session], writer_factory: Callable[[], Session], kind: str, path, **kw
) -> ImportReport:
    """The import as the CLI and the import wizard run it (issue 13 point 5): read, convert and compare in a
    plain session on one consistent read of the database (no write lock: other clerks keep working), then write
    in ONE short transaction of `writer_factory` (which takes the write lock first) and commit. That transaction
    first looks in the audit log for a change, made since the comparison, to what the comparison read (the
    objects, their permits, the office, the column mappings…); if there is one, the file is compared again.
    Keywords: see `prepare_import`."""
    progress = kw.get("progress") or _no_progress
    cancelled = kw.get("cancelled") or (lambda: False)
    for _ in range(TRIES):
        with session_factory() as s:
            begin_consistent_read(s)
            prepared = prepare_import(s, kind, path, **kw)
            s.rollback()
        if not prepared.to_write:
            return prepared.rep
        kw["table"] = prepared.table  # a second comparison does not read the file again
        with writer_factory() as s:
            if _changed_since(s, prepared):
                s.rollback()
                progress(prepared.rep.rows, prepared.rep.rows, "比对期间数据库有改动，正在重新比对…")
                continue
            write_import(s, prepared, progress)
            if cancelled():
                s.rollback()
                raise ImportCancelled("导入已取消，数据库没有任何改动。")
            s.commit()
            return prepared.rep
    raise UserError(
        f"导入比对期间，{KIND_LABELS[kind]}等数据连续 {TRIES} 次被其他用户修改，本次导入没有写入任何数据。"
        "请等其他用户完成导入或修改后再导入。"
    )


def _no_progress(_done: int, _total: int, _text: str = "") -> None:
    return None


def _changed_since(session: Session, prepared: Prepared) -> bool:
    query = select(AuditEntry.id).where(AuditEntry.seq > prepared.head, AuditEntry.entity.in_(prepared.reads))
    return session.execute(query.limit(1)).first() is not None


def prepare_import(
    session: Session,
    kind: str,
    path,
    *,
    sheet: str | None = None,
    mapping: dict[str, str] | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    include_other_regions: bool = False,
    year: int | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    table: tabular.Table | None = None,
) -> Prepared:
    """Read, convert and compare with the database; nothing is written. The report is complete; the result is
    ready to write (`to_write`) unless it is a dry run or rows are rejected without `skip_invalid`."""
    if not dry_run:
        permissions.require(session, "pools.import")
    specs = fields_for(kind)
    planner = PLANNERS[kind]
    path = Path(path)
    progress = progress or _no_progress
    cancelled = cancelled or (lambda: False)
    progress(0, 0, f"正在读取 {path.name}…")
    if table is None:
        table = tabular.read_table(path, sheet=sheet, known_headers=known_headers(session, kind))
    head = current_head(session)[0]  # read in the same snapshot as everything compared below
    read = table
    refuse_foreign(table, kind)
    cols = resolve_columns(session, kind, table.headers, mapping)
    rep = ImportReport(
        kind=kind,
        file=str(path),
        sheet=table.sheet,
        header_row=table.header_row,
        headers=list(table.headers),
        columns=cols,
        dry_run=dry_run,
    )
    batch = Batch(session, kind, path, table, cols, rep, year=year)
    batch = planner.prepare(batch)  # layouts: headings out, √ columns in, USCC from the permit number…
    table = batch.table
    rep.rows = len(table.row_numbers)
    rep.unmapped = [
        h for i, h in enumerate(table.headers) if i not in cols and not h.startswith("(第") and i not in batch.used
    ]
    _require_columns(batch, specs)
    _convert(batch, specs, progress, cancelled)
    if not include_other_regions:
        _leave_out_other_regions(batch)
    progress(rep.rows, rep.rows, "正在比对数据库…")
    plan = planner.plan(batch)
    rep.errors.sort(key=lambda e: (e["row"], e["column"]))
    rep.notices.sort(key=lambda e: (e["row"], e["column"]))
    rep.valid = rep.rows - len(batch.bad_rows) - rep.left_out
    rep.inserted, rep.updated, rep.unchanged = len(plan.inserts), len(plan.updates), len(plan.unchanged)
    prepared = Prepared(rep, read)
    if dry_run:
        key_text = planner.key_text
        rep.actions = sorted(
            [(r, "新增", key_text(rec), rec.get("name") or "") for r, rec in plan.inserts]
            + [(r, "更新", key_text(rec), rec.get("name") or "") for r, rec, _id, _old in plan.updates]
            + [(r, "无变化", k, nm) for r, k, nm in plan.unchanged]
            + [(r, "有问题，不导入", "", "") for r in sorted(batch.bad_rows)]
        )
        return prepared
    if rep.errors and not skip_invalid:
        return prepared
    if cancelled():
        raise ImportCancelled("导入已取消，数据库没有任何改动。")
    rep.skipped = len(batch.bad_rows)
    rep.sha256 = file_sha256(path)
    prepared.batch, prepared.plan, prepared.head = batch, plan, head
    prepared.reads = (*planner.READS, *READS_ALWAYS)
    if hasattr(planner, "stage"):  # the rows, the history and the 封存 prepared before the write lock
        planner.stage(batch, plan)
    return prepared


def write_import(session: Session, prepared: Prepared, progress=_no_progress) -> None:
    """Write a prepared import in `session` (not committed) and audit it."""
    rep, batch = prepared.rep, prepared.batch
    batch.session = session
    progress(rep.rows, rep.rows, "正在写入数据库…")
    PLANNERS[batch.kind].write(batch, prepared.plan)
    rep.written = True
    progress(rep.rows, rep.rows, "导入完成")


def preview_import(session: Session, kind: str, path, **kw) -> ImportReport:
    return run_import(session, kind, path, dry_run=True, **kw)


def _require_columns(batch: Batch, specs: tuple[FieldSpec, ...]) -> None:
    table, path = batch.table, batch.path
    present = set(batch.columns.values()) | batch.derived
    missing = [s for s in specs if s.required and s.key not in present]
    if missing:
        names = "、".join(f"“{s.label}”" for s in missing)
        raise UserError(
            f"“{path.name}”（工作表“{table.sheet}”第 {table.header_row} 行表头）中找不到必填列 {names}。"
            f"表头是：{'、'.join(table.headers)}。请把相应的列标题改为{names}，或在导入向导中指定该列对应的字段。",
            details=[{"row": table.header_row, "column": s.label, "message": "缺少必填列"} for s in missing],
        )
    if batch.kind == "inspectors" and "cert_no" not in present:
        raise UserError(
            f"“{path.name}”中找不到“执法证号”列。执法人员必须有执法证号，请加上这一列（或在导入向导中指定）。"
        )


def _convert(batch: Batch, specs: tuple[FieldSpec, ...], progress, cancelled) -> None:
    """Every mapped column through its converter; then one dict per row."""
    table = batch.table
    by_key = {s.key: s for s in specs}
    required = {s.key for s in specs if s.required}
    rownums = table.row_numbers
    total = len(rownums)
    keys: list[str] = []
    columns: list[list] = []
    for step, (i, key) in enumerate(batch.columns.items()):
        if cancelled():
            raise ImportCancelled("导入已取消，数据库没有任何改动。")
        header = table.headers[i]
        progress(step * total // max(1, len(batch.columns)), total, f"正在检查“{header}”列…")
        cells = table.columns[i]
        values, problems = Converter(by_key[key]).column(cells)
        for j, message in problems + guard.cell_problems(batch.kind, key, cells, values):  # control chars, lengths
            batch.error(rownums[j], key, f"第 {rownums[j]} 行“{header}”：{message}。")
        if key in required:
            for j, text in enumerate(cells):
                if not text:
                    batch.error(rownums[j], key, f"第 {rownums[j]} 行“{header}”为空，这一项必须填写。")
        keys.append(key)
        columns.append(values)
    batch.rows = [(rownums[j], dict(zip(keys, values))) for j, values in enumerate(zip(*columns))]
    if not columns:
        batch.rows = [(r, {}) for r in rownums]
    for j, extra in batch.extra_values.items():
        batch.rows[j][1].update(extra)


def _leave_out_other_regions(batch: Batch) -> None:
    if not set(REGION_KEYS) & set(batch.columns.values()):
        return
    home = jurisdiction(batch.session)
    if home is None:
        return
    kept = []
    for rownum, rec in batch.rows:
        place = foreign_place(rec, home)
        if place is None:
            kept.append((rownum, rec))
            continue
        batch.rep.left_out += 1
        batch.bad_rows.discard(rownum)
        batch.rep.errors = [e for e in batch.rep.errors if e["row"] != rownum]
        batch.notice(
            rownum,
            "",
            f"第 {rownum} 行（{rec.get('name') or ''}）在“{place}”，不属于本辖区（{home.label}），未导入。"
            "如确需导入，请在导入向导中勾选“包括不属于本辖区的对象”（命令行加 --include-other-regions）。",
        )
    batch.rows = kept


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def default_year(year: int | None) -> int:
    return year or date.today().year
