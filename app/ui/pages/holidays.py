"""节假日设置: the holiday table for years chinese_calendar does not know (import the State Council's notice
as a file or pasted text, or enter days one by one) and a working-day calculator."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.services.outcomes import workdays as svc
from app.ui.context import AppContext
from app.ui.files import open_file_dialog
from app.ui.operations import attempt, ignore, run_op
from app.ui.pages import PageSpec
from app.ui.widgets import DateField, RowsTableModel, dialog_buttons, page_title


class DayModel(RowsTableModel):
    HEADERS = ("日期", "星期", "类型", "名称")
    rows: list[tuple[date, str, str]]

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if index.isValid() and role == Qt.ItemDataRole.DisplayRole:
            d, k, n = self.rows[index.row()]
            return [d.isoformat(), "一二三四五六日"[d.weekday()], k, n][index.column()]
        return None


class NoticeDialog(QDialog):
    """Paste the notice's text (one line per festival) and see what it parses to before importing."""

    def __init__(self, year: int, parent=None):
        super().__init__(parent)
        self.setWindowTitle("粘贴放假通知")
        self.resize(640, 420)
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText(
            f"国务院办公厅关于{year}年部分节假日安排的通知\n一、元旦：1月1日放假……\n"
            "二、春节：2月5日至12日放假调休，共8天。2月14日（周日）、2月20日（周六）上班。"
        )
        self.year = QSpinBox()
        self.year.setRange(2004, 2100)
        self.year.setValue(year)
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(QLabel("年份："))
        row.addWidget(self.year)
        row.addStretch(1)
        lay.addLayout(row)
        lay.addWidget(self.text, 1)
        buttons = dialog_buttons(self, "识别并导入")
        lay.addWidget(buttons)


