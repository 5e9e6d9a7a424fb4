"""涉企检查频次 in the GUI: an enterprise's inspection calendar and the one-by-one entry of another body's check
(the same core function as `ssj checks add`), what freezing shows (objects at the limit, objects drawn by another
task) with the exclusion of the former, and the 内部联合 merge of an object's inspections drawn by two tasks."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.services.draw import frequency
from app.services.outcomes import joint
from app.ui.operations import run_op
from app.ui.tables import Column, TableModel, table_view
from app.ui.widgets import DateField, dialog_buttons

METHODS = ("现场检查", "书面核查", "视频检查", "网络监测", "信息共享", "非现场检查")



def error_row(form) -> QLabel:
    """The red line under a dialog's fields where what is missing or wrong is said."""
    label = QLabel()
    label.setStyleSheet("color:#b00020")
    label.setWordWrap(True)
    form.addRow(label)
    return label


def checked_day(field, error: QLabel):
    """The date typed in `field`, or None after saying in `error` what is wrong with it."""
    day = field.value()
    if day is None:
        error.setText(field.error or "请填写检查日期，如 2026-05-12。")
    return day

class CheckDialog(QDialog):
    """录入其他部门的一次检查: date (DateField), 检查机关, 检查事项, 检查方式 → `frequency.add_check`."""

    def __init__(self, ctx, uscc: str, name: str = "", parent=None):
        super().__init__(parent)
        self.ctx, self.uscc = ctx, uscc
        self.check_id: int | None = None
        self.setWindowTitle("录入其他部门的检查")
        form = QFormLayout(self)
        form.addRow(QLabel(f"<b>{name or uscc}</b>（{uscc}）"))
        self.day = DateField(date.today(), optional=False)
        self.authority = QLineEdit()
        self.authority.setPlaceholderText("如：县市场监督管理局")
        self.items = QLineEdit()
        self.items.setPlaceholderText("如：特种设备安全检查")
        self.method = QComboBox()
        self.method.setEditable(True)
        self.method.addItems(METHODS)
        form.addRow("检查日期 *", self.day)
        form.addRow("检查机关 *", self.authority)
        form.addRow("检查事项", self.items)
        form.addRow("检查方式", self.method)
        self.error = error_row(form)
        form.addRow(dialog_buttons(self, "保存", on_accept=self.save))
        self.setMinimumWidth(460)

    def save(self) -> None:
        day = checked_day(self.day, self.error)
        if day is None:
            return
        if not self.authority.text().strip():
            self.error.setText("请填写检查机关。")
            return
        values = dict(
            uscc=self.uscc,
            authority=self.authority.text(),
            check_date=day,
            items=self.items.text(),
            method=self.method.currentText(),
        )

        def failure(exc) -> bool:
            message = getattr(exc, "message", None)
            if message:
                self.error.setText(message)
                return True
            return False

        op = run_op(
            self, self.ctx, lambda s: frequency.add_check(s, **values).id, error_title="无法保存", failure=failure
        )
        if op.ok:
            self.check_id = op.result
            self.accept()


CALENDAR_COLUMNS = [
    Column("检查日期", lambda c: c["date"] or "待检查"),
    Column("检查机关", lambda c: c["by"]),
    Column("来源", lambda c: c["source"]),
    Column("任务/检查事项", lambda c: c["task"]),
    Column("方式", lambda c: "现场" if c["onsite"] else "非现场"),
]


