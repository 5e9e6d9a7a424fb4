"""导入向导: choose what to import (every kind `ssj import` has) and the file → sheet → column mapping
(remembered) → preview with every problem and notice, “包括不属于本辖区的对象” (= --include-other-regions) →
import.

The check (preview) and the import run on a worker thread with a progress dialog and 取消. Nothing
is written until the clerk presses 导入 on the preview page; with problems in the file the import is
only possible after ticking “只导入有效行”.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from app.services.foundation.errors import UserError
from app.services.pools import importer
from app.services.pools import reader as tabular
from app.ui.context import AppContext
from app.ui.files import open_file_dialog, save_file_dialog, show_saved
from app.ui.operations import Cancelled, attempt, confirm, run_op, show_info

MAX_SHOWN_ERRORS = 5000
IGNORE_TEXT = "（不导入）"
INCLUDE_OTHER_REGIONS = "包括不属于本辖区的对象"
KIND_NOTES = {
    "objects": "本县台账、全国排污许可证管理信息平台的许可证清单、重点排污单位名录（三种公布格式）都可以直接导入。",
    "key-units": "只更新库中已有的单位：标为重点排污单位并记下名录类别；名录中库里没有的单位列为提示，不新建。",
    "cancelled": "全国排污许可证管理信息平台的注销/撤销清单：许可证标为注销/撤销（日期、原因），"
    "单位再无有效许可证时标为“注销”。",
    "inspectors": "执法人员名册（检查机关、姓名、执法证号、状态……）；状态为调离、退休等的人员不参与抽取。",
}


class FilePage(QWizardPage):
    def __init__(self, wizard: ImportWizard):
        super().__init__()
        self.w = wizard
        self.setSubTitle("支持 Excel（.xlsx / .xls）和 CSV（UTF-8 或 GBK）。表格上方的标题行、合并单元格会自动跳过。")
        layout = QVBoxLayout(self)
        what = QHBoxLayout()
        what.addWidget(QLabel("导入什么："))
        self.kind = QComboBox()  # every kind `ssj import` has
        for kind in importer.KINDS:
            self.kind.addItem(importer.KIND_LABELS[kind], kind)
        self.kind.setCurrentIndex(self.kind.findData(wizard.kind))
        self.kind.currentIndexChanged.connect(lambda _i: self._kind_changed())
        what.addWidget(self.kind, 1)
        layout.addLayout(what)
        self.kind_note = QLabel()
        self.kind_note.setWordWrap(True)
        layout.addWidget(self.kind_note)
        row = QHBoxLayout()
        self.path = QLineEdit()
        self.path.setPlaceholderText("点“浏览…”选择文件")
        self.path.textChanged.connect(lambda _t: self.completeChanged.emit())
        browse = QPushButton("浏览…")
        browse.clicked.connect(self.browse)
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        layout.addLayout(row)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color:#b00020")
        layout.addWidget(self.error)
        layout.addStretch(1)
        self.reading = None
        self._read_for: str | None = None
        self._kind_changed()

    def _kind_changed(self) -> None:
        kind = self.kind.currentData()
        self.w.set_kind(kind)
        self.setTitle(f"第 1 步：选择要导入的{importer.KIND_LABELS[kind]}文件")
        self.kind_note.setText(KIND_NOTES.get(kind, ""))
        self._read_for = None  # the columns are recognised per kind: read the file again

    def browse(self) -> None:
        path, _f = open_file_dialog(self, "选择文件", "", "表格文件 (*.xlsx *.xls *.xlsm *.csv);;所有文件 (*)")
        if path:
            self.path.setText(path)

    def isComplete(self) -> bool:
        return bool(self.path.text().strip())

    def validatePage(self) -> bool:
        """The file is read off the UI thread (a 50,000-row file takes seconds); the wizard moves on when it is."""
        path = self.path.text().strip()
        if self._read_for == path and self.w.table is not None:
            self._read_for = None
            return True
        if self.reading is not None:
            return False
        self.error.clear()
        kind = self.w.kind

        def read(s):
            known = importer.known_headers(s, kind)
            return tabular.sheet_names(path), tabular.read_table(path, known_headers=known)

        def done(result) -> None:
            self.reading = None
            self.w.sheets, self.w.table = result
            self.w.path = Path(path)
            self._read_for = path
            self.w.next()

        def failed(exc) -> bool:
            self.reading = None
            if isinstance(exc, UserError):
                self.error.setText(exc.message)
                return True
            return False

        self.reading = run_op(
            self, self.w.ctx, read, read=True, background=True, title="正在读取文件……", success=done, failure=failed
        )
        return False


class SheetPage(QWizardPage):
    def __init__(self, wizard: ImportWizard):
        super().__init__()
        self.w = wizard
        self.setTitle("第 2 步：确认工作表和表头")
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(QLabel("工作表"))
        self.sheet = QComboBox()
        row.addWidget(self.sheet, 1)
        layout.addLayout(row)
        self.info = QLabel()
        self.info.setWordWrap(True)
        layout.addWidget(self.info)
        self.sample = QTableWidget()
        self.sample.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        layout.addWidget(self.sample, 1)
        self.error = QLabel()
        self.error.setStyleSheet("color:#b00020")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        self.sheet.currentTextChanged.connect(self._changed)

    def initializePage(self) -> None:
        self.sheet.blockSignals(True)
        self.sheet.clear()
        self.sheet.addItems(self.w.sheets)
        self.sheet.setCurrentText(self.w.table.sheet)
        self.sheet.blockSignals(False)
        self._show(self.w.table)

    def _changed(self, name: str) -> None:
        self.error.clear()
        if not name or (self.w.table is not None and name == self.w.table.sheet):
            return

        def read():
            with self.w.ctx.read() as s:
                known = importer.known_headers(s, self.w.kind)
            return tabular.read_table(self.w.path, sheet=name, known_headers=known)

        sheet = attempt(read, shown=self.error.setText)
        self.w.table = sheet.result
        if not sheet.ok:
            self.sample.setRowCount(0)
            self.completeChanged.emit()
            return
        self._show(self.w.table)
        self.completeChanged.emit()

    def _show(self, table: tabular.Table) -> None:
        self.info.setText(f"表头在第 {table.header_row} 行，共 {len(table.rows)} 行数据。下面是前几行：")
        shown = table.rows[:8]
        self.sample.setColumnCount(len(table.headers))
        self.sample.setHorizontalHeaderLabels(table.headers)
        self.sample.setRowCount(len(shown))
        self.sample.setVerticalHeaderLabels([str(r) for r, _c in shown])
        for i, (_r, cells) in enumerate(shown):
            for j, v in enumerate(cells):
                self.sample.setItem(i, j, QTableWidgetItem(v))
        self.sample.resizeColumnsToContents()

    def isComplete(self) -> bool:
        return self.w.table is not None


class MappingPage(QWizardPage):
    def __init__(self, wizard: ImportWizard):
        super().__init__()
        self.w = wizard
        self.setTitle("第 3 步：核对列的对应关系")
        self.setSubTitle("已自动识别常见的列名；不认识的列请在右侧选择它对应的字段，或选“（不导入）”。")
        layout = QVBoxLayout(self)
        self.grid = QTableWidget(0, 3)
        self.grid.setHorizontalHeaderLabels(["文件中的列", "示例值", "对应字段"])
        self.grid.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.grid.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.grid.verticalHeader().setVisible(False)
        layout.addWidget(self.grid, 1)
        self.remember = QCheckBox("记住我的选择（下次导入同样的列名时自动对应）")
        self.remember.setChecked(True)
        layout.addWidget(self.remember)
        self.error = QLabel()
        self.error.setStyleSheet("color:#b00020")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        self.combos: list[QComboBox] = []
        self.auto: dict[int, str] = {}

    def initializePage(self) -> None:
        table = self.w.table
        specs = importer.fields_for(self.w.kind)
        with self.w.ctx.read() as s:
            self.auto = importer.resolve_columns(s, self.w.kind, table.headers)
        self.grid.setRowCount(len(table.headers))
        self.combos = []
        for i, h in enumerate(table.headers):
            self.grid.setItem(i, 0, QTableWidgetItem(h))
            sample = next((cells[i] for _r, cells in table.rows[:20] if cells[i]), "")
            self.grid.setItem(i, 1, QTableWidgetItem(sample))
            combo = QComboBox()
            combo.addItem(IGNORE_TEXT, importer.IGNORE)
            for spec in specs:
                combo.addItem(spec.label + ("（必填）" if spec.required else ""), spec.key)
            key = self.auto.get(i)
            combo.setCurrentIndex(combo.findData(key) if key else 0)
            if key is None:
                self.grid.item(i, 0).setBackground(QColor("#fff3cd"))
            self.grid.setCellWidget(i, 2, combo)
            self.combos.append(combo)
        self.grid.resizeColumnToContents(0)
        self.grid.setColumnWidth(2, 220)

    def set_field(self, header: str, key: str) -> None:
        """Choose the field for a header (used by the tests and by keyboard users)."""
        i = self.w.table.headers.index(header)
        self.combos[i].setCurrentIndex(self.combos[i].findData(key))

    def mapping(self) -> dict[str, str]:
        return {h: self.combos[i].currentData() for i, h in enumerate(self.w.table.headers)}

    def validatePage(self) -> bool:
        self.error.clear()
        chosen: dict[str, str] = {}
        for h, key in self.mapping().items():
            if key == importer.IGNORE:
                continue
            if key in chosen:
                label = next(s.label for s in importer.fields_for(self.w.kind) if s.key == key)
                self.error.setText(f"“{h}”和“{chosen[key]}”都对应了“{label}”，一个字段只能对应一列，请改掉其中一个。")
                return False
            chosen[key] = h
        missing = [s.label for s in importer.missing_required(self.w.kind, chosen)]
        if missing:
            self.error.setText(f"必须指定哪一列是“{'”“'.join(missing)}”。")
            return False
        self.w.mapping = self.mapping()
        if self.remember.isChecked():
            with self.w.ctx.session() as s:
                for i, h in enumerate(self.w.table.headers):
                    key = self.combos[i].currentData()
                    if key != self.auto.get(i, importer.IGNORE) and not h.startswith("(第"):
                        importer.remember_mapping(s, self.w.kind, h, key)
        return True


class PreviewPage(QWizardPage):
    def __init__(self, wizard: ImportWizard):
        super().__init__()
        self.w = wizard
        self.setTitle("第 4 步：检查结果（尚未写入）")
        self.setSubTitle(
            "下面列出文件中的每一处问题（行号为 Excel 中显示的行号）。修改文件后可“上一步”重新选择，"
            "或勾选“只导入有效行”。"
        )
        layout = QVBoxLayout(self)
        self.summary = QLabel("正在检查……")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.errors = QTableWidget(0, 4)  # problems first, then notices (expired permits, rows left out…)
        self.errors.setHorizontalHeaderLabels(["行号", "列", "问题或提示", "类别"])
        self.errors.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.errors.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.errors.verticalHeader().setVisible(False)
        layout.addWidget(self.errors, 1)
        row = QHBoxLayout()
        self.save_button = QPushButton("保存错误报告…")
        self.save_button.clicked.connect(self.save_report)
        self.skip = QCheckBox("只导入有效行（有问题的行不导入）")
        self.skip.toggled.connect(lambda _c: self.completeChanged.emit())
        self.include_other = QCheckBox(INCLUDE_OTHER_REGIONS)  # = ssj import --include-other-regions
        self.include_other.setToolTip(
            "文件中所在地区（省-市-县、地市、区县）不是本辖区的行，默认不导入并逐行列为提示；勾选后一并导入（重新检查）。"
        )
        self.include_other.toggled.connect(lambda _c: self.check())
        row.addWidget(self.save_button)
        row.addStretch(1)
        row.addWidget(self.include_other)
        row.addWidget(self.skip)
        layout.addLayout(row)
        self.report: importer.ImportReport | None = None
        self.worker = None

    def initializePage(self) -> None:
        self.check()

    def check(self) -> None:
        """The dry run, again whenever “包括不属于本辖区的对象” is ticked or unticked."""
        if self.worker is not None and not self.worker.done.is_set():
            return
        self.report = None
        self.skip.setChecked(False)
        self.skip.setEnabled(False)
        self.include_other.setEnabled(False)
        self.save_button.setEnabled(False)
        self.errors.setRowCount(0)
        self.summary.setText("正在检查……")
        self.completeChanged.emit()
        ctx, kind, path, table, mapping = self.w.ctx, self.w.kind, self.w.path, self.w.table, self.w.mapping
        include = self.include_other.isChecked()

        def check(s, progress):
            return importer.run_import(
                s,
                kind,
                path,
                table=table,
                mapping=mapping,
                dry_run=True,
                include_other_regions=include,
                progress=progress,
                cancelled=progress.cancelled,
            )

        self.worker = run_op(
            self,
            ctx,
            check,
            read=True,
            background=True,
            progress=True,
            cancellable=True,
            title="正在检查文件……",
            success=self.show_report,
            failure=self.failed,
        )

    def failed(self, exc) -> bool:
        self.include_other.setEnabled(True)
        if isinstance(exc, Cancelled):
            self.summary.setText("检查已取消。点“< 上一步”再“下一步 >”可重新检查。")
        else:
            self.summary.setText(exc.message if isinstance(exc, UserError) else "检查失败：详细信息已写入日志。")
        self.completeChanged.emit()
        return isinstance(exc, UserError)

    def show_report(self, rep: importer.ImportReport) -> None:
        self.report = rep
        text = (
            f"共 {rep.rows} 行：有效 {rep.valid} 行，其中将新增 {rep.inserted} 行、更新 {rep.updated} 行、"
            f"无变化 {rep.unchanged} 行。"
        )
        if rep.errors:
            text += f"<br><b style='color:#b00020'>发现 {len(rep.errors)} 处问题</b>，涉及 {rep.rows - rep.valid} 行。"
        else:
            text += "<br><b style='color:#1b5e20'>没有发现问题，可以导入。</b>"
        if rep.layout:
            text = f"识别为{rep.layout}。" + text
        if rep.left_out:
            text += (
                f"<br>不属于本辖区未导入 {rep.left_out} 行（见下方提示；确需导入请勾选“{INCLUDE_OTHER_REGIONS}”）。"
            )
        if rep.notices:
            text += f"<br>另有 {len(rep.notices)} 条提示（不影响导入），列在问题之后。"
        if rep.unmapped:
            text += f"<br>不导入的列：{'、'.join(rep.unmapped)}"
        self.summary.setText(text)
        shown = [(e, "问题") for e in rep.errors] + [(n, "提示") for n in rep.notices]
        shown = shown[:MAX_SHOWN_ERRORS]
        self.errors.setRowCount(len(shown))
        for i, (e, what) in enumerate(shown):
            self.errors.setItem(i, 0, QTableWidgetItem(str(e["row"])))
            self.errors.setItem(i, 1, QTableWidgetItem(e["column"]))
            self.errors.setItem(i, 2, QTableWidgetItem(e["message"]))
            item = QTableWidgetItem(what)
            if what == "问题":
                item.setForeground(QColor("#b00020"))
            self.errors.setItem(i, 3, item)
        self.errors.resizeColumnToContents(0)
        self.errors.resizeColumnToContents(1)
        self.errors.resizeColumnToContents(3)
        self.include_other.setEnabled(True)
        self.save_button.setEnabled(True)
        self.skip.setEnabled(bool(rep.errors) and rep.valid > 0)
        self.completeChanged.emit()

    def save_report(self) -> None:
        if self.report is None:
            return
        default = f"{self.w.path.stem}-导入检查报告.xlsx"
        path, _f = save_file_dialog(self, "保存错误报告", str(self.w.path.with_name(default)), "Excel 文件 (*.xlsx)")
        if not path:
            return
        out = path if path.lower().endswith(".xlsx") else path + ".xlsx"
        if run_op(self, None, lambda: importer.save_report(self.report, out), error_title="保存失败").ok:
            show_saved(self, out, f"检查报告已保存到：\n{out}", "已保存")

    def isComplete(self) -> bool:
        rep = self.report
        if rep is None or rep.valid == 0 or (rep.inserted + rep.updated) == 0:
            return False
        return not rep.errors or self.skip.isChecked()


class ImportWizard(QWizard):
    imported = Signal(object)  # the ImportReport after a successful import

    def __init__(self, ctx: AppContext, kind: str, parent=None):
        super().__init__(parent)
        self.ctx, self.kind = ctx, kind
        self.path: Path | None = None
        self.sheets: list[str] = []
        self.table: tabular.Table | None = None
        self.mapping: dict[str, str] = {}
        self.result_report: importer.ImportReport | None = None
        self.writing = None  # the running import (an operations.Op) while it writes
        self._closing = False
        self.setWindowTitle(f"导入{importer.KIND_LABELS[kind]}")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.file_page, self.sheet_page = FilePage(self), SheetPage(self)
        self.mapping_page, self.preview_page = MappingPage(self), PreviewPage(self)
        for page in (self.file_page, self.sheet_page, self.mapping_page, self.preview_page):
            self.addPage(page)
        self.setButtonText(QWizard.WizardButton.NextButton, "下一步 >")
        self.setButtonText(QWizard.WizardButton.BackButton, "< 上一步")
        self.setButtonText(QWizard.WizardButton.FinishButton, "导入")
        self.setButtonText(QWizard.WizardButton.CancelButton, "取消")
        self.resize(860, 600)

    def set_kind(self, kind: str) -> None:
        """What is imported (chosen on the first page): fields, recognised headers and the writer follow it."""
        self.kind = kind
        self.setWindowTitle(f"导入{importer.KIND_LABELS[kind]}")

    def accept(self) -> None:
        """导入: on a worker thread, read and compare, then write in one short transaction (`import_in_steps`); the
        wizard closes when it is done. While it writes,
        上一步/导入 are disabled and × or 取消 ask whether to stop; stopping rolls everything back."""
        rep = self.preview_page.report
        if rep is None or self.writing is not None:
            return
        ctx, kind, path, table, mapping = self.ctx, self.kind, self.path, self.table, self.mapping
        skip = self.preview_page.skip.isChecked()
        include = self.preview_page.include_other.isChecked()

        def write(session_factory, progress):  # read, check and compare first, then one short write
            result = importer.import_in_steps(
                session_factory,
                ctx.db.writer,
                kind,
                path,
                table=table,
                mapping=mapping,
                skip_invalid=skip,
                include_other_regions=include,
                progress=progress,
                cancelled=progress.cancelled,
            )
            if not result.written:
                raise UserError(result.summary())
            return result

        self._set_writing(True)
        self.writing = run_op(
            self,
            ctx,
            write,
            background=True,
            progress=True,
            cancellable=True,
            own_transactions=True,
            title="正在导入……",
            error_title="没有导入",
            success=self._done,
            failure=self._failed,
        )

    def _set_writing(self, on: bool) -> None:
        for which in (QWizard.WizardButton.FinishButton, QWizard.WizardButton.BackButton):
            self.button(which).setEnabled(not on)

    def _done(self, rep: importer.ImportReport) -> None:
        self.writing = None
        self.result_report = rep
        self.imported.emit(rep)
        show_info(self, rep.summary(), "导入完成")
        super().accept()

    def _failed(self, exc) -> bool:
        self.writing = None
        self._set_writing(False)
        if isinstance(exc, (Cancelled, importer.ImportCancelled)):
            show_info(self, "导入已中止，数据库没有任何改动。", "没有导入")
            if self._closing:
                super().reject()
            return True
        return False

    def stop_writing(self) -> bool:
        """Ask whether to stop the running import; True when it was stopped (or nothing was running)."""
        op = self.writing
        if op is None or op.done.is_set():
            return True
        if not confirm(self, "正在导入。中止后本次导入的所有行都不会写入数据库。确定中止？", "中止导入"):
            return False
        self._closing = True
        op.cancel()
        return True

    def reject(self) -> None:
        if self.writing is not None:
            self.stop_writing()  # the wizard closes when the rollback has been reported
            return
        super().reject()

    def closeEvent(self, event) -> None:
        if self.writing is not None:
            self.stop_writing()
            event.ignore()
            return
        super().closeEvent(event)
