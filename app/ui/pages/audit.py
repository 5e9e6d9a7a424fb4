"""审计日志: filter the hash-chained log by user, action, entity, date and text; verify the chain."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from operator import itemgetter
from typing import NamedTuple

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.models.vocabulary import Role
from app.services.foundation import audit, audit_text, listings
from app.services.foundation.audit_export import ENTITY_NAMES, describe, export_audit, local_time
from app.services.rules import policies
from app.ui.context import AppContext
from app.ui.files import save_file_dialog, show_saved
from app.ui.operations import run_op
from app.ui.pages import PageSpec
from app.ui.tables import Column, TableModel, table_view
from app.ui.widgets import DateField

ALL = "（全部）"
LIMIT = listings.AUDIT_LIMIT


class AuditLine(NamedTuple):
    """One entry as the table shows it, written in the worker (a long log: the summaries take a while)."""

    seq: int
    time: str
    person: str
    action: str
    entity: str
    entity_id: str
    summary: str
    entry: object  # the AuditEntry, for the detail below the table


def audit_lines(entries, names: dict[str, str]) -> list[AuditLine]:
    return [
        AuditLine(
            e.seq,
            local_time(e.ts),
            listings.person_text(names, e.user),
            e.action,
            ENTITY_NAMES.get(e.entity, e.entity),
            "" if e.entity_id is None else str(e.entity_id),
            audit_text.readable_summary(describe(e), names),
            e,
        )
        for e in entries
    ]


class AuditModel(TableModel):
    HEADERS = ("序号", "时间", "用户", "操作", "对象", "编号", "摘要")
    rows: list[AuditLine]
    SEQ, TIME, USER, ACTION, ENTITY, ENTITY_ID, SUMMARY = range(7)

    def __init__(self, parent=None):
        super().__init__(
            parent,
            columns=[Column("序号", lambda r: r.seq)]
            + [Column(t, itemgetter(i), align_right=False) for i, t in enumerate(self.HEADERS) if i]
        )
        self.names: dict[str, str] = {}  # username → person's name (listings.display_names)

    def person(self, who: str | None) -> str:
        """A person's name for an account (or the command line for ``os:…``), never a login name."""
        return listings.person_text(self.names, who)

    def entry(self, row: int):
        return self.rows[row].entry


