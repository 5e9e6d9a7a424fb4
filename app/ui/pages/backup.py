"""备份与恢复: back up to a folder or USB stick, list backups, restore with confirmation, rotation count."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.models.vocabulary import Role
from app.paths import backups_dir
from app.services.draw import draws  # noqa: F401 - registers the draw-chain check of restore candidates
from app.services.foundation import backup as bk
from app.services.foundation.context import acting_as
from app.ui.context import AppContext
from app.ui.files import folder_dialog, open_file_dialog
from app.ui.operations import attempt, run_op
from app.ui.pages import PageSpec
from app.ui.widgets import RowsTableModel, button_row, record_table

log = logging.getLogger(__name__)


def choose_and_backup(parent, ctx: AppContext, folder: str | None = None) -> bk.BackupInfo | None:
    """Ask for a folder (a USB stick…), back up into it, and say where the file went."""
    if ctx.db.sqlite_file is None:
        QMessageBox.information(parent, "备份", bk.PG_MESSAGE)
        return None
    if not folder:
        folder = folder_dialog(parent, "选择备份位置（如 U 盘）", str(Path.home()))
    if not folder:
        return None

    def run():
        with acting_as(ctx.actor):
            return bk.backup_to(ctx.db, folder)

    done = attempt(run, shown=lambda m: QMessageBox.critical(parent, "备份失败", m))
    if not done.ok:
        return None
    info = done.result
    QMessageBox.information(
        parent,
        "备份完成",
        f"已备份到：\n{info.path}\n\n大小 {info.size_text}。请妥善保管此文件，恢复时在“备份与恢复”中选择它。",
    )
    return info


def choose_and_restore(parent, ctx: AppContext, path: str | None = None) -> bk.RestoreResult | None:
    """Pick a backup file, show what it holds, ask for confirmation, restore, reload the window."""
    if ctx.db.sqlite_file is None:
        QMessageBox.information(parent, "恢复", bk.PG_MESSAGE)
        return None
    if ctx.actor.role != Role.ADMIN:
        QMessageBox.warning(parent, "恢复", "只有管理员可以从备份恢复数据库。")
        return None
    if not path:
        path, _filter = open_file_dialog(
            parent, "选择备份文件", str(backups_dir()), "数据库备份 (*.sqlite3 *.db);;所有文件 (*)"
        )
    if not path:
        return None
    checked = attempt(lambda: bk.check_backup(path), shown=lambda m: QMessageBox.critical(parent, "无法恢复", m))
    if not checked.ok:
        return None
    check = checked.result
    _kind, when = bk._parse_name(Path(path))
    lines = [f"备份文件：{Path(path).name}"]
    if when:
        lines.append(f"备份时间：{when:%Y-%m-%d %H:%M:%S}")
    lines += [
        f"单位：{check.office}",
        f"检查对象 {check.objects} 个，账户 {check.users} 个，审计记录 {check.audit_count} 条。",
    ]
    if check.office != ctx.office_name:
        lines.append(f"\n注意：此备份属于“{check.office}”，与当前单位“{ctx.office_name}”不同！")
    lines += check.warnings
    lines.append("\n恢复后，当前数据库的内容将被备份中的内容替换（替换前会自动另存一份“恢复前备份”）。确定恢复？")
    answer = QMessageBox.question(
        parent,
        "确认恢复",
        "\n".join(lines),
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    if answer != QMessageBox.StandardButton.Yes:
        return None

    def run():
        with acting_as(ctx.actor):
            return bk.restore(ctx.db, path)

    done = attempt(run, shown=lambda m: QMessageBox.critical(parent, "恢复失败", m))
    if not done.ok:
        return None
    result = done.result
    log.info("已从 %s 恢复", path)
    reload = ctx.extras.get("on_restored")
    if callable(reload):
        reload()
    kept = f"\n原数据库已另存为：\n{result.kept_backup}" if result.kept_backup else ""
    QMessageBox.information(parent, "恢复完成", f"已从 {result.restored_from.name} 恢复（{result.office}）。{kept}")
    return result


class BackupModel(RowsTableModel):
    HEADERS = ("备份时间", "类型", "单位", "大小", "文件")
    rows: list[bk.BackupInfo]

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        b = self.rows[index.row()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return str(b.path)
        return [b.created.strftime("%Y-%m-%d %H:%M:%S"), b.kind, b.office, b.size_text, b.path.name][index.column()]


class BackupPage(QWidget):
    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.folder = backups_dir()
        lay = QVBoxLayout(self)
        intro = QLabel(
            "<b>备份与恢复</b>　程序每天第一次启动和每次关闭时自动备份到数据目录；"
            "也可以随时备份到 U 盘等位置。恢复前会检查备份文件，并把当前数据另存一份。"
        )
        intro.setWordWrap(True)
        lay.addWidget(intro)
        self.pg_note = QLabel(bk.PG_MESSAGE)
        self.pg_note.setWordWrap(True)
        self.pg_note.setStyleSheet("color: #a15c00;")
        lay.addWidget(self.pg_note)
        self.last_label = QLabel()
        lay.addWidget(self.last_label)

        self.backup_button = QPushButton("备份到文件夹 / U 盘…")
        self.backup_button.clicked.connect(self.backup_to_folder)
        self.backup_here_button = QPushButton("立即备份到数据目录")
        self.backup_here_button.clicked.connect(self.backup_to_data_dir)
        self.restore_file_button = QPushButton("从文件恢复…")
        self.restore_file_button.clicked.connect(lambda: self.restore(None))
        self.restore_selected_button = QPushButton("恢复选中的备份…")
        self.restore_selected_button.clicked.connect(self.restore_selected)
        lay.addLayout(
            button_row(
                self.backup_button,
                self.backup_here_button,
                self.restore_file_button,
                self.restore_selected_button,
                None,
            )
        )

        row = QHBoxLayout()
        self.folder_label = QLabel()
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.browse_button = QPushButton("查看其他文件夹…")
        self.browse_button.clicked.connect(self.browse)
        self.default_button = QPushButton("回到数据目录")
        self.default_button.clicked.connect(lambda: self.show_folder(backups_dir()))
        row.addWidget(self.folder_label, 1)
        row.addWidget(self.browse_button)
        row.addWidget(self.default_button)
        lay.addLayout(row)

        self.model = BackupModel(self)
        self.table = record_table(self.model, self, key="backups")
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _i: self.restore_selected())
        lay.addWidget(self.table, 1)

        box = QGroupBox("自动备份")
        brow = QHBoxLayout(box)
        brow.addWidget(QLabel("保留最近"))
        self.keep = QSpinBox()
        self.keep.setRange(bk.MIN_KEEP, bk.MAX_KEEP)
        self.keep.setSuffix(" 份")
        brow.addWidget(self.keep)
        brow.addWidget(QLabel("自动备份（手动备份和“恢复前备份”不会被自动删除）"))
        self.save_keep_button = QPushButton("保存")
        self.save_keep_button.clicked.connect(self.save_keep)
        brow.addStretch(1)
        brow.addWidget(self.save_keep_button)
        lay.addWidget(box)

        is_pg = ctx.db.sqlite_file is None
        self.pg_note.setVisible(is_pg)
        for w in (
            self.backup_button,
            self.backup_here_button,
            self.restore_file_button,
            self.restore_selected_button,
            self.save_keep_button,
            self.keep,
        ):
            w.setEnabled(not is_pg)
        if ctx.actor.role != Role.ADMIN:
            for w in (self.restore_file_button, self.restore_selected_button, self.save_keep_button, self.keep):
                w.setEnabled(False)
                w.setToolTip("只有管理员可以恢复数据库或修改设置。")
        self.refresh()

    def refresh(self) -> None:
        from datetime import date

        with self.ctx.read() as s:
            self.keep.setValue(bk.get_keep(s))
            card = bk.dashboard_items(s, date.today())
        auto = [b for b in bk.list_backups(backups_dir()) if b.kind == bk.AUTO]
        parts = [f"最近自动备份：{auto[0].created:%Y-%m-%d %H:%M}" if auto else "尚无自动备份"]
        if card:
            parts.append(f"最近手动备份：{card[0]['value']}")
        self.last_label.setText("　·　".join(parts))
        self.last_label.setStyleSheet("color: #a15c00;" if card and card[0]["level"] == "warn" else "")
        self.show_folder(self.folder)

    def show_folder(self, folder) -> None:
        self.folder = Path(folder)
        items = bk.list_backups(self.folder)
        self.model.set_rows(items)
        self.folder_label.setText(f"文件夹：{self.folder}（{len(items)} 个备份）")

    def browse(self) -> None:
        folder = folder_dialog(self, "选择存放备份的文件夹", str(self.folder))
        if folder:
            self.show_folder(folder)

    def backup_to_folder(self) -> None:
        info = choose_and_backup(self, self.ctx)
        if info is not None:
            self.show_folder(info.path.parent)

    def backup_to_data_dir(self) -> None:
        info = choose_and_backup(self, self.ctx, str(backups_dir()))
        if info is not None:
            self.show_folder(backups_dir())

    def selected(self) -> bk.BackupInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.rows[rows[0].row()] if rows else None

    def restore_selected(self) -> None:
        b = self.selected()
        if b is None:
            QMessageBox.information(self, "恢复", "请先在列表中选择一个备份。")
            return
        self.restore(str(b.path))

    def restore(self, path: str | None) -> None:
        result = choose_and_restore(self, self.ctx, path)
        if result is not None:
            self.show_folder(self.folder)

    def save_keep(self) -> None:
        if not run_op(self, self.ctx, lambda s: bk.set_keep(s, self.keep.value()), error_title="自动备份").ok:
            return
        QMessageBox.information(self, "自动备份", f"已保存：保留最近 {self.keep.value()} 份自动备份。")


PAGE = PageSpec(key="backup", title="备份与恢复", group="系统", order=91, factory=BackupPage)
