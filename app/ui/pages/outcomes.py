"""检查结果: per period the drawn objects and their results; entry dialog, sheet export/import, review,
follow-up (rectifications due, cases, transfers), and printing the 检查通知书."""

from __future__ import annotations

import logging
import tempfile
from datetime import date
from pathlib import Path

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.models.vocabulary import OutcomeState, Role
from app.services.foundation import listings, permissions
from app.services.foundation.errors import UserError
from app.services.outcomes import outcomes as svc
from app.ui.context import AppContext
from app.ui.files import open_file_dialog, open_files_dialog, save_document_dialog, save_file_dialog, show_saved
from app.ui.operations import run_op
from app.ui.pages import PageSpec
from app.ui.qtcompat import change_filter
from app.ui.screen import resize_to_fit
from app.ui.widgets import (
    DateField,
    RowsTableModel,
    button_row,
    confirm_irreversible,
    dialog_buttons,
    labelled_period_row,
    page_title,
    period_combo,
    plain_table,
    refill_periods,
)

log = logging.getLogger(__name__)
STATE_COLORS = {
    OutcomeState.NOT_ENTERED: "#b00020",
    OutcomeState.ENTERED: "#a15c00",
    OutcomeState.APPROVED: "#1f5fa8",
    OutcomeState.PUBLISHED: "#2e7d32",
}


class DrawnPeriodsMixin:
    """For a page (with ``self.ctx`` and a ``reload()`` that shows the chosen period) whose editable period chooser
    lists the periods that have a draw, newest first."""

    def _period_bar(self) -> QHBoxLayout:
        """Create ``self.period`` and return a new bar that starts with it."""
        self.period = period_combo(lambda: self.reload(), editable=True, min_width=110)
        return labelled_period_row("期间：", self.period)

    def refresh(self) -> None:
        with self.ctx.read() as s:
            codes = svc.periods_with_draws(s)
        refill_periods(self.period, codes)
        self.reload()

    def current_period(self) -> str:
        return self.period.currentText().strip()


class OutcomeTableModel(RowsTableModel):
    HEADERS = (
        "状态",
        "企业名称",
        "统一社会信用代码",
        "监管类别",
        "检查组",
        "检查日期",
        "检查方式",
        "检查结果",
        "公示期限",
        "录入人",
        "审核人",
        "附件",
    )
    rows: list[svc.OutcomeRow]

    def __init__(self, parent=None):
        super().__init__(parent)
        self.today = date.today()

    def _rows_changed(self) -> None:
        self.today = date.today()

    def row(self, i: int) -> svc.OutcomeRow:
        return self.rows[i]

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r = self.rows[index.row()]
        c = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            values = [
                r.state,
                r.name,
                r.uscc,
                r.category,
                "、".join(r.team),
                r.check_date.isoformat() if r.check_date else "",
                r.method,
                r.result,
                r.publish_due.isoformat() if r.publish_due else "",
                self.person(r.entered_by) if r.entered_by else "",
                self.person(r.reviewed_by) if r.reviewed_by else "",
                str(r.attachments) if r.attachments else "",
            ]
            return values[c]
        if role == Qt.ItemDataRole.ForegroundRole:
            if c == 0:
                return QBrush(QColor(STATE_COLORS.get(r.state, "#000")))
            if (
                c == 8
                and r.publish_due
                and r.state in (OutcomeState.ENTERED, OutcomeState.APPROVED)
                and r.publish_due < self.today
            ):
                return QBrush(QColor("#b00020"))
        return None


