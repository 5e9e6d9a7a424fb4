"""The import report: what the file held, what would be or was written, and every problem by row and column.

Shape (kept for the CLI's `--json` and the wizard): {file, rows, valid, inserted, updated, errors[{row,
column, message}]} plus kind, sheet, header_row, unchanged, skipped, written, dry_run, unmapped, and
`notices` (same shape as errors, for what is worth knowing but blocks nothing: a USCC taken from the
permit number, an expired permit, a row of another county left out, a 名录 unit not in the pool),
`left_out` (rows left out as not of this county) and `layout` (what the file was recognised as).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class ImportReport:
    kind: str
    file: str
    sheet: str = ""
    header_row: int = 0
    headers: list[str] = field(default_factory=list)
    columns: dict[int, str] = field(default_factory=dict)
    unmapped: list[str] = field(default_factory=list)
    rows: int = 0
    valid: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: list[dict] = field(default_factory=list)
    notices: list[dict] = field(default_factory=list)
    left_out: int = 0
    layout: str = ""
    actions: list[tuple[int, str, str, str]] = field(default_factory=list)  # (row, 新增/更新/无变化, key, name)
    written: bool = False
    dry_run: bool = False
    sha256: str = ""

    def to_dict(self) -> dict:
        return {
            "file": self.file,
            "kind": self.kind,
            "sheet": self.sheet,
            "header_row": self.header_row,
            "rows": self.rows,
            "valid": self.valid,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "written": self.written,
            "dry_run": self.dry_run,
            "unmapped": self.unmapped,
            "errors": self.errors,
            "notices": self.notices,
            "left_out": self.left_out,
            "layout": self.layout,
        }

    def summary(self) -> str:
        name = Path(self.file).name
        head = f"{name}（工作表“{self.sheet}”，表头在第 {self.header_row} 行）"
        if self.layout:
            head += f"，识别为{self.layout}"
        head += f"：共 {self.rows} 行，有效 {self.valid} 行"
        if self.left_out:
            head += f"，不属于本辖区未导入 {self.left_out} 行"
        if self.written:
            tail = f"；已导入：新增 {self.inserted}，更新 {self.updated}，无变化 {self.unchanged}"
            if self.skipped:
                tail += f"，跳过有问题的行 {self.skipped}"
        elif self.dry_run:
            tail = f"；预检（未写入）：将新增 {self.inserted}，将更新 {self.updated}，无变化 {self.unchanged}"
        else:
            tail = f"；发现 {len(self.errors)} 处问题，未写入任何数据。请修改文件后重新导入，或选择“只导入有效行”"
        return head + tail + "。"


def save_report(report: ImportReport, path) -> Path:
    """The problems (and the per-row plan) as an Excel file the clerk can work through."""
    from app.services.foundation import xlsx

    wb, ws = xlsx.new_workbook("问题清单")
    xlsx.write_table(
        ws, ["行号", "列", "问题"], [(e["row"], e["column"], e["message"]) for e in report.errors], widths={3: 90}
    )
    ws2 = wb.create_sheet("导入概况")
    d = report.to_dict()
    labels = [
        ("文件", Path(report.file).name),
        ("工作表", d["sheet"]),
        ("表头所在行", d["header_row"]),
        ("数据行数", d["rows"]),
        ("有效行", d["valid"]),
        ("新增", d["inserted"]),
        ("更新", d["updated"]),
        ("无变化", d["unchanged"]),
        ("问题数", len(report.errors)),
        ("提示数", len(report.notices)),
        ("未识别的列", "、".join(report.unmapped)),
        ("结论", report.summary()),
    ]
    xlsx.write_table(ws2, ["项目", "内容"], labels, widths={1: 14, 2: 90}, autofilter=False)
    if report.notices:
        ws4 = wb.create_sheet("提示")
        xlsx.write_table(
            ws4, ["行号", "列", "提示"], [(e["row"], e["column"], e["message"]) for e in report.notices], widths={3: 90}
        )
    if report.actions:
        ws3 = wb.create_sheet("逐行预览")
        xlsx.write_table(ws3, ["行号", "操作", "关键字", "名称"], report.actions)
    return xlsx.save_workbook(wb, path)
