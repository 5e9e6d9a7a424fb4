"""规则设置: choose the office's preset, read every rule with its source sentence and the reading chosen,
edit ratios / periods / modes / precedence in the rule editor and save a new version; import/export files."""

from __future__ import annotations

import copy
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.services.foundation import listings
from app.services.foundation.context import current_user
from app.services.foundation.errors import UserError
from app.services.rules import policies
from app.ui.context import AppContext
from app.ui.files import open_file_dialog, save_file_dialog
from app.ui.operations import attempt, ignore, run_op, show_info
from app.ui.pages import PageSpec
from app.ui.widgets import SECTION_TITLE_STYLE, page_title

COLS = ["类型", "名称", "比例", "周期", "执行季度", "检查方式", "条件"]
C_KIND, C_NAME, C_RATIO, C_PER, C_INQ, C_MODE, C_COND = range(7)
PERS = ["季度", "半年", "年"]
READINGS = {False: "宽读法", True: "窄读法（仅正面清单）"}


def _esc(text) -> str:
    from html import escape

    return escape(str(text or ""))


class RulesPage(QWidget):
    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.doc: dict | None = None
        self.refs: list[tuple] = []
        self.dirty = False
        self._loading = False
        root = QVBoxLayout(self)
        head = QHBoxLayout()
        self.current = page_title(style=SECTION_TITLE_STYLE)
        self.current.setWordWrap(True)
        head.addWidget(self.current, 1)
        root.addLayout(head)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("规则预设："))
        self.preset = QComboBox()
        for pid, name in policies.preset_names().items():
            self.preset.addItem(name, pid)
        bar.addWidget(self.preset, 1)
        self.use_btn = QPushButton("启用此预设")
        self.use_btn.clicked.connect(lambda: self.use_preset())
        bar.addWidget(self.use_btn)
        self.import_btn = QPushButton("导入规则文件…")
        self.import_btn.clicked.connect(lambda: self.import_file())
        bar.addWidget(self.import_btn)
        self.export_btn = QPushButton("导出规则文件…")
        self.export_btn.clicked.connect(lambda: self.export_file())
        bar.addWidget(self.export_btn)
        root.addLayout(bar)
        self.description = QLabel()
        self.description.setWordWrap(True)
        root.addWidget(self.description)

        split = QSplitter(Qt.Orientation.Vertical)
        top = QWidget()
        tl = QHBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        self.table = QTableWidget(0, len(COLS))
        self.table.setHorizontalHeaderLabels(COLS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self.show_detail)
        self.table.itemChanged.connect(self._changed)
        tl.addWidget(self.table, 3)
        prec_box = QGroupBox("重叠时的优先顺序")
        pl = QVBoxLayout(prec_box)
        self.precedence = QListWidget()
        pl.addWidget(self.precedence)
        row = QHBoxLayout()
        self.up_btn = QPushButton("上移")
        self.up_btn.clicked.connect(lambda: self.move_precedence(-1))
        self.down_btn = QPushButton("下移")
        self.down_btn.clicked.connect(lambda: self.move_precedence(1))
        row.addWidget(self.up_btn)
        row.addWidget(self.down_btn)
        pl.addLayout(row)
        tl.addWidget(prec_box, 1)
        split.addWidget(top)
        self.detail = QTextBrowser()
        self.detail.setOpenExternalLinks(False)
        split.addWidget(self.detail)
        split.setSizes([420, 200])
        root.addWidget(split, 1)
        foot = QHBoxLayout()
        self.status = QLabel("比例、周期、执行季度、检查方式可直接修改；修改后点“保存为新版本”。")
        foot.addWidget(self.status, 1)
        self.revert_btn = QPushButton("放弃修改")
        self.revert_btn.clicked.connect(self.refresh)
        foot.addWidget(self.revert_btn)
        self.save_btn = QPushButton("保存为新版本")
        self.save_btn.clicked.connect(lambda: self.save())
        foot.addWidget(self.save_btn)
        root.addLayout(foot)
        self.refresh()

    # -------------------------------------------------------------- loading

    def refresh(self) -> None:
        with self.ctx.read() as s:
            self.doc = attempt(lambda: policies.active_rules(s), shown=ignore).result
            if self.doc is not None:
                version = policies.active_version(s)
                self.current.setText(
                    f"当前规则：{self.doc.get('name', '')}（第 {version.id} 版，"
                    f"{version.created_at:%Y-%m-%d %H:%M} 由 {listings.person(s, version.created_by)} 保存）"
                )
            else:
                self.current.setText("尚未设置监管规则：请选择本单位的规则预设并点“启用此预设”。")
        if self.doc:
            idx = self.preset.findData(self.doc["id"])
            if idx >= 0:
                self.preset.setCurrentIndex(idx)
            self.description.setText(f"{self.doc.get('document', '')}　{self.doc.get('description', '')}")
        else:
            self.description.setText("")
        self._fill()
        self.set_dirty(False)

    def _item(self, text, editable=False) -> QTableWidgetItem:
        item = QTableWidgetItem("" if text is None else str(text))
        flags = Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled
        if editable:
            flags |= Qt.ItemFlag.ItemIsEditable
            item.setBackground(Qt.GlobalColor.white)
        else:
            item.setForeground(Qt.GlobalColor.black)
        item.setFlags(flags)
        return item

    def _combo(self, row: int, col: int, values: list[str], current: str) -> None:
        box = QComboBox()
        box.addItems(values)
        if current not in values:
            box.addItem(current)
        box.setCurrentText(current)
        box.currentTextChanged.connect(lambda _t: self._changed())
        self.table.setCellWidget(row, col, box)

    def _add_row(self, ref, kind, name, ratio=None, *, ratio_edit=False, mode=None, cond="") -> None:
        r = self.table.rowCount()
        self.table.insertRow(r)
        self.refs.append(ref)
        self.table.setItem(r, C_KIND, self._item(kind))
        self.table.setItem(r, C_NAME, self._item(name))
        self.table.setItem(r, C_COND, self._item(cond))
        if ratio_edit:
            spec = ratio or {}
            self.table.setItem(r, C_RATIO, self._item(spec.get("value", ""), editable=True))
            if ref[0] != "step":
                self._combo(r, C_PER, PERS, spec.get("per", "季度"))
                self.table.setItem(r, C_INQ, self._item(spec.get("in_quarter", ""), editable=True))
            else:
                self.table.setItem(r, C_PER, self._item("（递加）"))
                self.table.setItem(r, C_INQ, self._item(""))
        else:
            self.table.setItem(r, C_RATIO, self._item(ratio if isinstance(ratio, str) else ""))
            self.table.setItem(r, C_PER, self._item(""))
            self.table.setItem(r, C_INQ, self._item(""))
        if mode is not None:
            self._combo(r, C_MODE, list(policies.MODES), mode)
        else:
            self.table.setItem(r, C_MODE, self._item(""))

    def _fill(self) -> None:
        self._loading = True
        self.table.setRowCount(0)
        self.refs = []
        self.precedence.clear()
        doc = self.doc
        if doc:
            cond = policies.condition_text
            for i, cat in enumerate(doc["categories"]):
                strata = cat.get("strata") or []
                if strata:
                    self._add_row(
                        ("cat", i),
                        "监管类别",
                        cat["name"],
                        "见分层",
                        mode=cat.get("mode", "现场"),
                        cond=cond(cat["conditions"]),
                    )
                    for j, st in enumerate(strata):
                        self._add_row(
                            ("st", i, j),
                            "　分层",
                            f"{cat['name']}（{st['name']}）",
                            st.get("ratio", cat.get("ratio")),
                            ratio_edit=True,
                            mode=st.get("mode", cat.get("mode", "现场")),
                            cond=cond(st.get("conditions")) or "其余",
                        )
                else:
                    self._add_row(
                        ("cat", i),
                        "监管类别",
                        cat["name"],
                        cat.get("ratio"),
                        ratio_edit=True,
                        mode=cat.get("mode", "现场"),
                        cond=cond(cat["conditions"]),
                    )
            for i, ep in enumerate(doc.get("extra_pools") or []):
                self._add_row(
                    ("pool", i),
                    "专项对象库",
                    ep["name"],
                    ep["ratio"],
                    ratio_edit=True,
                    mode=ep.get("mode", "现场"),
                    cond=cond(ep["conditions"]),
                )
            for i, s in enumerate((doc.get("step_up") or {}).get("steps", [])):
                self._add_row(
                    ("step", i),
                    "比例递加",
                    s["label"],
                    {"value": s.get("add", "")},
                    ratio_edit=True,
                    cond=cond(s["conditions"]),
                )
                if "add" not in s:  # the document gives no amount: the office enters it here
                    self.table.item(self.table.rowCount() - 1, C_RATIO).setToolTip(policies.WAITING)
                    self.table.item(self.table.rowCount() - 1, C_PER).setText(policies.WAITING)
            for i, rule in enumerate(doc.get("mode_rules") or []):
                self._add_row(
                    ("moderule", i), "检查方式", rule.get("label", ""), mode=rule["mode"], cond=cond(rule["conditions"])
                )
            for i, c in enumerate(doc.get("conflicts") or []):
                names = {cat["id"]: cat["name"] for cat in doc["categories"]}
                self._add_row(
                    ("conflict", i),
                    "冲突规则",
                    " / ".join(names.get(b, b) for b in c["between"]) + " → " + names.get(c["winner"], c["winner"]),
                )
                if c.get("narrow_conditions"):  # 秦皇岛: the office chooses the wide or the narrow reading
                    self._combo(
                        self.table.rowCount() - 1, C_MODE, list(READINGS.values()), READINGS[bool(c.get("narrow"))]
                    )
            for i, ex in enumerate(doc.get("exclusions") or []):
                self._add_row(("exclusion", i), "剔除", ex.get("label", ""), cond=ex.get("tag", ""))
            names = {c["id"]: c["name"] for c in doc["categories"]}
            for cid in doc["precedence"]:
                item = QListWidgetItem(names.get(cid, cid))
                item.setData(Qt.ItemDataRole.UserRole, cid)
                self.precedence.addItem(item)
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(C_NAME, min(self.table.columnWidth(C_NAME), 260))
        self.table.setColumnWidth(C_COND, 360)
        self._loading = False
        self.detail.setHtml("<p>选中一条规则，这里显示文件原文和本预设的取舍。</p>" if doc else "")
        for w in (self.save_btn, self.export_btn, self.up_btn, self.down_btn):
            w.setEnabled(doc is not None)

    # -------------------------------------------------------------- detail

    def _rule_of(self, ref) -> dict:
        kind = ref[0]
        if kind in ("cat", "st", "pool", "step", "moderule"):
            return self._rule_of_in(self.doc, ref)
        if kind == "conflict":
            return self.doc["conflicts"][ref[1]]
        return self.doc["exclusions"][ref[1]]

    def show_detail(self) -> None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or not self.doc:
            return
        ref = self.refs[rows[0].row()]
        self.detail.setHtml(self.detail_html(ref))

    def detail_html(self, ref) -> str:
        rule = self._rule_of(ref)
        parts = [f"<h3>{_esc(self.table.item(self.refs.index(ref), C_NAME).text())}</h3>"]
        sources, choices = [], []
        for holder in (rule, rule.get("ratio") or {}):
            if holder.get("source"):
                sources.append(holder["source"])
            if holder.get("choice"):
                choices.append(holder["choice"])
        if ref[0] == "st":
            parent = self.doc["categories"][ref[1]]
            if not sources and parent.get("source"):
                sources.append(parent["source"])
        if ref[0] == "step":
            step = self.doc.get("step_up") or {}
            sources = sources or ([step["source"]] if step.get("source") else [])
            choices = choices or ([step["choice"]] if step.get("choice") else [])
        for s in sources:
            parts.append(f"<p><b>文件原文：</b>{_esc(s)}</p>")
        for c in choices:
            parts.append(f"<p style='color:#8a4b00'><b>本预设的取舍（文件有歧义或未规定）：</b>{_esc(c)}</p>")
        if rule.get("note"):
            parts.append(f"<p><b>说明：</b>{_esc(rule['note'])}</p>")
        if not sources and not choices:
            parts.append("<p>（无原文记录）</p>")
        return "".join(parts)

    # -------------------------------------------------------------- editing

    def _changed(self, *_args) -> None:
        if not self._loading:
            self.set_dirty(True)

    def set_dirty(self, dirty: bool) -> None:
        self.dirty = dirty
        self.revert_btn.setEnabled(dirty)
        self.save_btn.setText("保存为新版本" + (" *" if dirty else ""))

    def move_precedence(self, step: int) -> None:
        row = self.precedence.currentRow()
        new = row + step
        if row < 0 or not 0 <= new < self.precedence.count():
            return
        item = self.precedence.takeItem(row)
        self.precedence.insertItem(new, item)
        self.precedence.setCurrentRow(new)
        self.set_dirty(True)

    def set_cell(self, row: int, col: int, value: str) -> None:
        """Set an editable cell (text or drop-down) as a user would."""
        widget = self.table.cellWidget(row, col)
        if isinstance(widget, QComboBox):
            widget.setCurrentText(value)
        else:
            self.table.item(row, col).setText(value)

    def row_of(self, name: str) -> int:
        for r in range(self.table.rowCount()):
            if self.table.item(r, C_NAME).text() == name:
                return r
        raise KeyError(name)

    def _cell(self, row: int, col: int) -> str:
        widget = self.table.cellWidget(row, col)
        if isinstance(widget, QComboBox):
            return widget.currentText()
        item = self.table.item(row, col)
        return item.text().strip() if item else ""

    def edited_doc(self) -> dict:
        doc = copy.deepcopy(self.doc)
        for r, ref in enumerate(self.refs):
            kind = ref[0]
            if kind == "conflict":
                reading = self._cell(r, C_MODE)
                if reading in READINGS.values():
                    doc["conflicts"][ref[1]]["narrow"] = reading == READINGS[True]
                continue
            if kind == "exclusion":
                continue
            target = self._rule_of_in(doc, ref)
            mode = self._cell(r, C_MODE)
            if mode and kind != "step":
                target["mode"] = mode
            if kind in ("cat", "st", "pool") and self.table.item(r, C_RATIO).flags() & Qt.ItemFlag.ItemIsEditable:
                value = self._cell(r, C_RATIO)
                if not value:
                    target.pop("ratio", None)
                    continue
                spec = dict(
                    target.get("ratio") or (doc["categories"][ref[1]].get("ratio") if kind == "st" else None) or {}
                )
                spec["value"] = value
                spec["per"] = self._cell(r, C_PER) or "季度"
                inq = self._cell(r, C_INQ)
                if inq:
                    try:
                        spec["in_quarter"] = int(inq)
                    except ValueError:
                        raise UserError(
                            f"“{self._cell(r, C_NAME)}”的执行季度“{inq}”应为整数（该周期内第几个季度）。"
                        ) from None
                else:
                    spec.pop("in_quarter", None)
                target["ratio"] = spec
            elif kind == "step":
                value = self._cell(r, C_RATIO)
                if not value:
                    for key in ("add", "set_by", "set_at"):
                        target.pop(key, None)  # no amount: the step waits (待本单位确定)
                elif value != target.get("add"):
                    target["add"] = value
                    target["set_by"] = current_user()
                    target["set_at"] = date.today().isoformat()
        doc["precedence"] = [
            self.precedence.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.precedence.count())
        ]
        return doc

    @staticmethod
    def _rule_of_in(doc, ref) -> dict:
        kind = ref[0]
        if kind == "cat":
            return doc["categories"][ref[1]]
        if kind == "st":
            return doc["categories"][ref[1]]["strata"][ref[2]]
        if kind == "pool":
            return doc["extra_pools"][ref[1]]
        if kind == "step":
            return doc["step_up"]["steps"][ref[1]]
        return doc["mode_rules"][ref[1]]

    def save(self) -> bool:
        if not self.doc:
            return False
        op = run_op(self, self.ctx, lambda s: policies.set_policy(s, self.edited_doc()).id)
        if not op.ok:
            return False
        self.refresh()
        self.status.setText(f"已保存为第 {op.result} 版。")
        return True

    # -------------------------------------------------------------- presets and files

    def use_preset(self, preset_id: str | None = None) -> bool:
        pid = preset_id or self.preset.currentData()
        if not run_op(self, self.ctx, lambda s: policies.set_policy(s, pid)).ok:
            return False
        self.refresh()
        self.status.setText(f"已启用预设：{policies.preset_names().get(pid, pid)}。")
        return True

    def import_file(self, path: str | None = None) -> bool:
        if path is None:
            path, _ = open_file_dialog(self, "导入规则文件", "", "规则文件 (*.json)")
            if not path:
                return False
        if not run_op(self, self.ctx, lambda s: policies.import_rules(s, path)).ok:
            return False
        self.refresh()
        show_info(self, "规则文件已导入并启用。")
        return True

    def export_file(self, path: str | None = None) -> bool:
        if path is None:
            default = f"{self.doc['id'] if self.doc else 'rules'}.json"
            path, _ = save_file_dialog(self, "导出规则文件", default, "规则文件 (*.json)")
            if not path:
                return False
        if not run_op(self, self.ctx, lambda s: policies.export_rules(s, path), read=True).ok:
            return False
        self.status.setText(f"已导出：{path}")
        return True


PAGE = PageSpec("rules", "规则设置", "规则与计划", 20, lambda ctx, parent=None: RulesPage(ctx, parent))
