"""报送与汇总: county → write the signed package to a USB stick (and read it back);
city → register counties, import their packages, the city-wide table (counties side by side + 合计), export."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services.exchange import packages
from app.services.exchange.drives import list_removable_drives
from app.services.foundation.errors import UserError
from app.services.foundation.figures import size_text
from app.services.foundation.periods import parse_period, period_choices, period_of, previous_quarter
from app.services.reports import statistics as stats_service
from app.ui.context import AppContext
from app.ui.files import folder_dialog, open_file_dialog, open_files_dialog, save_file_dialog
from app.ui.operations import attempt, confirm, run_op, show_error, show_info
from app.ui.pages import PageSpec
from app.ui.widgets import button_row


class ExchangePage(QWidget):
    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.last_message = ""
        self.worker = None
        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel("期间："))
        self.period = QComboBox()
        self.period.setEditable(True)
        self.period.addItems(period_choices("reports"))
        # at quarter end people send the quarter just finished; a bureau opens on the newest period received
        self.period.setCurrentText(self._default_period())
        self.period.activated.connect(lambda _i: self.refresh())
        top.addWidget(self.period)
        top.addStretch(1)
        lay.addLayout(top)
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.county_box = self._county_section()
        self.city_box = self._city_section()
        lay.addWidget(self.county_box)
        lay.addWidget(self.city_box, 1)
        lay.addWidget(self.result)
        self.county_box.setVisible(ctx.office_level != "city")
        self.city_box.setVisible(ctx.office_level == "city")
        if ctx.office_level != "city":
            lay.addStretch(1)

    def _default_period(self) -> str:
        finished = previous_quarter(period_of(date.today())).code
        if self.ctx.office_level != "city":
            return finished
        with self.ctx.read() as s:
            received = [parse_period(p) for p in packages.received_periods(s)]
        return max(received, key=lambda p: (p.end, p.start)).code if received else finished

    # ------------------------------------------------------------------ county

    def _county_section(self) -> QGroupBox:
        box = QGroupBox("县级：写入报送包（U 盘）")
        v = QVBoxLayout(box)
        self.key_label = QLabel()
        self.key_label.setWordWrap(True)
        self.key_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        v.addWidget(self.key_label)
        self.key_btn = QPushButton("导出本单位公钥…")
        self.key_btn.clicked.connect(self.export_key)
        self.passphrase_btn = QPushButton("更改报送口令…")
        self.passphrase_btn.setToolTip("报送口令加密本单位的签名私钥；写报送包时输入")
        self.passphrase_btn.clicked.connect(self.change_passphrase)
        self.rekey_btn = QPushButton("更换签名密钥…")
        self.rekey_btn.setToolTip("口令遗忘或备份外流时更换；之后须请市局重新登记新公钥")
        self.rekey_btn.clicked.connect(self.replace_key)
        v.addLayout(button_row(self.key_btn, self.passphrase_btn, self.rekey_btn, None))
        v.addWidget(QLabel("选择 U 盘（可移动磁盘）或一个文件夹："))
        self.drives = QListWidget()
        self.drives.setMaximumHeight(120)
        v.addWidget(self.drives)
        self.rescan_btn = QPushButton("重新检测 U 盘")
        self.rescan_btn.clicked.connect(self.scan_drives)
        self.folder_btn = QPushButton("选择文件夹…")
        self.folder_btn.clicked.connect(self.choose_folder)
        self.write_btn = QPushButton("写入报送包并校验")
        self.write_btn.setStyleSheet("font-weight: bold;")
        self.write_btn.clicked.connect(self.write_package)
        v.addLayout(button_row(self.rescan_btn, self.folder_btn, None, self.write_btn))
        return box

    def scan_drives(self) -> None:
        self.drives.clear()
        for d in list_removable_drives():
            free = f"可用 {size_text(d['free_bytes'])}{'' if d['writable'] else '，只读'}"
            text = f"{d['label']}  —  {d['path']}  （{free}）"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, d["path"])
            self.drives.addItem(item)
        if self.drives.count():
            self.drives.setCurrentRow(0)
        else:
            item = QListWidgetItem("未检测到 U 盘。请插入 U 盘后点“重新检测 U 盘”，或点“选择文件夹…”。")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.drives.addItem(item)

    def choose_folder(self) -> None:
        folder = folder_dialog(self, "选择写入报送包的文件夹", str(Path.home()))
        if not folder:
            return
        item = QListWidgetItem(f"文件夹  —  {folder}")
        item.setData(Qt.ItemDataRole.UserRole, folder)
        self.drives.addItem(item)
        self.drives.setCurrentItem(item)

    def target_folder(self) -> str | None:
        item = self.drives.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def write_package(self) -> None:
        folder = self.target_folder()
        if not folder:
            self._fail(UserError("请先选择 U 盘或文件夹。"))
            return
        chosen = attempt(lambda: parse_period(self.period.currentText()).code, shown=self._refused)
        if not chosen.ok:
            return
        code = chosen.result
        check = run_op(self, self.ctx, lambda s: packages.readiness(s, code), read=True, failure=self._shown)
        if not check.ok:
            return
        if check.result["warning"] and not confirm(
            self, check.result["warning"] + "\n\n仍要写入这一期的报送包吗？", f"报送期间：{check.result['label']}"
        ):
            self.last_message = "未写入报送包。"
            return

        passphrase, ok = QInputDialog.getText(
            self,
            "写入报送包",
            "请输入本单位的报送口令（用于签名，不会保存）：",
            QLineEdit.EchoMode.Password,
        )
        if not ok:
            return
        run_op(
            self,
            self.ctx,
            lambda factory: packages.export_package_in_steps(
                factory, code, folder, passphrase=passphrase, writer_factory=self.ctx.db.writer
            ),
            own_transactions=True,  # built on a consistent read: no write lock while it is signed and read back
            background=True,
            title="正在生成、写入并读回校验报送包……",
            success=lambda info: self._ok(info["message"]),
            failure=self._shown,
        )

    def export_key(self) -> None:
        path, _ = save_file_dialog(self, "导出本单位公钥", str(Path.home() / "本单位公钥.pem"), "公钥文件 (*.pem)")
        if not path:
            return
        op = run_op(self, self.ctx, lambda s: packages.export_public_key(s, path), failure=self._shown)
        if op.ok:
            self._ok(
                f"已导出本单位公钥：{path}\n指纹：{op.result['fingerprint_display']}\n"
                "请把公钥文件交给市局，并电话核对指纹。"
            )

    def _secret(self, title: str, label: str) -> str | None:
        text, ok = QInputDialog.getText(self, title, label, QLineEdit.EchoMode.Password)
        return text if ok else None

    def change_passphrase(self) -> None:
        from app.services.foundation import office as office_service

        old = self._secret("更改报送口令", "原报送口令（首次设置可留空）：")
        if old is None:
            return
        new = self._secret("更改报送口令", f"新的报送口令（至少 {office_service.MIN_PASSPHRASE} 位）：")
        if new is None:
            return
        again = self._secret("更改报送口令", "再次输入新的报送口令：")
        if again is None:
            return
        if new != again:
            self._fail(UserError("两次输入的新报送口令不一致，未作更改。"))
            return
        if not run_op(
            self, self.ctx, lambda s: office_service.change_passphrase(s, old or None, new), failure=self._shown
        ).ok:
            return
        self.refresh()
        self._ok("报送口令已更改：签名私钥已用新口令重新加密（记入审计日志）。以后写报送包请输入新口令。")

    def replace_key(self) -> None:
        from app.services.foundation import office as office_service

        reason, ok = QInputDialog.getText(
            self,
            "更换签名密钥",
            "更换后旧密钥作废，市局在重新登记新公钥之前不会接受本单位的报送包。此操作不可撤销。\n请填写更换原因：",
        )
        if not ok:
            return
        passphrase = self._secret("更换签名密钥", "新密钥的报送口令：")
        if passphrase is None:
            return
        op = run_op(self, self.ctx, lambda s: office_service.replace_key(s, passphrase, reason), failure=self._shown)
        if not op.ok:
            return
        info = op.result
        self.refresh()
        self._ok(
            f"已更换签名密钥。新公钥指纹：{packages.format_fingerprint(info['fingerprint'])}\n"
            "请导出新公钥交市局，电话核对指纹后由市局重新登记。"
        )

    # ------------------------------------------------------------------ city

    def _city_section(self) -> QGroupBox:
        box = QGroupBox("市级：登记县级单位、导入报送包、全市汇总")
        v = QVBoxLayout(box)
        self.register_btn = QPushButton("登记县级单位…")
        self.register_btn.clicked.connect(self.register_county)
        self.import_btn = QPushButton("导入报送包…")
        self.import_btn.setStyleSheet("font-weight: bold;")
        self.import_btn.clicked.connect(self.import_packages)
        self.export_city_btn = QPushButton("导出全市汇总表…")
        self.export_city_btn.clicked.connect(self.export_city)
        self.withdraw_btn = QPushButton("撤回报送包…")
        self.withdraw_btn.setToolTip("市级管理员：把选中县级单位本期误收的报送包撤回（须说明原因，记入审计日志）")
        self.withdraw_btn.clicked.connect(self.withdraw_package)
        v.addLayout(button_row(self.register_btn, self.import_btn, self.export_city_btn, self.withdraw_btn, None))
        self.counties = QTableWidget(0, 4)
        self.counties.setHorizontalHeaderLabels(["县级单位", "行政区划代码", "公钥指纹", "本期报送"])
        self.counties.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.counties.verticalHeader().setVisible(False)
        self.counties.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.counties.horizontalHeader().setStretchLastSection(True)
        self.counties.setMaximumHeight(150)
        v.addWidget(self.counties)
        v.addWidget(QLabel("全市汇总表（各县并列，合计行的比率按合计数重新计算）："))
        self.city_table = QTableWidget(0, 0)
        self.city_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        v.addWidget(self.city_table, 1)
        return box

    def refresh(self) -> None:
        if self.ctx.office_level == "city":
            self.refresh_city()
        else:
            from app.services.foundation.office import require_office

            def key():
                with self.ctx.read() as s:
                    office = require_office(s)
                    fp = packages.key_fingerprint(office.public_key_pem) if office.public_key_pem else ""
                    return office.name, fp

            got = attempt(key, shown=self.key_label.setText)
            if got.ok:
                name, fp = got.result
                self.key_label.setText(f"本单位：{name}　公钥指纹：{packages.format_fingerprint(fp)}")
            self.scan_drives()

    def refresh_city(self) -> None:
        chosen = attempt(lambda: parse_period(self.period.currentText()).code, shown=self._refused)
        if not chosen.ok:
            return
        code = chosen.result
        with self.ctx.read() as s:
            counties = packages.list_counties(s)
            data = packages.city_stats(s, code)
            rows = [
                (c.office_name, c.region_code, packages.format_fingerprint(c.key_fingerprint)[:29] + "…")
                for c in counties
            ]
        reported = {r["county"]: r for r in data["counties"]}
        self.counties.setRowCount(len(rows))
        for i, (name, region, fp) in enumerate(rows):
            r = reported.get(name, {})
            status = f"已报送（{r['created_at'][:16].replace('T', ' ')}）" if r.get("reported") else "未报送"
            for j, text in enumerate((name, region, fp, status)):
                self.counties.setItem(i, j, QTableWidgetItem(text))
        fields = stats_service.FIELDS
        self.city_table.clear()
        self.city_table.setColumnCount(1 + len(fields))
        self.city_table.setHorizontalHeaderLabels(["县级单位"] + [f"{f.group}\n{f.label}（{f.unit}）" for f in fields])
        body = data["counties"] + [{"county": "合计", "values": data["total"]}]
        self.city_table.setRowCount(len(body))
        for i, r in enumerate(body):
            self.city_table.setItem(i, 0, QTableWidgetItem(r["county"]))
            values = r["values"] if r["values"] is not None else ["未报送"] + [""] * (len(fields) - 1)
            for j, v in enumerate(values, 1):
                text = (
                    f"{v:.2f}"
                    if isinstance(v, float) and not float(v).is_integer()
                    else (str(int(v)) if isinstance(v, float) else str(v))
                )
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if r["county"] == "合计":
                    f = item.font()
                    f.setBold(True)
                    item.setFont(f)
                self.city_table.setItem(i, j, item)
        self.city_table.resizeColumnsToContents()
        self.city_data = data

    def register_county(self) -> None:
        path, _ = open_file_dialog(self, "选择县级单位的公钥文件", str(Path.home()), "公钥文件 (*.pem);;所有文件 (*)")
        if not path:
            return

        def read_key() -> tuple[str, str]:
            try:
                text = Path(path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise UserError(f"无法读取公钥文件 {path}。") from exc
            return text, packages.fingerprint_of_text(text)

        got = attempt(read_key, shown=self._refused)
        if not got.ok:
            return
        text, fp = got.result
        name, ok = QInputDialog.getText(
            self,
            "登记县级单位",
            f"公钥指纹：\n{packages.format_fingerprint(fp)}\n\n请先与该单位电话核对指纹，再填写单位名称：",
        )
        if not ok or not name.strip():
            return
        region, ok = QInputDialog.getText(self, "登记县级单位", "行政区划代码（6 位，可留空）：")
        if not ok:
            return
        op = run_op(
            self,
            self.ctx,
            lambda s: packages.register_county(s, key_text=text, name=name, region_code=region),
            failure=self._shown,
        )
        if not op.ok:
            return
        self.refresh_city()
        self._ok(f"已登记县级单位：{name.strip()}")

    def import_packages(self) -> None:
        paths, _ = open_files_dialog(self, "选择报送包", str(Path.home()), "报送包 (*.ssjpkg.zip *.zip);;所有文件 (*)")
        if not paths:
            return
        messages = []
        failed = False
        for path in paths:  # one transaction per package; a refused one is listed, the others still go in
            op = run_op(
                self,
                self.ctx,
                lambda s, path=path: packages.import_package(s, path),
                failure=lambda exc: isinstance(exc, UserError),  # listed below, not a dialog per file
            )
            if op.ok:
                messages.append(op.result["message"])
            elif isinstance(op.error, UserError):
                failed = True
                messages.append(f"未导入 {Path(path).name}：{op.error.message}")
        self.refresh_city()
        (self._fail if failed else self._ok)(UserError("\n".join(messages)) if failed else "\n".join(messages))

    def withdraw_package(self) -> None:
        row = self.counties.currentRow()
        if row < 0:
            self._fail(UserError("请先在上面的表格中选中要撤回报送包的县级单位。"))
            return
        county = self.counties.item(row, 0).text()
        code = parse_period(self.period.currentText()).code
        reason, ok = QInputDialog.getText(
            self,
            "撤回报送包",
            f"撤回 {county} {code} 正在使用的报送包：它将不再计入全市汇总，该县下一个真实的报送包可以正常导入。\n"
            "撤回不可撤销，记入审计日志。请填写原因：",
        )
        if not ok:
            return
        op = run_op(
            self,
            self.ctx,
            lambda s: packages.withdraw_report(s, county=county, period=code, reason=reason),
            failure=self._shown,
        )
        if not op.ok:
            return
        self.refresh_city()
        self._ok(op.result["message"])

    def export_city(self) -> None:
        code = parse_period(self.period.currentText()).code
        path, _ = save_file_dialog(
            self, "导出全市汇总表", str(Path.home() / f"全市汇总表-{code}.xlsx"), "Excel 文件 (*.xlsx)"
        )
        if not path:
            return
        op = run_op(self, self.ctx, lambda s: packages.export_city_xlsx(s, code, path), failure=self._shown)
        if op.ok:
            self._ok(f"已导出全市汇总表：{path}（已报送 {op.result['reported']}/{op.result['registered']}）")

    # ------------------------------------------------------------------ messages

    def _ok(self, message: str) -> None:
        self.last_message = message
        self.result.setStyleSheet("color: #1b7f3b;")
        self.result.setText(message)
        show_info(self, message)

    def _shown(self, exc) -> bool:
        """Put the failure in the page's result line; the one error dialog follows (run_op shows it)."""
        msg = exc.message if isinstance(exc, UserError) else "出错了：详细信息已写入日志。"
        self.last_message = msg
        self.result.setStyleSheet("color: #b00020;")
        self.result.setText(msg)
        return False

    def _fail(self, exc) -> None:
        self._shown(exc)
        show_error(self, exc)

    def _refused(self, message: str) -> None:
        """attempt(..., shown=self._refused): the page's result line and the one error dialog."""
        self._fail(UserError(message))


PAGE = PageSpec("exchange", "报送与汇总", "统计报表", 55, ExchangePage)