class OutcomeDialog(QDialog):
    """录入/修改 one drawn object's result, follow-up and attachments."""

    def __init__(self, ctx: AppContext, row: svc.OutcomeRow, parent=None):
        super().__init__(parent)
        self.ctx, self.row = ctx, row
        self.new_attachments: list[str] = []
        self.setWindowTitle(f"检查结果 — {row.name}")
        resize_to_fit(self, 640, 720)
        with ctx.read() as s:
            phrase_list = [p.phrase for p in svc.phrases(s)]
            self.existing = (
                [
                    (a.filename, a.sha256[:12], str(svc.attachment_path(a)), svc.verify_attachment(a))
                    for a in svc.attachments(s, row.outcome_id)
                ]
                if row.outcome_id
                else []
            )
        form = QFormLayout()
        form.addRow("检查对象", QLabel(f"{row.name}（{row.uscc}）"))
        form.addRow("抽查任务", QLabel(row.task_name or row.period))
        form.addRow("检查组", QLabel("、".join(row.team) or "（未指派）"))
        self.check_date = DateField(row.check_date or date.today(), optional=False)
        self.method = QComboBox()
        self.method.addItems(list(svc.METHODS))
        if row.method:
            self.method.setCurrentText(row.method)
        elif row.mode and svc.normalise_method(row.mode):
            self.method.setCurrentText(svc.normalise_method(row.mode))
        self.result = QComboBox()
        self.result.addItems(phrase_list)
        if row.result:
            self.result.setCurrentText(row.result)
        self.findings = QPlainTextEdit(row.findings)
        self.findings.setFixedHeight(60)

        def line(value, placeholder=""):
            w = QLineEdit("" if value is None else (value.isoformat() if isinstance(value, date) else str(value)))
            w.setPlaceholderText(placeholder)
            return w

        self.determined_on = DateField(row.determined_on, placeholder="默认同检查日期，如 2026-03-15")
        self.rectify_deadline = DateField(row.rectify_deadline, placeholder="责令整改时必填，如 2026-04-15")
        self.rectify_verified_on = DateField(row.rectify_verified_on, placeholder="复查后填写")
        self.rectify_result = line(row.rectify_result)
        self.case_no = line(row.case_no, "立案调查时必填")
        self.decision_date = DateField(row.decision_date)
        self.penalty_amount = line(row.penalty_amount, "元")
        self.transfer_to = line(row.transfer_to, "移交/移送的机关，如 县公安局")
        self.actual_team = line("、".join(row.extra.get("actual_team", row.team)))
        self.team_change_reason = line(row.extra.get("team_change_reason", ""), "实际人员与检查组不同时必填")
        for label, w in (
            ("检查日期*", self.check_date),
            ("检查方式*", self.method),
            ("检查结果*", self.result),
            ("发现问题", self.findings),
            ("结果认定日期", self.determined_on),
        ):
            form.addRow(label, w)
        fix = QGroupBox("后续处置")
        ff = QFormLayout(fix)
        for label, w in (
            ("整改期限", self.rectify_deadline),
            ("整改复查日期", self.rectify_verified_on),
            ("整改复查结果", self.rectify_result),
            ("立案编号", self.case_no),
            ("处罚决定日期", self.decision_date),
            ("罚款金额（元）", self.penalty_amount),
            ("移交/移送机关", self.transfer_to),
        ):
            ff.addRow(label, w)
        team = QGroupBox("检查人员变更")
        tf = QFormLayout(team)
        tf.addRow("实际检查人员", self.actual_team)
        tf.addRow("人员变更原因", self.team_change_reason)
        att = QGroupBox("附件（笔录扫描件、照片：PDF/JPG/PNG/TIF，单个不超过 20 MB）")
        al = QVBoxLayout(att)
        self.attachment_list = QListWidget()
        for name, h, _path, ok in self.existing:
            self.attachment_list.addItem(f"{name}（SHA-256 {h}…）" + ("" if ok else "  ⚠ 文件缺失或已被改动"))
        add = QPushButton("添加附件…")
        add.clicked.connect(self.choose_attachment)
        open_button = QPushButton("打开所选附件")
        open_button.clicked.connect(self.open_selected)
        al.addWidget(self.attachment_list)
        arow = QHBoxLayout()
        arow.addWidget(add)
        arow.addWidget(open_button)
        al.addLayout(arow)
        buttons = dialog_buttons(self, "保存", on_accept=self.try_save, ok=QDialogButtonBox.StandardButton.Save)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(fix)
        lay.addWidget(team)
        lay.addWidget(att)
        lay.addWidget(buttons)
        self.follow_up_only = row.state not in (OutcomeState.NOT_ENTERED, OutcomeState.ENTERED)
        if self.follow_up_only:
            for w in (
                self.check_date,
                self.method,
                self.result,
                self.findings,
                self.determined_on,
                self.actual_team,
                self.team_change_reason,
            ):
                w.setEnabled(False)
            add.setEnabled(False)
            lay.insertWidget(
                0, QLabel(f"该结果{row.state}，检查结果不能再改；可以登记后续处置（整改复查、立案处罚、移送）。")
            )

    def open_selected(self) -> None:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        i = self.attachment_list.currentRow()
        if 0 <= i < len(self.existing):
            QDesktopServices.openUrl(QUrl.fromLocalFile(self.existing[i][2]))
        elif i >= len(self.existing) and i - len(self.existing) < len(self.new_attachments):
            QDesktopServices.openUrl(QUrl.fromLocalFile(self.new_attachments[i - len(self.existing)]))

    def add_attachment_path(self, path: str) -> None:
        self.new_attachments.append(path)
        self.attachment_list.addItem(f"{Path(path).name}（待保存）")

    def choose_attachment(self) -> None:
        paths, _f = open_files_dialog(
            self, "选择附件", str(Path.home()), "笔录和照片 (*.pdf *.jpg *.jpeg *.png *.tif *.tiff)"
        )
        for p in paths:
            self.add_attachment_path(p)

    def values(self) -> dict:
        data = {
            "check_date": self.check_date.required("检查日期"),
            "method": self.method.currentText(),
            "result": self.result.currentText(),
            "findings": self.findings.toPlainText(),
        }
        for key in [k for k in svc.ENTERED_FIELDS if k not in data] + ["actual_team", "team_change_reason"]:
            data[key] = getattr(self, key).text().strip()
        if self.row.outcome_id:
            data["outcome_id"] = self.row.outcome_id
        return data

    def try_save(self) -> bool:
        def save(s) -> None:
            values = self.values()
            if self.follow_up_only:
                svc.record_follow_up(s, self.row.outcome_id, {k: values[k] for k in svc.FOLLOW_UP_FIELDS})
            else:
                o = svc.save_outcome(s, self.row.selection_id, values)
                for p in self.new_attachments:
                    svc.add_attachment(s, o.id, p)

        if not run_op(self, self.ctx, save, error_title="无法保存").ok:
            return False
        self.accept()
        return True