class HolidaysPage(QWidget):
    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        top = QHBoxLayout()
        top.addWidget(QLabel("年份："))
        self.year = QSpinBox()
        self.year.setRange(2004, 2100)
        self.year.setValue(date.today().year + 1)
        self.year.valueChanged.connect(lambda _v: self.reload())
        top.addWidget(self.year)
        self.status = QLabel()
        top.addWidget(self.status, 1)

        self.model = DayModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)

        buttons = QHBoxLayout()
        self.import_button = QPushButton("导入文件（表格或通知 .txt）…")
        self.paste_button = QPushButton("粘贴放假通知…")
        self.import_button.clicked.connect(lambda: self.import_file())
        self.paste_button.clicked.connect(lambda: self.paste_notice())
        self.day = DateField(optional=False, placeholder="如 2027-01-01")
        self.kind = QComboBox()
        self.kind.addItems(list(svc.KINDS))
        self.name = QLineEdit()
        self.name.setPlaceholderText("节日名称，如 春节")
        self.add_button = QPushButton("录入")
        self.add_button.clicked.connect(self.add_day)
        self.remove_button = QPushButton("删除所选")
        self.remove_button.clicked.connect(self.remove_selected)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.paste_button)
        buttons.addStretch(1)
        for w in (self.day, self.kind, self.name, self.add_button, self.remove_button):
            buttons.addWidget(w)

        calc = QGroupBox("工作日计算")
        cl = QHBoxLayout(calc)
        self.calc_start = DateField(date.today(), optional=False)
        self.calc_n = QSpinBox()
        self.calc_n.setRange(0, 365)
        self.calc_n.setValue(20)
        self.calc_result = QLabel()
        go = QPushButton("计算")
        go.clicked.connect(self.calculate)
        for w in (
            QLabel("自"),
            self.calc_start,
            QLabel("起第"),
            self.calc_n,
            QLabel("个工作日："),
            go,
            self.calc_result,
        ):
            cl.addWidget(w)
        cl.addStretch(1)

        lay = QVBoxLayout(self)
        title = page_title("节假日设置")
        note = QLabel(
            "内置日历覆盖 2004–2026 年。之后的年份请在国务院办公厅发布放假通知后在此导入，"
            "否则跨入该年的公示期限无法计算。表格列为：日期、类型（节假日/调休上班）、名称。"
        )
        note.setWordWrap(True)
        lay.addWidget(title)
        lay.addWidget(note)
        lay.addLayout(top)
        lay.addWidget(self.table, 1)
        lay.addLayout(buttons)
        lay.addWidget(calc)
        self.reload()

    def refresh(self) -> None:
        self.reload()

    def reload(self) -> None:
        y = self.year.value()
        with self.ctx.read() as s:
            rows = [(r.day, r.kind, r.name) for r in svc.list_days(s, y)]
            status = svc.year_status(s, y)
        self.model.set_rows(rows)
        self.day.set_value(date(y, 1, 1))
        text = {
            "内置": f"{y} 年：使用内置日历（chinese_calendar）",
            "已录入": f"{y} 年：已录入 {len(rows)} 天",  # not-a-state: a holiday year's status
            "未录入": f"{y} 年：尚未录入节假日安排——跨入该年的期限无法计算",  # not-a-state: a holiday year's status
        }[status]
        self.status.setText(text)
        missing = status == "未录入"  # not-a-state: a holiday year's status
        self.status.setStyleSheet("color: #b00020;" if missing else "color: #2e7d32;")

    def _import(self, fn) -> dict | None:
        op = run_op(self, self.ctx, fn, error_title="无法导入")
        if not op.ok:
            return None
        report = op.result
        if report["years"]:
            self.year.setValue(report["years"][0])
        self.reload()
        QMessageBox.information(
            self,
            "导入完成",
            f"已导入 {report['days']} 天（节假日 {report['holidays']} 天，调休上班 {report['makeup_workdays']} 天）。",
        )
        return report

    def import_file(self, path: str | None = None) -> dict | None:
        if not path:
            path, _f = open_file_dialog(
                self, "导入放假安排", str(Path.home()), "放假安排 (*.xlsx *.csv *.txt);;所有文件 (*)"
            )
        if not path:
            return None
        return self._import(lambda s: svc.import_calendar(s, path, None))

    def paste_notice(self, text: str | None = None, year: int | None = None) -> dict | None:
        if text is None:
            dlg = NoticeDialog(self.year.value(), self)
            if dlg.exec() != QDialog.DialogCode.Accepted:
                return None
            text, year = dlg.text.toPlainText(), dlg.year.value()
        import tempfile

        def run(s):
            with tempfile.TemporaryDirectory() as tmp:
                f = Path(tmp) / "放假通知.txt"
                f.write_text(text, encoding="utf-8")
                return svc.import_calendar(s, f, year)

        return self._import(run)

    def add_day(self) -> bool:
        kind, name = self.kind.currentText(), self.name.text()
        work = lambda s: svc.set_day(s, self.day.required("日期"), kind, name)  # noqa: E731
        if not run_op(self, self.ctx, work, error_title="无法录入").ok:
            return False
        self.reload()
        return True

    def remove_selected(self) -> int:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        if not rows:
            return 0
        days = [self.model.rows[i][0] for i in rows]

        def work(s):
            for day in days:
                svc.remove_day(s, day)

        if not run_op(self, self.ctx, work).ok:
            return 0
        self.reload()
        return len(rows)

    def calculate(self) -> str:
        def count():
            with self.ctx.read() as s:
                return svc.add_workdays(s, self.calc_start.required("起算日期"), self.calc_n.value())

        got = attempt(count, shown=ignore)
        if got.ok:
            d = got.result
            text = f"{d.isoformat()}（星期{'一二三四五六日'[d.weekday()]}）"
            self.calc_result.setStyleSheet("")
        else:
            text = got.message
            self.calc_result.setStyleSheet("color: #b00020;")
        self.calc_result.setText(text)
        return text


PAGE = PageSpec("holidays", "节假日设置", "检查与公示", 48, HolidaysPage)