class AuditPage(QWidget):
    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        lay = QVBoxLayout(self)
        title = QLabel("<b>审计日志</b>　每一次数据变更都记录在此，并以哈希链相连，任何删改都能被校验发现。")
        title.setWordWrap(True)
        lay.addWidget(title)

        row = QHBoxLayout()
        self.user = QComboBox()
        self.action = QComboBox()
        self.entity = QComboBox()
        for combo in (self.user, self.action, self.entity):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.setMinimumContentsLength(6)
        self.date_from = DateField(date.today() - timedelta(days=90), optional=False)
        self.date_to = DateField(date.today(), optional=False)
        for d in (self.date_from, self.date_to):
            d.edit.setMaximumWidth(d.fontMetrics().horizontalAdvance("2026-11-01") + 16)
            d.edit.returnPressed.connect(self.apply_filters)
        self.text = QLineEdit()
        self.text.setObjectName("search")
        self.text.setPlaceholderText("摘要、对象编号或内容中的文字")
        self.text.returnPressed.connect(self.apply_filters)
        self.search_button = QPushButton("查询")
        self.search_button.clicked.connect(self.apply_filters)
        for label, w in (
            ("用户", self.user),
            ("操作", self.action),
            ("对象", self.entity),
            ("从", self.date_from),
            ("到", self.date_to),
        ):
            row.addWidget(QLabel(label))
            row.addWidget(w)
        row.addWidget(self.text, 1)
        row.addWidget(self.search_button)
        lay.addLayout(row)

        row = QHBoxLayout()
        self.count_label = QLabel()
        self.export_button = QPushButton("导出 Excel…")
        self.export_button.clicked.connect(self.export)
        self.verify_button = QPushButton("校验哈希链")
        self.verify_button.clicked.connect(self.verify)
        self.verify_label = QLabel()
        self.verify_label.setWordWrap(True)
        row.addWidget(self.count_label)
        row.addStretch(1)
        row.addWidget(self.verify_label, 2)
        row.addWidget(self.export_button)
        row.addWidget(self.verify_button)
        lay.addLayout(row)

        self.model = AuditModel(self)
        self.table = table_view(self.model, key="audit", multi=False)
        self.proxy = self.table.model()
        self.table.sortByColumn(AuditModel.SEQ, Qt.SortOrder.DescendingOrder)
        self.table.selectionModel().currentRowChanged.connect(self._show_detail)
        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.detail.setPlaceholderText("选择一条记录查看修改前后的内容和哈希。")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        lay.addWidget(split, 1)
        self._load_op = None  # the running load (run_op), if any
        self._again: bool | None = None  # a load asked while one runs: None, or whether it reloads the choices
        self._first_load = True  # the first load starts the date range at the log's first day
        self.refresh()

    def _load(self, choices: bool) -> None:
        """Read the log (and, with ``choices``, the users/actions/objects it names) off the UI thread: a long
        log takes seconds; the rows fill the table when they arrive, the newest request wins."""
        if self._load_op is not None and not self._load_op.done.is_set():
            self._again = bool(self._again) or choices
            return
        f, first = self.audit_filter(), self._first_load

        def work(s):
            found = listings.audit_choices(s) if choices else None
            wanted = f
            if first and found is not None and found.first_day:
                wanted = replace(f, date_from=date.fromisoformat(local_time(found.first_day)[:10]))
            names = listings.display_names(s)
            return found, names, audit_lines(listings.audit_entries(s, wanted), names), first

        self.count_label.setText("正在读取……")
        self._load_op = run_op(
            self,
            self.ctx,
            work,
            read=True,
            background=True,
            quiet=True,
            success=self._loaded,
            failure=self._load_failed,
            error_title="审计日志",
        )

    def _load_failed(self, _exc) -> bool:
        self._load_op = None
        self.count_label.setText("")
        return self._next_load()

    def _next_load(self) -> bool:
        again, self._again = self._again, None
        if again is not None:
            self._load(again)
            return True
        return False

    def _loaded(self, result) -> None:
        self._load_op = None
        choices, names, rows, first = result
        self.model.names = names
        if choices is not None:
            self._show_choices(choices)
            if first:
                self._first_load = False
                if choices.first_day:
                    self.date_from.setText(local_time(choices.first_day)[:10])
                self.date_to.set_value(date.today())
        if self._next_load():  # the filters changed meanwhile: these rows are stale
            return
        self.model.set_rows(rows)
        more = f"（只显示最近 {LIMIT} 条，请缩小范围）" if len(rows) >= LIMIT else ""
        self.count_label.setText(f"共 {len(rows)} 条{more}")
        self.detail.clear()

    def _show_choices(self, choices) -> None:
        users, actions, entities = choices.users, choices.actions, choices.entities
        people = {u: self.model.person(u) for u in users}
        for combo, values, names in (
            (self.user, users, people),
            (self.action, actions, {}),
            (self.entity, entities, ENTITY_NAMES),
        ):
            keep = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(ALL, None)
            for v in values:
                combo.addItem(names.get(v, v), v)
            i = combo.findData(keep)
            combo.setCurrentIndex(max(i, 0))
            combo.blockSignals(False)

    def audit_filter(self) -> listings.AuditFilter:
        return listings.AuditFilter(
            user=self.user.currentData(),
            action=self.action.currentData(),
            entity=self.entity.currentData(),
            date_from=self.date_from.value(),
            date_to=self.date_to.value(),
            text=self.text.text(),
        )

    def apply_filters(self) -> None:
        self._load(choices=False)

    def refresh(self) -> None:
        self._load(choices=True)

    def _show_detail(self, current, _previous) -> None:
        if not current.isValid():
            self.detail.clear()
            return
        e = self.model.entry(self.proxy.mapToSource(current).row())
        self.detail.setPlainText(
            f"第 {e.seq} 条　{local_time(e.ts)}　{self.model.person(e.user)}　{e.action}　"
            f"{ENTITY_NAMES.get(e.entity, e.entity)} {e.entity_id}\n"
            f"摘要：{audit_text.readable_summary(e.summary, self.model.names) or '（无）'}\n\n"
            + (
                "\n".join(audit_text.change_lines(e.before, e.after, self.model.names | policies.preset_names()))
                or "（没有字段变化）"
            )
            + f"\n\n前一条哈希：{e.prev_hash}\n本条哈希：{e.hash}"
        )

    def filter_text(self) -> str:
        parts = [
            f"{label}：{combo.currentText()}"
            for label, combo in (("用户", self.user), ("操作", self.action), ("对象", self.entity))
            if combo.currentData()
        ]
        parts.append(
            f"日期：{self.date_from.text()} 至 {self.date_to.text()}"
        )
        if self.text.text().strip():
            parts.append(f"文字：{self.text.text().strip()}")
        return "；".join(parts)

    def export(self) -> None:
        """The rows shown (same filters) to an Excel file, with the chain's verification result."""
        from pathlib import Path

        from app.paths import exports_dir

        default = str(exports_dir() / f"审计日志-{datetime.now():%Y%m%d-%H%M}.xlsx")
        path, _ = save_file_dialog(self, "导出审计日志", default, "Excel 工作簿 (*.xlsx)")
        if not path:
            return
        if not path.lower().endswith(".xlsx"):
            path += ".xlsx"
        f, filters = self.audit_filter(), self.filter_text()

        def work(s):
            entries = listings.audit_entries(s, f)
            export_audit(s, reversed(entries), path, filters=filters)
            return len(entries)

        op = run_op(self, self.ctx, work, read=True, error_title="导出失败")
        if op.ok:
            show_saved(self, path, f"已导出 {op.result} 条审计记录到：\n{path}", "导出完成")
            self.last_export = Path(path)

    def verify(self) -> None:
        """Recompute the whole chain off the UI thread (a long log takes a while); show the result."""
        self.verify_button.setEnabled(False)
        self.verify_label.setStyleSheet("")
        self.verify_label.setText("正在校验……")
        run_op(
            self,
            self.ctx,
            audit.verify,
            read=True,
            background=True,
            title="正在校验审计日志……",
            success=self._verified,
            failure=self._verify_failed,
        )

    def _verified(self, result) -> None:
        self.verify_button.setEnabled(True)
        self.last_result = result
        color = "#1b7f3b" if result.ok else "#b00020"
        self.verify_label.setStyleSheet(f"color: {color}; font-weight: bold;")
        self.verify_label.setText(("✔ " if result.ok else "✘ ") + result.message)
        if result.ok:
            QMessageBox.information(self, "审计日志校验", result.message)
        else:
            QMessageBox.critical(
                self, "审计日志校验", result.message + "\n\n请立即联系管理员，并保留当前数据库文件以便核查。"
            )

    def _verify_failed(self, exc) -> None:
        self.verify_button.setEnabled(True)
        self.verify_label.setStyleSheet("color: #b00020;")
        self.verify_label.setText("校验未能完成。")


PAGE = PageSpec(
    key="audit",
    title="审计日志",
    group="系统",
    order=92,
    factory=AuditPage,
    roles=(Role.ADMIN, Role.LEADER, Role.REVIEWER),
)