class CalendarDialog(QDialog):
    """An enterprise's inspection calendar of the year: every check from every source; 录入检查… adds one."""

    def __init__(self, ctx, uscc: str, year: int | None = None, parent=None):
        super().__init__(parent)
        self.ctx, self.uscc, self.year = ctx, uscc, year or date.today().year
        self.setWindowTitle("检查日历")
        lay = QVBoxLayout(self)
        self.head = QLabel()
        self.head.setWordWrap(True)
        self.head.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.head)
        self.model = TableModel(self, columns=CALENDAR_COLUMNS)
        self.view = table_view(self.model, key="frequency.calendar", multi=False)
        lay.addWidget(self.view, 1)
        row = QHBoxLayout()
        self.add_btn = QPushButton("录入其他部门的检查…")
        self.add_btn.clicked.connect(self.add_check)
        close = QPushButton("关闭")
        close.clicked.connect(self.accept)
        row.addWidget(self.add_btn)
        row.addStretch(1)
        row.addWidget(close)
        lay.addLayout(row)
        self.resize(820, 420)
        self.reload()

    def reload(self) -> None:
        uscc, year = self.uscc, self.year
        op = run_op(self, self.ctx, lambda s: frequency.calendar(s, uscc, year), read=True)
        if not op.ok:
            return
        cal = self.data = op.result
        self.setWindowTitle(f"检查日历 — {cal['name'] or cal['uscc']}")
        limit = cal["limit"]
        line = (
            f"<b>{cal['name']}</b>（{cal['uscc']}）　{cal['year']} 年共受检 <b>{cal['count']}</b> 次，"
            f"其中现场 {cal['onsite']} 次"
        )
        if limit is not None:
            color = "#b00020" if cal["at_limit"] else "#1b7f3b"
            state = "已达到上限" if cal["at_limit"] else "未达到上限"
            line += f"；本单位上限每年现场检查 {limit} 次：<span style='color:{color}'>{state}</span>"
        self.head.setText(line)
        self.model.set_rows(cal["checks"])

    def add_check(self) -> CheckDialog:
        dlg = CheckDialog(self.ctx, self.uscc, self.data.get("name", ""), self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.reload()
        return dlg


class FreezeNotesDialog(QDialog):
    """Before freezing: objects in scope already at the limit (tick to exclude) and objects drawn by another task."""

    def __init__(self, notes: dict, parent=None):
        super().__init__(parent)
        self.setWindowTitle("冻结前：涉企检查频次")
        lay = QVBoxLayout(self)
        self.boxes: dict[str, QCheckBox] = {}
        inner = QWidget()
        il = QVBoxLayout(inner)
        if notes["at_limit"]:
            il.addWidget(
                QLabel(
                    f"<b>本年度已达到检查频次上限（每家每年现场检查 {notes['limit']} 次）的范围内对象"
                    f" {len(notes['at_limit'])} 家</b><br>依据：{notes['basis']}<br>"
                    "勾选的对象不参加本次抽取。剔除只决定抽谁，应抽数不变；剔除的对象和原因打印在抽取前公示单上。"
                )
            )
            for x in notes["at_limit"]:
                box = QCheckBox(f"{x['name']}（{x['uscc']}）　{x['stratum']}　本年度现场检查 {x['onsite']} 次")
                self.boxes[x["uscc"]] = box
                il.addWidget(box)
        if notes["drawn_elsewhere"]:
            il.addWidget(
                QLabel(
                    f"<b>本期已被其他任务抽中的范围内对象 {len(notes['drawn_elsewhere'])} 家</b><br>"
                    "再次抽中时，可在“合并检查…”中合并为一次内部联合检查。"
                )
            )
            for x in notes["drawn_elsewhere"]:
                label = QLabel(f"{x['name']}（{x['uscc']}）：{'、'.join(x['tasks'])}")
                label.setWordWrap(True)
                il.addWidget(label)
        il.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        lay.addWidget(scroll, 1)
        lay.addWidget(dialog_buttons(self, "冻结"))
        self.resize(720, 460)

    def excluded(self) -> list[str]:
        return [code for code, box in self.boxes.items() if box.isChecked()]


class VisitResultDialog(QDialog):
    """The merged visit's result, entered once and recorded in every task's results (`joint.save_visit_outcome`)."""

    def __init__(self, ctx, visit: dict, parent=None):
        from app.services.outcomes import outcomes

        super().__init__(parent)
        self.ctx, self.visit = ctx, visit
        self.setWindowTitle("录入合并检查结果")
        form = QFormLayout(self)
        tasks = "、".join(t["name"] for t in visit["tasks"])
        note = QLabel(f"<b>{visit['name']}</b>（{visit['uscc']}）<br>结果记入：{tasks}")
        note.setWordWrap(True)
        form.addRow(note)
        self.day = DateField(date.today(), optional=False)
        self.method = QComboBox()
        self.method.addItems(outcomes.METHODS)
        self.result = QComboBox()
        self.result.setEditable(True)
        op = run_op(self, ctx, lambda s: [p.phrase for p in outcomes.phrases(s)], read=True)
        self.result.addItems(op.result if op.ok else [])
        self.findings = QLineEdit()
        form.addRow("检查日期 *", self.day)
        form.addRow("检查方式 *", self.method)
        form.addRow("检查结果 *", self.result)
        form.addRow("发现问题", self.findings)
        self.error = error_row(form)
        form.addRow(dialog_buttons(self, "保存", on_accept=self.save))
        self.setMinimumWidth(480)

    def save(self) -> None:
        day = checked_day(self.day, self.error)
        if day is None:
            return
        data = {
            "check_date": day,
            "method": self.method.currentText(),
            "result": self.result.currentText(),
            "findings": self.findings.text(),
        }
        visit = self.visit["id"]

        def failure(exc) -> bool:
            message = getattr(exc, "message", None)
            if message:
                self.error.setText(message)
                return True
            return False

        op = run_op(
            self,
            self.ctx,
            lambda s: len(joint.save_visit_outcome(s, visit, data)),
            error_title="无法保存",
            failure=failure,
        )
        if op.ok:
            self.accept()


PROPOSAL_COLUMNS = [
    Column("对象", lambda p: p["name"]),
    Column("统一社会信用代码", lambda p: p["uscc"]),
    Column("抽中任务", lambda p: [t["name"] for t in p["tasks"]]),
    Column("合并检查事项", lambda p: p["items"]),
    Column("检查组", lambda p: [m["name"] for m in p["team"]] or p["team_problem"]),
    Column("决定", lambda p: p["state"] + (f"（{p['reason']}）" if p["reason"] else "")),
]


class JointVisitsDialog(QDialog):
    """内部联合: objects drawn by two or more tasks of the period; 同意合并 / 不合并 / 打印检查通知书."""

    def __init__(self, ctx, period: str, parent=None):
        super().__init__(parent)
        self.ctx, self.period = ctx, period
        self.setWindowTitle(f"合并检查（内部联合）— {period}")
        lay = QVBoxLayout(self)
        self.head = QLabel()
        self.head.setWordWrap(True)
        lay.addWidget(self.head)
        self.model = TableModel(self, columns=PROPOSAL_COLUMNS)
        self.view = table_view(self.model, key="frequency.joint", multi=False)
        lay.addWidget(self.view, 1)
        row = QHBoxLayout()
        self.accept_btn = QPushButton("同意合并")
        self.accept_btn.clicked.connect(self.accept_selected)
        self.refuse_btn = QPushButton("不合并…")
        self.refuse_btn.clicked.connect(self.refuse_selected)
        self.notice_btn = QPushButton("打印检查通知书")
        self.notice_btn.clicked.connect(self.print_notice)
        self.result_btn = QPushButton("录入检查结果…")
        self.result_btn.setToolTip("合并检查的结果只录入一次，记入各任务的检查结果")
        self.result_btn.clicked.connect(self.enter_result)
        close = QPushButton("关闭")
        close.clicked.connect(self.accept)
        for b in (self.accept_btn, self.refuse_btn, self.notice_btn, self.result_btn):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(close)
        lay.addLayout(row)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._enable())
        self.resize(1100, 460)
        self.reload()

    def reload(self) -> None:
        period = self.period
        op = run_op(self, self.ctx, lambda s: joint.proposals(s, period), read=True)
        rows = op.result if op.ok else []
        self.model.set_rows(rows)
        waiting = sum(1 for p in rows if p["state"] == joint.UNDECIDED)
        self.head.setText(
            f"{period} 被本单位两项及以上抽查任务同时抽中的对象 {len(rows)} 家，待决定 {waiting} 家。"
            "同意合并：一次入企，检查事项合并，由其中一项任务抽取的检查组（至少 2 名持证执法人员，回避不变）"
            "实施，只发一份检查通知书，检查结果记入各任务，统计为内部联合。"
            if rows
            else f"{period} 没有被两项及以上抽查任务同时抽中的对象。"
        )
        if rows:
            self.view.selectRow(0)
        self._enable()

    def selected(self) -> dict | None:
        idx = self.view.currentIndex()
        if not idx.isValid():
            return None
        return self.view.model().data(idx, Qt.ItemDataRole.UserRole)

    def _enable(self) -> None:
        p = self.selected()
        undecided = p is not None and p["state"] == joint.UNDECIDED
        self.accept_btn.setEnabled(undecided and bool(p["team"]))
        self.refuse_btn.setEnabled(undecided)
        self.notice_btn.setEnabled(p is not None and p["state"] == joint.MERGED)
        self.result_btn.setEnabled(p is not None and p["state"] == joint.MERGED)

    def accept_selected(self) -> None:
        p = self.selected()
        if p is None:
            return
        period, code = self.period, p["uscc"]
        op = run_op(self, self.ctx, lambda s: joint.accept(s, period, code).id, error_title="无法合并")
        if op.ok:
            self.reload()

    def refuse_selected(self, reason: str | None = None) -> None:
        p = self.selected()
        if p is None:
            return
        if reason is None:
            reason, ok = QInputDialog.getText(self, "不合并", f"{p['name']} 各任务分别检查的原因：")
            if not ok:
                return
        period, code = self.period, p["uscc"]
        op = run_op(self, self.ctx, lambda s: joint.refuse(s, period, code, reason).id, error_title="无法保存")
        if op.ok:
            self.reload()

    def print_notice(self) -> Path | None:
        p = self.selected()
        if p is None or p["id"] is None:
            return None
        out = Path(tempfile.mkdtemp(prefix="ssj-")) / f"内部联合检查通知书-{p['uscc']}.pdf"
        visit = p["id"]
        op = run_op(self, self.ctx, lambda s: joint.notice_pdf(s, visit, out), read=True, error_title="无法生成")
        if not op.ok:
            return None
        from app.ui.pdf_preview import preview

        preview(out, "检查通知书（内部联合）", self)
        return out

    def enter_result(self) -> VisitResultDialog | None:
        p = self.selected()
        if p is None or p["state"] != joint.MERGED:
            return None
        dlg = VisitResultDialog(self.ctx, p, self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.reload()
        return dlg
