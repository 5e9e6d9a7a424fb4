"""结果公示: approved results waiting for publication (deadlines in colour), creating a batch (xlsx for
the platforms + the PDF notice with preview), the history of batches, and the publication rate."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QGroupBox, QLabel, QMessageBox, QPushButton, QVBoxLayout, QWidget

from app.services.foundation import listings, permissions
from app.services.foundation.errors import UserError
from app.services.outcomes import outcomes, workdays
from app.services.outcomes import publication as svc
from app.ui.context import AppContext
from app.ui.files import DOCUMENT_FILTERS, XLSX_FILTER, save_document_dialog, save_file_dialog, show_saved
from app.ui.operations import run_op
from app.ui.pages import PageSpec
from app.ui.pages.outcomes import DrawnPeriodsMixin
from app.ui.widgets import RowsTableModel, button_row, confirm_irreversible, page_title, plain_table

DUE_COLORS = {"overdue": "#b00020", "soon": "#a15c00", "ok": "#2e7d32"}


def due_status(due: date | None, today: date, cal: workdays.Calendar) -> str:
    if due is None:
        return "ok"
    if due < today:
        return "overdue"
    try:
        return "soon" if cal.workdays_between(today, due) <= 5 else "ok"
    except workdays.CalendarMissing:
        return "soon"


class PendingModel(RowsTableModel):
    HEADERS = ("企业名称", "统一社会信用代码", "检查日期", "检查结果", "审核人", "公示期限", "剩余")
    rows: list[outcomes.OutcomeRow]

    def __init__(self, parent=None):
        super().__init__(parent)
        self.status: list[str] = []
        self.remaining: list[str] = []

    def set_rows(self, rows, today: date, cal: workdays.Calendar) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.status = [due_status(r.publish_due, today, cal) for r in self.rows]
        self.remaining = []
        for r in self.rows:
            if r.publish_due is None:
                self.remaining.append("")
            elif r.publish_due < today:
                self.remaining.append(f"超期 {(today - r.publish_due).days} 天")
            else:
                try:
                    self.remaining.append(f"{cal.workdays_between(today, r.publish_due)} 个工作日")
                except workdays.CalendarMissing:
                    self.remaining.append("日历缺失")
        self.endResetModel()

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return [
                r.name,
                r.uscc,
                r.check_date.isoformat() if r.check_date else "",
                r.result,
                self.person(r.reviewed_by) if r.reviewed_by else "",
                r.publish_due.isoformat() if r.publish_due else "",
                self.remaining[index.row()],
            ][index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and index.column() in (5, 6):
            return QBrush(QColor(DUE_COLORS[self.status[index.row()]]))
        return None


class BatchModel(RowsTableModel):
    HEADERS = ("批次", "期间", "公示日期", "条数", "标题", "创建人")

    def set_rows(self, rows) -> None:
        super().set_rows((b.id, b.period, b.published_on.isoformat(), b.count, b.title, b.created_by) for b in rows)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if index.isValid() and role == Qt.ItemDataRole.DisplayRole:
            value = self.rows[index.row()][index.column()]
            return self.person(value) if index.column() == 5 else str(value)
        return None


class PublicationPage(DrawnPeriodsMixin, QWidget):
    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        top = self._period_bar()
        self.rate_label = QLabel()
        self.rate_label.setStyleSheet("font-weight: bold;")
        top.addWidget(self.rate_label, 1)
        self.rule_label = QLabel()
        self.rule_label.setStyleSheet("color: #555;")
        top.addWidget(self.rule_label)

        self.pending = PendingModel(self)
        self.pending_table = plain_table(self.pending, key="publication-pending")
        self.publish_button = QPushButton("生成公示批次（xlsx + PDF 公示）…")
        self.publish_button.clicked.connect(lambda: self.create_batch())
        pending_box = QGroupBox("已审核、待公示")
        pl = QVBoxLayout(pending_box)
        pl.addWidget(self.pending_table, 1)
        pl.addLayout(
            button_row(
                QLabel("公示期限：红色＝已超期，橙色＝5 个工作日内到期，绿色＝时间充足"), None, self.publish_button
            )
        )

        self.batches = BatchModel(self)
        self.batch_table = plain_table(self.batches, key="publication-batches")
        self.preview_button = QPushButton("预览/打印所选批次的公示…")
        self.preview_button.clicked.connect(lambda: self.preview_batch())
        self.export_button = QPushButton("重新导出所选批次…")
        self.export_button.clicked.connect(lambda: self.export_batch())
        history = QGroupBox("公示记录")
        hl = QVBoxLayout(history)
        hl.addWidget(self.batch_table, 1)
        hl.addLayout(button_row(None, self.export_button, self.preview_button))

        lay = QVBoxLayout(self)
        lay.addWidget(page_title("结果公示"))
        lay.addLayout(top)
        lay.addWidget(pending_box, 3)
        lay.addWidget(history, 2)
        self.refresh()

    def reload(self) -> None:
        period = self.current_period()
        today = date.today()

        def load(s):
            rows = svc.publishable(s, period)
            rate = svc.publication_rate(s, period)
            history = svc.batches(s, period)
            self.pending.names = self.batches.names = listings.display_names(s)
            rule = workdays.publication_rule(s)
            self.pending.set_rows(rows, today, workdays.Calendar(s))
            return rows, rate, history, rule

        # a period typed wrong leaves the lists empty (no dialog on every keystroke)
        op = run_op(self, self.ctx, load, read=True, failure=lambda exc: isinstance(exc, UserError))
        if op.ok:
            rows, rate, history, rule = op.result
        else:
            self.pending.set_rows([], today, workdays.Calendar(None))
            rows, rate, history, rule = [], None, [], workdays.DeadlineRule()
        self.batches.set_rows(history)
        self.rule_label.setText(f"规则：{rule.label}")
        if rate:
            self.rate_label.setText(
                f"公示率 {rate['rate'] * 100:.1f}%（已公示 {rate['published']} / 已录入 {rate['entered']}，"
                f"抽中 {rate['drawn']}，按期 {rate['on_time']}）"
            )
        else:
            self.rate_label.setText("")
        self.publish_button.setEnabled(
            (bool(rows) if rate else False) and permissions.allowed("publish", self.ctx.actor)
        )

    def selected_batch_id(self) -> int | None:
        sel = self.batch_table.selectionModel().selectedRows()
        if sel:
            return self.batches.rows[sel[0].row()][0]
        return self.batches.rows[0][0] if self.batches.rows else None

    def create_batch(self, xlsx_path: str | None = None, preview: bool = True):
        """Create the batch and write its three files off the UI thread (1,000 results take seconds), with
        progress; None when the clerk says no. Returns the running operation; its ``result`` is the batch's info
        (with the "pdf" and "docx" files) when it has ended (`operations.wait_all` in tests)."""
        period = self.current_period()
        if not xlsx_path:
            xlsx_path, _f = save_file_dialog(
                self,
                "保存公示表（上传平台用）",
                str(Path.home() / f"抽查结果公示-{period}.xlsx"),
                "Excel 文件 (*.xlsx)",
            )
        if not xlsx_path:
            return None
        xlsx_file = Path(xlsx_path).with_suffix(".xlsx")
        pdf_file = xlsx_file.with_suffix(".pdf")
        docx_file = xlsx_file.with_suffix(".docx")
        if not confirm_irreversible(
            self,
            "生成公示批次",
            f"生成 {period} 的公示批次？\n\n生成后，本批全部已审核结果标记为“已公示”，不可撤回：不能再修改或退回，"
            "公示表（xlsx 上传平台用）和 PDF 公示即为对外公布的内容（另附可编辑的 Word 公示，盖章前可修改版式）。",
        ):
            return None

        def publish(factory, progress):  # files rendered first, then the batch written in one short transaction
            progress(0, 1, "正在生成公示表、PDF 和 Word 公示，然后记入本批……")
            info = svc.publish_in_steps(
                factory, period, [xlsx_file, pdf_file, docx_file], writer_factory=self.ctx.db.writer
            )
            progress(1, 1, "")
            return {**info, "pdf": str(pdf_file), "docx": str(docx_file)}

        def done(info: dict) -> None:
            self.reload()
            if preview:
                from app.ui.pdf_preview import preview as show

                show(pdf_file, "公示", self)
            else:
                show_saved(
                    self,
                    xlsx_file,
                    f"已生成第 {info['batch_id']} 批公示（{info['count']} 条）：\n{xlsx_file}\n{pdf_file}\n{docx_file}",
                    "公示",
                )

        return run_op(
            self,
            self.ctx,
            publish,
            background=True,
            own_transactions=True,
            progress=True,
            title="正在生成公示批次（公示表、PDF、Word）……",
            error_title="无法公示",
            success=done,
        )

    def export_batch(self, path: str | None = None):
        bid = self.selected_batch_id()
        if bid is None:
            return None
        if not path:
            path = save_document_dialog(
                self,
                "导出公示表",
                str(Path.home() / f"抽查结果公示-第{bid}批.xlsx"),
                f"{XLSX_FILTER};;{DOCUMENT_FILTERS}",
            )
        if not path:
            return None
        path = Path(path)

        def write(s) -> Path:
            svc.write_batch(s, bid, path)
            return path

        # off the UI thread: a batch of 1,000 results takes a second or more; the result is the file
        return run_op(self, self.ctx, write, read=True, background=True, title="正在导出公示……", error_title="无法导出")

    def preview_batch(self, preview: bool = True):
        import tempfile

        bid = self.selected_batch_id()
        if bid is None:
            QMessageBox.information(self, "公示", "还没有公示记录。")
            return None
        out = Path(tempfile.mkdtemp(prefix="ssj-")) / f"抽查结果公示-第{bid}批.pdf"

        def shown(path: Path) -> None:
            if preview:
                from app.ui.pdf_preview import preview as show

                show(path, "公示", self)

        return run_op(
            self,
            self.ctx,
            lambda s: svc.export_pdf(s, bid, out),
            read=True,
            background=True,
            title="正在生成公示……",
            error_title="无法生成",
            success=shown,
        )


PAGE = PageSpec("publication", "结果公示", "检查与公示", 42, PublicationPage)