class OutcomeFilter(QSortFilterProxyModel):
    """The search text on any column, and optionally one state (the reviewer's 已录入 at one click)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.state: str | None = None
        self.setFilterKeyColumn(-1)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

    def only_state(self, state: str | None) -> None:
        change_filter(self, lambda: setattr(self, "state", state), rows_only=True)

    def filterAcceptsRow(self, source_row: int, source_parent) -> bool:  # noqa: N802
        if self.state is not None and self.sourceModel().row(source_row).state != self.state:
            return False
        return super().filterAcceptsRow(source_row, source_parent)


class OutcomesPage(DrawnPeriodsMixin, QWidget):
    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        top = self._period_bar()
        self.search = QLineEdit()
        self.search.setPlaceholderText("按企业名称 / 信用代码 / 状态筛选")
        top.addWidget(self.search, 1)
        self.summary = QLabel()
        top.addWidget(self.summary)

        self.awaiting_review = QCheckBox("只看待审核（已录入）(&R)")
        self.awaiting_review.setToolTip("审核员：只列出已录入、等待审核的检查结果")
        top.insertWidget(top.count() - 1, self.awaiting_review)
        self.model = OutcomeTableModel(self)
        self.proxy = OutcomeFilter(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.awaiting_review.toggled.connect(lambda on: self.proxy.only_state(OutcomeState.ENTERED if on else None))
        self.table = plain_table(self.proxy, key="outcomes")
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # keep the draw order until a header is clicked
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.doubleClicked.connect(lambda _i: self.edit_selected())

        self.edit_button = QPushButton("录入/查看结果…")
        self.approve_button = QPushButton("审核通过所选")
        self.approve_all_button = QPushButton("本期全部审核通过")
        self.return_button = QPushButton("退回…")
        self.export_button = QPushButton("导出录入表…")
        self.import_button = QPushButton("导入录入表…")
        # one button, three actions: the row must fit a 1366-pixel screen
        self.notice_button = QPushButton("检查通知书")
        notice_menu = QMenu(self.notice_button)
        self.notice_print_action = notice_menu.addAction("打印检查通知书（预览）…")
        self.notice_export_action = notice_menu.addAction("导出检查通知书为 PDF 或 Word…")
        self.notice_button.setMenu(notice_menu)
        self.phrases_button = QPushButton("检查结果用语…")
        self.phrases_button.clicked.connect(lambda: PhrasesDialog(self.ctx, self).exec())
        self.phrases_button.setVisible(ctx.actor.role == Role.ADMIN)
        notice_menu.addSeparator()
        self.number_action = notice_menu.addAction("文号的机关代字…")
        self.number_action.setToolTip("检查通知书文号的机关代字，如“泽环执通”→ 泽环执通〔2026〕1号")
        self.number_action.triggered.connect(lambda: self.set_number_prefix())
        self.number_action.setVisible(permissions.allowed("settings", ctx.actor))
        self.edit_button.clicked.connect(self.edit_selected)
        self.approve_button.clicked.connect(self.approve_selected)
        self.approve_all_button.clicked.connect(self.approve_all)
        self.return_button.clicked.connect(self.send_back_selected)
        self.export_button.clicked.connect(lambda: self.export_template())
        self.import_button.clicked.connect(lambda: self.import_sheet())
        self.notice_print_action.triggered.connect(lambda: self.print_notices())
        self.notice_export_action.triggered.connect(lambda: self.export_notices())
        buttons = button_row(
            self.edit_button,
            self.approve_button,
            self.approve_all_button,
            self.return_button,
            None,
            self.phrases_button,
            self.export_button,
            self.import_button,
            self.notice_button,
        )
        can_review = permissions.allowed("outcomes.approve", ctx.actor)
        for b in (self.approve_button, self.approve_all_button, self.return_button):
            b.setEnabled(can_review)
            if not can_review:
                b.setToolTip("需要审核员角色")

        main = QWidget()
        ml = QVBoxLayout(main)
        ml.setContentsMargins(0, 0, 0, 0)
        ml.addWidget(self.table, 1)
        ml.addLayout(buttons)

        self.follow_model = FollowUpModel(self)
        self.follow_table = plain_table(self.follow_model, select_rows=False, key="follow-ups")

        self.tabs = QTabWidget()
        self.tabs.addTab(main, "检查结果")
        self.tabs.addTab(self.follow_table, "后续处置（整改、立案、移送）")
        lay = QVBoxLayout(self)
        lay.addWidget(page_title("检查结果"))
        lay.addLayout(top)
        lay.addWidget(self.tabs, 1)
        self.refresh()

    # --- data ---
    def reload(self) -> None:
        period = self.current_period()

        def load(s):
            self.model.names = listings.display_names(s)
            return (svc.period_rows(s, period) if period else []), svc.follow_up(s)

        op = run_op(self, self.ctx, load, read=True, failure=lambda exc: isinstance(exc, UserError))
        # a period typed wrong shows an empty list (the chooser marks it), not a dialog on every keystroke
        rows, follow = op.result if op.ok else ([], {"rectifications": [], "cases": [], "transfers": []})
        self.model.set_rows(rows)
        self.follow_model.set_data(follow)
        counts = {}
        for r in rows:
            counts[r.state] = counts.get(r.state, 0) + 1
        self.summary.setText(
            f"共 {len(rows)} 个对象：" + "，".join(f"{k} {v}" for k, v in counts.items())
            if rows
            else "本期没有抽中对象"
        )

    def selected_rows(self) -> list[svc.OutcomeRow]:
        idx = {self.proxy.mapToSource(i).row() for i in self.table.selectionModel().selectedRows()}
        return [self.model.row(i) for i in sorted(idx)]

    def select_row(self, source_row: int) -> None:
        index = self.proxy.mapFromSource(self.model.index(source_row, 0))
        self.table.selectRow(index.row())

    # --- actions ---
    def edit_selected(self) -> bool:
        rows = self.selected_rows()
        if not rows:
            QMessageBox.information(self, "检查结果", "请先在列表中选择一个检查对象。")
            return False
        dlg = OutcomeDialog(self.ctx, rows[0], self)
        ok = dlg.exec() == QDialog.DialogCode.Accepted
        self.reload()
        return ok

    def approve_selected(self) -> int:
        ids = [r.outcome_id for r in self.selected_rows() if r.outcome_id]
        if not ids:
            QMessageBox.information(self, "审核", "请选择已录入的检查结果。")
            return 0
        return self._approve(lambda s: svc.approve(s, ids, self.ctx.actor.username))

    def approve_all(self) -> int:
        period = self.current_period()
        if not confirm_irreversible(
            self,
            "本期全部审核通过",
            f"以“{self.ctx.actor.username}”的名义审核通过 {period} 全部已录入的检查结果（本人录入的除外）？\n\n"
            "审核通过后结果即可公示；公示后不能再修改或退回，只能登记后续处置。",
        ):
            return 0
        return self._approve(lambda s: svc.approve_period(s, self.current_period(), self.ctx.actor.username))

    def _approve(self, fn) -> int:
        op = run_op(self, self.ctx, fn, error_title="无法审核")
        if not op.ok:
            return 0
        n = op.result
        self.reload()
        QMessageBox.information(self, "审核", f"已审核通过 {n} 条检查结果。")
        return n

    def send_back_selected(self) -> bool:
        rows = [r for r in self.selected_rows() if r.outcome_id]
        if not rows:
            QMessageBox.information(self, "退回", "请选择一条已审核的检查结果。")
            return False
        reason, ok = QInputDialog.getText(self, "退回", f"退回“{rows[0].name}”的原因：")
        if not ok:
            return False
        outcome_id = rows[0].outcome_id
        if not run_op(self, self.ctx, lambda s: svc.send_back(s, outcome_id, reason), error_title="无法退回").ok:
            return False
        self.reload()
        return True

    def export_template(self, path: str | None = None) -> Path | None:
        period = self.current_period()
        if not path:
            path, _f = save_file_dialog(
                self, "导出检查结果录入表", str(Path.home() / f"检查结果录入表-{period}.xlsx"), "Excel 文件 (*.xlsx)"
            )
        if not path:
            return None
        op = run_op(self, self.ctx, lambda s: svc.export_template(s, period, path), error_title="无法导出")
        if not op.ok:
            return None
        info = op.result
        show_saved(self, path, f"已导出 {info['rows']} 个对象到：\n{path}", "导出完成")
        return Path(path)

    def import_sheet(self, path: str | None = None) -> dict | None:
        if not path:
            path, _f = open_file_dialog(self, "导入检查结果录入表", str(Path.home()), "Excel 文件 (*.xlsx)")
        if not path:
            return None

        def load(s):
            report = svc.import_sheet(s, path)
            if report["errors"]:
                s.rollback()  # all or nothing: the errors are listed, nothing is written
            return report

        op = run_op(self, self.ctx, load, error_title="无法导入")
        if not op.ok:
            return None
        report = op.result
        if report["errors"]:
            lines = [e["message"] for e in report["errors"][:20]]
            more = f"\n……共 {len(report['errors'])} 处错误" if len(report["errors"]) > 20 else ""
            QMessageBox.warning(self, "导入失败（未导入任何数据）", "\n".join(lines) + more)
        else:
            QMessageBox.information(
                self,
                "导入完成",
                f"新增 {report['inserted']} 条，更新 {report['updated']} 条检查结果"
                f"（未变化 {report.get('unchanged', 0)} 条）。",
            )
        self.reload()
        return report

    def print_notices(self, preview: bool = True, out: str | Path | None = None):
        """The 检查通知书 (all of the period, or the one selected object) written off the UI thread — 171 notices
        take many seconds; the preview opens when the file is ready. A notice printed for the first time gets
        its 文号 (a write, committed with the file). Returns the running operation; its ``result`` is the path
        (a PDF for the preview, or the PDF/Word file the clerk chose: `export_notices`)."""
        from app.services.outcomes import forms as forms_pdf

        rows = self.selected_rows()
        period = self.current_period()
        uscc = rows[0].uscc if len(rows) == 1 else None
        chosen = out is not None
        out = Path(out) if out else Path(tempfile.mkdtemp(prefix="ssj-")) / f"检查通知书-{period}.pdf"

        def write(s, progress) -> Path:
            forms_pdf.write_notices(s, period, out, uscc=uscc, progress=progress)
            return out

        def done(path: Path) -> None:
            self.last_notice = path
            if chosen:
                show_saved(self, path, f"已生成检查通知书：\n{path}", "检查通知书")
            elif preview:
                from app.ui.pdf_preview import preview as show

                show(path, "检查通知书", self)

        return run_op(
            self,
            self.ctx,
            write,
            background=True,
            progress=True,  # 第 n / 171 页; 取消 rolls the new 文号 back
            cancellable=True,
            title="正在生成检查通知书……",
            error_title="无法生成",
            success=done,
        )

    def set_number_prefix(self, prefix: str | None = None):
        """The office's 字 of the notices' 文号 (管理员; audited; numbers already given keep theirs)."""
        from app.services.outcomes import forms

        if prefix is None:
            with self.ctx.read() as s:
                current = forms.number_prefix(s)
            prefix, ok = QInputDialog.getText(
                self,
                "检查通知书文号",
                "机关代字（只写代字，年份和序号由程序加上，如“泽环执通”→ 泽环执通〔2026〕1号）：",
                text=current,
            )
            if not ok:
                return None
        return run_op(
            self,
            self.ctx,
            lambda s: forms.set_number_prefix(s, prefix),
            error_title="无法设置文号",
            success=lambda info: QMessageBox.information(
                self, "检查通知书文号", f"已设置机关代字“{info['prefix']}”。下一个文号：{info['example']}"
            ),
        )

    def export_notices(self, path: str | None = None):
        """Save the 检查通知书 as PDF or as an editable Word document (the office edits, then stamps)."""
        period = self.current_period()
        if not path:
            path = save_document_dialog(self, "导出检查通知书", str(Path.home() / f"检查通知书-{period}.docx"))
        if not path:
            return None
        return self.print_notices(preview=False, out=path)


class PhrasesDialog(QDialog):
    """检查结果用语: the standard phrases (add / remove; a phrase in use cannot be removed)."""

    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("检查结果用语")
        self.resize(460, 420)
        self.list = QListWidget()
        self.new = QLineEdit()
        self.new.setPlaceholderText("新的标准用语")
        self.problem = QComboBox()
        self.problem.addItems(["未发现问题类", "发现问题类"])
        add = QPushButton("添加")
        add.clicked.connect(lambda: self.add())
        remove = QPushButton("删除所选")
        remove.clicked.connect(lambda: self.remove())
        row = QHBoxLayout()
        row.addWidget(self.new, 1)
        row.addWidget(self.problem)
        row.addWidget(add)
        lay = QVBoxLayout(self)
        lay.addWidget(self.list, 1)
        lay.addLayout(row)
        buttons = QHBoxLayout()
        buttons.addWidget(remove)
        buttons.addStretch(1)
        close = QPushButton("关闭")
        close.clicked.connect(self.accept)
        buttons.addWidget(close)
        lay.addLayout(buttons)
        self.reload()

    def reload(self) -> None:
        with self.ctx.session() as s:
            items = [(p.phrase, p.problem_found) for p in svc.phrases(s)]
        self.list.clear()
        for phrase, problem in items:
            self.list.addItem(phrase + ("（发现问题）" if problem else ""))

    def phrases(self) -> list[str]:
        return [self.list.item(i).text().removesuffix("（发现问题）") for i in range(self.list.count())]

    def add(self, text: str | None = None, problem: bool | None = None) -> bool:
        text = self.new.text() if text is None else text
        problem = self.problem.currentIndex() == 1 if problem is None else problem
        if not run_op(self, self.ctx, lambda s: svc.add_phrase(s, text, problem), error_title="无法添加").ok:
            return False
        self.new.clear()
        self.reload()
        return True

    def remove(self, phrase: str | None = None) -> bool:
        if phrase is None:
            item = self.list.currentItem()
            if item is None:
                return False
            phrase = item.text().removesuffix("（发现问题）")
        if not run_op(self, self.ctx, lambda s: svc.remove_phrase(s, phrase), error_title="无法删除").ok:
            return False
        self.reload()
        return True


class FollowUpModel(RowsTableModel):
    """Rows are (kind, outcome row) pairs: the rectifications, cases and transfers of ``svc.follow_up``."""

    HEADERS = ("类型", "企业名称", "统一社会信用代码", "检查结果", "期限/日期", "编号/机关", "状态")
    rows: list[tuple[str, svc.OutcomeRow]]

    def set_data(self, follow: dict) -> None:
        self.set_rows(
            [("责令整改", r) for r in follow["rectifications"]]
            + [("立案", r) for r in follow["cases"]]
            + [("移交/移送", r) for r in follow["transfers"]]
        )

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        kind, r = self.rows[index.row()]
        overdue = kind == "责令整改" and r.extra.get("overdue")
        if role == Qt.ItemDataRole.DisplayRole:
            if kind == "责令整改":
                when, ref, state = r.rectify_deadline, "", "已逾期，未复查" if overdue else "整改中"
            elif kind == "立案":
                when, ref = r.decision_date, r.case_no
                state = f"罚款 {r.penalty_amount:,.2f} 元" if r.penalty_amount else "调查中"
            else:
                when, ref, state = r.check_date, r.transfer_to, "已移送"
            return [kind, r.name, r.uscc, r.result, when.isoformat() if when else "", ref, state][index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and overdue:
            return QBrush(QColor("#b00020"))
        return None


PAGE = PageSpec("outcomes", "检查结果", "检查与公示", 40, OutcomesPage)
