"""随机抽取: freeze the pool (fingerprint, 抽取前公示单) → seed entered once, shown large → draw → teams →
确认 / 作废 → export; with the history of every draw, voided ones included."""

from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.models.vocabulary import DrawState
from app.services.draw import attempts, draws, selection
from app.services.draw import documents as draw_documents
from app.services.foundation import permissions
from app.services.foundation.periods import parse_period, period_choices
from app.services.foundation.timefmt import local_text
from app.services.rules import plans
from app.ui.context import AppContext
from app.ui.files import folder_dialog, show_saved
from app.ui.operations import run_op
from app.ui.pages import PageSpec
from app.ui.tables import ROW_ROLE, Column, TableModel, table_view
from app.ui.widgets import RowsTableModel, button_row, confirm_irreversible

NO_TASK = "（不定向：全部对象库）"


def _mono(size: int, bold: bool = True) -> QFont:
    font = QFont("Monospace")
    font.setStyleHint(QFont.StyleHint.TypeWriter)
    font.setPointSize(size)
    font.setBold(bold)
    return font


def spaced(seed: str, n: int = 5) -> str:
    return " ".join(seed[i : i + n] for i in range(0, len(seed), n))


class SelectionModel(TableModel):
    """The drawn objects (typed rows from draw.selection); ``ROW_ROLE`` gives the record's entry."""

    COLUMNS = (
        Column("分层", lambda r: f"{r.category} / {r.stratum}"),
        Column("签序", lambda r: r.rank),
        Column("签号", lambda r: r.ticket),
        Column("单位名称", lambda r: r.name),
        Column("统一社会信用代码", lambda r: r.uscc),
        Column("检查组", lambda r: r.team_text),
        Column("备注", lambda r: r.note),
    )

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role == ROW_ROLE and index.isValid():
            return self.rows[index.row()].entry
        return super().data(index, role)


class StrataModel(RowsTableModel):
    """One line per stratum of the record: what the witnesses check against the quota table."""

    HEADERS = ("监管类别", "分层", "检查方式", "比例", "范围（家）", "应抽（家）", "实抽（家）")

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        s = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                s["category"],
                s["stratum"],
                s["mode"],
                s.get("ratio", ""),
                s["pool"],
                s["required"],
                s["drawn"] if "drawn" in s else len(s["selected"]),
            )[index.column()]
        if role == Qt.ItemDataRole.FontRole and s.get("total"):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() >= 4:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class HistoryModel(RowsTableModel):
    HEADERS = ("编号", "期间", "任务", "状态", "随机种子", "抽中", "抽取时间", "作废原因")
    rows: list[dict]

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                r["id"],
                r["period"],
                r["task_id"] or "—",
                r["state"],
                r["seed"] or "—",
                r["selected"],
                local_text(r["drawn_at"]),
                r["void_reason"],
            )[index.column()]
        if role == Qt.ItemDataRole.UserRole:
            return r["id"]
        return None


class ProjectorDialog(QDialog):
    """Full-screen display of the seed and fingerprint for the witnesses (投影显示)."""

    def __init__(self, title: str, seed: str, fingerprint: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle("投影显示")
        self.setStyleSheet("background:#000; color:#fff;")
        lay = QVBoxLayout(self)
        head = QLabel(title)
        head.setAlignment(Qt.AlignmentFlag.AlignCenter)
        head.setFont(_mono(28, False))
        self.seed_label = QLabel(spaced(seed) if seed else "（尚未产生随机种子）")
        self.seed_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.seed_label.setFont(_mono(72))
        self.seed_label.setWordWrap(True)
        fp = QLabel("对象快照指纹\n" + spaced(fingerprint, 16) if fingerprint else "")
        fp.setAlignment(Qt.AlignmentFlag.AlignCenter)
        fp.setFont(_mono(24, False))
        fp.setWordWrap(True)
        close = QPushButton("关闭（Esc）")
        close.clicked.connect(self.accept)
        close.setStyleSheet("color:#000; background:#ddd;")
        lay.addStretch(1)
        lay.addWidget(head)
        lay.addWidget(self.seed_label)
        lay.addWidget(fp)
        lay.addStretch(1)
        lay.addWidget(close, alignment=Qt.AlignmentFlag.AlignCenter)


class DrawPage(QWidget):
    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.draw_id: int | None = None
        self.pending_seed = ""
        self.pending_source = "骰子"
        self.last_export: dict = {}

        # --- step 1: period, task, freeze
        self.period = QComboBox()
        self.period.setEditable(True)
        self.task = QComboBox()
        self.freeze_btn = QPushButton("① 冻结对象范围")
        self.freeze_btn.clicked.connect(self.freeze)
        top = QHBoxLayout()
        top.addWidget(QLabel("期间"))
        top.addWidget(self.period)
        top.addWidget(QLabel("抽查任务"))
        top.addWidget(self.task, 1)
        top.addWidget(self.freeze_btn)

        self.state_label = QLabel("请选择期间和任务，然后冻结对象范围。")
        self.state_label.setWordWrap(True)
        self.fingerprint_label = QLabel("")
        self.fingerprint_label.setFont(_mono(14))
        self.fingerprint_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.print_pre_btn = QPushButton("打印抽取前公示单")
        self.print_pre_btn.clicked.connect(self.print_pre_sheet)

        # --- step 2: seed
        self.seed_edit = QLineEdit()
        self.seed_edit.setPlaceholderText("见证人掷骰子得到的数字，至少 20 位（只能输入一次）")
        self.seed_edit.setFont(_mono(16))
        self.seed_edit.textChanged.connect(self._seed_typed)
        self.generate_btn = QPushButton("计算机生成")
        self.generate_btn.clicked.connect(self.generate_seed)
        # the ceremony: two distinct witnesses, or a written reason (printed on the record) why there were none
        self.witness_edit = QLineEdit()
        self.witness_edit.setPlaceholderText("见证人一姓名（如：王建国，监察室）")
        self.witness2_edit = QLineEdit()
        self.witness2_edit.setPlaceholderText("见证人二姓名（如：李明，企业代表）")
        self.no_witness_edit = QLineEdit()
        self.no_witness_edit.setPlaceholderText("确实无法请到两名见证人时填写原因（打印在抽取记录上）")
        self.seed_big = QLabel("")
        self.seed_big.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.seed_big.setFont(_mono(36))
        self.seed_big.setWordWrap(True)
        self.projector_btn = QPushButton("投影显示（全屏）")
        self.projector_btn.clicked.connect(self.show_projector)
        self.draw_btn = QPushButton("② 抽取")
        self.draw_btn.clicked.connect(self.perform)
        seed_box = QGroupBox("随机种子")
        box = QVBoxLayout(seed_box)
        self.seed_inputs = QWidget()  # hidden once the seed is used: the results get the room
        form = QFormLayout(self.seed_inputs)
        form.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.seed_edit, 1)
        row.addWidget(self.generate_btn)
        form.addRow("骰子数字", row)
        form.addRow("见证人一 *", self.witness_edit)
        form.addRow("见证人二 *", self.witness2_edit)
        form.addRow("无见证人原因", self.no_witness_edit)
        box.addWidget(self.seed_inputs)
        row2 = QHBoxLayout()
        row2.addWidget(self.seed_big, 1)
        row2.addWidget(self.projector_btn)
        row2.addWidget(self.draw_btn)
        box.addLayout(row2)

        # --- step 3: results
        self.onsite_model = SelectionModel(self)
        self.offsite_model = SelectionModel(self)
        self.onsite_view = table_view(self.onsite_model, key="draw.onsite", multi=False)
        self.offsite_view = table_view(self.offsite_model, key="draw.offsite", multi=False)
        self.strata_model = StrataModel(self)
        self.strata_view = table_view(self.strata_model, key="draw.strata", multi=False, sortable=False)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.onsite_view, "现场检查")
        self.tabs.addTab(self.offsite_view, "非现场（单列）")
        self.tabs.addTab(self.strata_view, "分层汇总")
        self.summary_label = QLabel("")
        self.summary_label.setWordWrap(True)
        self.confirm_btn = QPushButton("③ 确认结果")
        self.confirm_btn.clicked.connect(self.confirm)
        self.void_btn = QPushButton("作废…")
        self.void_btn.clicked.connect(self.void)
        self.replace_btn = QPushButton("替换所选对象…")
        self.replace_btn.clicked.connect(self.replace_object)
        self.member_btn = QPushButton("更换检查人员…")
        self.member_btn.clicked.connect(self.replace_member)
        self.print_btn = QPushButton("打印抽取记录")
        self.print_btn.clicked.connect(self.print_record)
        self.export_btn = QPushButton("导出（JSON+PDF+校验程序）…")
        self.export_btn.clicked.connect(self.export)
        self.merge_btn = QPushButton("合并检查…")
        self.merge_btn.setToolTip("同一对象被本单位两项及以上任务同期抽中时，合并为一次内部联合检查")
        self.merge_btn.clicked.connect(self.merge_checks)
        actions = button_row(
            self.confirm_btn,
            self.void_btn,
            self.replace_btn,
            self.member_btn,
            self.print_btn,
            self.export_btn,
            self.merge_btn,
            None,
        )

        current = QWidget()
        cl = QVBoxLayout(current)
        cl.addLayout(top)
        cl.addWidget(self.state_label)
        fp_row = QHBoxLayout()
        fp_row.addWidget(QLabel("快照指纹"))
        fp_row.addWidget(self.fingerprint_label, 1)
        fp_row.addWidget(self.print_pre_btn)
        cl.addLayout(fp_row)
        cl.addWidget(seed_box)
        cl.addWidget(self.summary_label)
        cl.addWidget(self.tabs, 1)
        cl.addLayout(actions)

        # --- history
        self.history_model = HistoryModel(self)
        self.history_view = table_view(self.history_model, key="draw.history", multi=False)
        self.history_view.doubleClicked.connect(self._open_history)
        self.open_btn = QPushButton("打开所选抽取")
        self.open_btn.clicked.connect(lambda: self._open_history(self.history_view.currentIndex()))
        self.chain_btn = QPushButton("校验抽取记录链")
        self.chain_btn.clicked.connect(self.verify_chain)
        hist = QWidget()
        hl = QVBoxLayout(hist)
        hrow = QHBoxLayout()
        hrow.addWidget(QLabel("全部抽取记录（含已作废）"))
        hrow.addStretch(1)
        hrow.addWidget(self.open_btn)
        hrow.addWidget(self.chain_btn)
        hl.addLayout(hrow)
        hl.addWidget(self.history_view)

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(current)
        split.addWidget(hist)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        lay = QVBoxLayout(self)
        lay.addWidget(split)
        self._fill_periods()
        self.refresh()

    # ------------------------------------------------------------------ data
    def _fill_periods(self) -> None:
        self.period.clear()
        self.period.addItems(period_choices("draw"))

    def refresh(self) -> None:
        with self.ctx.read() as s:
            tasks = plans.list_tasks(s)
            task_items = [(f"{t.code} {t.name}（{t.draw_type}）", t.id) for t in tasks]
            history = draws.list_draws(s)
        current = self.task.currentData()
        self.task.clear()
        self.task.addItem(NO_TASK, None)
        for label, tid in task_items:
            self.task.addItem(label, tid)
        if current is not None:
            idx = self.task.findData(current)
            if idx >= 0:
                self.task.setCurrentIndex(idx)
        self.history_model.set_rows(history)
        if self.draw_id is None:  # opening the page shows this period's live draw, if there is one
            period = self.period.currentText().strip()
            live = [r for r in history if r["period"] == period and r["state"] != DrawState.VOIDED]
            if live:
                self.draw_id = max(live, key=lambda r: r["id"])["id"]
        self._load()

    def _load(self) -> None:
        """Show the current draw (self.draw_id) and enable the buttons its state allows."""
        state, record, fingerprint, seed = "", None, "", ""
        if self.draw_id is not None:
            with self.ctx.read() as s:
                d = draws.get_draw(s, self.draw_id)
                state, fingerprint, seed = d.state, d.fingerprint, d.seed
                record = draws.record_of(d) if d.record else None
                head = f"抽取 #{d.id}  {d.period}  任务 {d.task_id or '（不定向）'}  状态：{d.state}"
                if d.exclusions:
                    head += f"  按检查频次剔除 {len(d.exclusions)} 家（见抽取前公示单）"
                if d.state == DrawState.VOIDED:
                    head += f"（{d.void_reason}，{d.voided_by}）"
            self.state_label.setText(head)
        else:
            self.state_label.setText("请选择期间和任务，然后冻结对象范围（冻结后对象库和人员的变动不再影响本次抽取）。")
        self.fingerprint_label.setText(spaced(fingerprint, 16) if fingerprint else "—")
        if seed:
            self.seed_big.setText(spaced(seed))
        elif self.pending_seed:
            self.seed_big.setText(spaced(self.pending_seed))
        else:
            self.seed_big.setText("")
        # the services decide (foundation.permissions); the page only greys out what this role may not do
        may = {
            a: permissions.allowed(a, self.ctx.actor) for a in ("draw.run", "draw.confirm", "draw.void", "draw.replace")
        }
        self.freeze_btn.setEnabled(may["draw.run"])
        frozen = state == DrawState.FROZEN
        self.seed_inputs.setVisible(not seed)
        self.draw_btn.setVisible(not seed)
        self.seed_big.setFont(_mono(18 if seed else 36))
        self.seed_edit.setEnabled(frozen and may["draw.run"])
        self.generate_btn.setEnabled(frozen and may["draw.run"])
        for edit in (self.witness_edit, self.witness2_edit, self.no_witness_edit):
            edit.setEnabled(frozen and may["draw.run"])
        self.draw_btn.setEnabled(frozen and may["draw.run"])
        self.print_pre_btn.setEnabled(bool(fingerprint))
        drawn = state in (DrawState.DRAWN, DrawState.CONFIRMED)
        self.confirm_btn.setEnabled(state == DrawState.DRAWN and may["draw.confirm"])
        self.void_btn.setEnabled(state in (DrawState.FROZEN, DrawState.DRAWN, DrawState.DRAFT) and may["draw.void"])
        self.replace_btn.setEnabled(drawn and may["draw.replace"])
        self.member_btn.setEnabled(drawn and may["draw.replace"])
        self.print_btn.setEnabled(record is not None)
        self.export_btn.setEnabled(record is not None or frozen)
        if frozen:
            self.seed_edit.setFocus()
        self._show_record(record)

    def _show_record(self, record: dict | None) -> None:
        if record is None:
            self.onsite_model.set_rows([])
            self.offsite_model.set_rows([])
            self.strata_model.set_rows([])
            self.summary_label.setText("")
            return
        rows = selection.selection_rows(record)
        self.onsite_model.set_rows([r for r in rows if r.onsite])
        self.offsite_model.set_rows([r for r in rows if not r.onsite])
        strata_rows = list(record["strata"])
        if strata_rows:
            strata_rows.append(
                dict(
                    category="合计",
                    stratum=f"{len(strata_rows)} 个分层",
                    mode="",
                    ratio="",
                    pool=sum(s["pool"] for s in strata_rows),
                    required=sum(s["required"] for s in strata_rows),
                    drawn=sum(len(s["selected"]) for s in strata_rows),
                    total=True,
                )
            )
        self.strata_model.set_rows(strata_rows)
        strata = record["strata"]
        self.summary_label.setText(
            f"{len(strata)} 个分层，范围 {sum(s['pool'] for s in strata)} 家，"
            f"应抽 {sum(s['required'] for s in strata)} 家，"
            f"实抽 {sum(len(s['selected']) for s in strata)} 家（现场 {self.onsite_model.rowCount()}，"
            f"非现场 {self.offsite_model.rowCount()}）。记录哈希 {record['record_hash']}"
        )

    # ------------------------------------------------------------------ actions
    def freeze(self) -> None:
        period = self.period.currentText().strip()
        task_id = self.task.currentData()
        exclude = self.ask_frequency(period, task_id)
        if exclude is None:
            return
        op = run_op(  # the pool is read and the snapshot computed first, then written in one short transaction
            self,
            self.ctx,
            lambda factory: attempts.freeze(
                factory, period, task_id, writer_factory=self.ctx.db.writer, exclude=exclude
            ),
            own_transactions=True,
            error_title="无法冻结",
        )
        if not op.ok:
            return
        self.draw_id = op.result
        self.pending_seed, self.pending_source = "", "骰子"
        self.seed_edit.clear()
        self.refresh()

    def ask_frequency(self, period: str, task_id) -> list[str] | None:
        """涉企检查频次 before freezing: objects at the limit (the clerk may exclude them) and objects drawn by
        another task of the period. Returns the objects to exclude, or None when the clerk cancelled."""
        from app.ui.frequency_dialogs import FreezeNotesDialog

        op = run_op(
            self, self.ctx, lambda s: draws.frequency_notes(s, period, task_id), read=True, error_title="无法冻结"
        )
        if not op.ok:
            return None
        if not op.result["at_limit"] and not op.result["drawn_elsewhere"]:
            return []
        dlg = FreezeNotesDialog(op.result, self)
        self.frequency_dialog = dlg
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return None
        return dlg.excluded()

    def merge_checks(self):
        """内部联合: this period's objects drawn by two or more tasks, merged into one visit or kept apart."""
        from app.ui.frequency_dialogs import JointVisitsDialog

        dlg = JointVisitsDialog(self.ctx, self.period.currentText().strip(), self)
        dlg.open()
        return dlg

    def _seed_typed(self, text: str) -> None:
        digits = text.replace(" ", "")
        if self.pending_source == "计算机生成" and digits != self.pending_seed:
            self.pending_source = "骰子"
        if self.pending_source == "骰子":
            self.pending_seed = digits
        self.seed_big.setText(spaced(digits))

    def generate_seed(self) -> None:
        seed = draws.generate_seed()
        self.pending_source = "计算机生成"
        self.pending_seed = seed
        self.seed_edit.blockSignals(True)
        self.seed_edit.setText(seed)
        self.seed_edit.blockSignals(False)
        self.seed_big.setText(spaced(seed))

    def show_projector(self) -> None:
        seed = self.pending_seed
        fingerprint = ""
        title = "随机抽取"
        if self.draw_id is not None:
            with self.ctx.read() as s:
                d = draws.get_draw(s, self.draw_id)
                seed = d.seed or seed
                fingerprint = d.fingerprint
                title = f"{self.ctx.office_name} {parse_period(d.period).label} 随机抽取 #{d.id}"
        dlg = ProjectorDialog(title, seed, fingerprint, self)
        dlg.showFullScreen()
        dlg.exec()

    def perform(self) -> None:
        if self.draw_id is None:
            return
        seed = self.pending_seed or self.seed_edit.text().replace(" ", "")
        witnesses = [self.witness_edit.text(), self.witness2_edit.text()]
        reason = self.no_witness_edit.text()
        draw_id, source = self.draw_id, self.pending_source
        op = run_op(
            self,
            self.ctx,
            lambda factory: attempts.perform(
                factory,
                draw_id,
                seed,
                seed_source=source,
                witnesses=witnesses,
                no_witness_reason=reason,
                writer_factory=self.ctx.db.writer,
            ),
            own_transactions=True,
            error_title="抽取未完成",
        )
        if not op.ok:
            return
        self.pending_seed = ""
        self.seed_edit.clear()
        for edit in (self.witness_edit, self.witness2_edit, self.no_witness_edit):
            edit.clear()
        self.refresh()

    def confirm(self) -> None:
        if self.draw_id is None or not confirm_irreversible(
            self,
            "确认抽取结果",
            f"确认抽取 #{self.draw_id} 的结果？\n\n"
            "确认后结果不可更改、不能作废：被抽中的对象和检查组即为本期的检查任务，"
            "并进入统计和报送；此后只能按规定记录替换（须说明原因）。",
        ):
            return
        draw_id = self.draw_id
        run_op(self, self.ctx, lambda s: draws.confirm(s, draw_id), error_title="无法确认")
        self.refresh()

    def void(self) -> None:
        reason, ok = QInputDialog.getText(self, "作废抽取", "作废原因（必填，记入抽取记录和审计日志）：")
        if not ok:
            return
        if not confirm_irreversible(
            self,
            "作废抽取",
            f"作废抽取 #{self.draw_id}？\n\n作废不可撤销：本次抽取的结果和随机种子永久失效（记录和原因保留备查），"
            "本期须用新的随机种子重新抽取。",
        ):
            return
        draw_id = self.draw_id
        run_op(self, self.ctx, lambda s: draws.void(s, draw_id, reason), error_title="无法作废")
        self.refresh()

    def _selected_row(self) -> dict | None:
        view = self.offsite_view if self.tabs.currentWidget() is self.offsite_view else self.onsite_view
        idx = view.currentIndex()
        if not idx.isValid():
            QMessageBox.information(self, "请选择", "请先在结果表中选中一个被抽中对象。")
            return None
        return view.model().data(idx, Qt.ItemDataRole.UserRole)

    def replace_object(self) -> None:
        row = self._selected_row()
        if row is None:
            return
        reasons = ["已注销", "已迁出", "已停产", "无法联系"]
        reason, ok = QInputDialog.getItem(
            self,
            "替换被抽中对象",
            f"{row['name']}（{row['uscc']}）的替换原因（由同层下一张签替补）：",
            reasons,
            0,
            True,
        )
        if not ok:
            return
        draw_id, uscc = self.draw_id, row["uscc"]
        op = run_op(self, self.ctx, lambda s: draws.replace_object(s, draw_id, uscc, reason), error_title="无法替换")
        if not op.ok:
            return
        r = op.result["replacement"]
        QMessageBox.information(self, "已替换", f"由同层第 {r['rank']} 签替补：{r['name']}（{r['uscc']}）。")
        self.refresh()

    def replace_member(self) -> None:
        row = self._selected_row()
        if row is None:
            return
        names = [m["name"] for m in row["team"]]
        person, ok = QInputDialog.getItem(self, "更换检查人员", "被更换的人员：", names, 0, False)
        if not ok:
            return
        reason, ok = QInputDialog.getText(self, "更换检查人员", "更换原因（必填）：")
        if not ok:
            return
        approver, ok = QInputDialog.getText(self, "更换检查人员", "批准人（领导）：")
        if not ok:
            return
        draw_id, uscc = self.draw_id, row["uscc"]
        op = run_op(
            self,
            self.ctx,
            lambda s: draws.replace_member(s, draw_id, uscc, person, reason, approver),
            error_title="无法更换",
        )
        if not op.ok:
            return
        a = op.result
        QMessageBox.information(self, "已更换", f"{a['old']['name']} 更换为 {a['new']['name']}。")
        self.refresh()

    def _pdf(self, kind: str) -> Path | None:
        from app.services.draw import documents as draw_pdf

        out = Path(tempfile.mkdtemp(prefix="ssj-")) / f"{kind}-{self.draw_id}.pdf"
        draw_id = self.draw_id
        write = draw_pdf.pre_draw_sheet if kind == "抽取前公示单" else draw_pdf.record_pdf
        op = run_op(self, self.ctx, lambda s: write(s, draw_id, out), read=True, error_title="无法生成")
        return out if op.ok else None

    def print_pre_sheet(self) -> Path | None:
        out = self._pdf("抽取前公示单")
        if out is not None:
            from app.ui.pdf_preview import preview

            preview(out, "抽取前公示单", self)
        return out

    def print_record(self) -> Path | None:
        out = self._pdf("抽取记录")
        if out is not None:
            from app.ui.pdf_preview import preview

            preview(out, "抽取记录", self)
        return out

    def export(self) -> None:
        folder = folder_dialog(self, "选择导出文件夹（如 U 盘）")
        if not folder:
            return
        draw_id = self.draw_id
        op = run_op(self, self.ctx, lambda s: draw_documents.export(s, draw_id, folder), error_title="无法导出")
        if not op.ok:
            return
        self.last_export = op.result
        show_saved(self, folder, "已导出：\n" + "\n".join(self.last_export.values()))

    def verify_chain(self) -> dict:
        with self.ctx.read() as s:
            result = draws.verify_chain(s)
        if result["ok"]:
            QMessageBox.information(self, "校验通过", result["message"])
        else:
            QMessageBox.critical(self, "校验不通过", result["message"])
        return result

    def _open_history(self, index) -> None:
        if not index.isValid():
            return
        self.draw_id = index.model().data(index, Qt.ItemDataRole.UserRole)
        self.pending_seed, self.pending_source = "", "骰子"
        self._load()


PAGE = PageSpec("draw", "随机抽取", "抽取", 30, lambda ctx, parent=None: DrawPage(ctx, parent))
