"""Files from and for office software: Excel's "Unicode 文本" (UTF-16 .txt), drop-down lists past Excel's
255-character limit, USB sticks that report DRIVE_FIXED, attachment paths that survive a move to 信创."""

from __future__ import annotations

import openpyxl

from app.services.exchange import drives
from app.services.foundation import xlsx
from app.services.pools import reader

DRIVE_REMOVABLE, DRIVE_FIXED, DRIVE_REMOTE, DRIVE_CDROM = 2, 3, 4, 5


def test_excel_unicode_text_is_read(tmp_path):
    path = tmp_path / "重点排污单位名录.txt"
    text = "统一社会信用代码\t单位名称\t行业\r\n91140525MA0GXXXX1X\t𠮷县化工有限公司\t化工\r\n"
    path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))  # what Excel writes for "Unicode 文本"
    table = reader.read_table(path, known_headers=["统一社会信用代码", "单位名称", "行业"])
    assert table.headers[:3] == ["统一社会信用代码", "单位名称", "行业"]
    assert table.rows[0][1][1] == "𠮷县化工有限公司"


def test_gbk_and_utf8_csv_still_read(tmp_path):
    for enc in ("gbk", "utf-8-sig", "utf-8"):
        path = tmp_path / f"名录-{enc}.csv"
        path.write_bytes("单位名称,行业\r\n泽州县某某煤业有限公司,煤炭\r\n".encode(enc))
        table = reader.read_table(path, known_headers=["单位名称", "行业"])
        assert table.rows[0][1][0] == "泽州县某某煤业有限公司"


def test_long_drop_down_lists_go_to_a_hidden_sheet(tmp_path):
    wb, ws = xlsx.new_workbook("检查结果")
    short = ["现场检查", "书面检查", "在线监控"]
    long = [f"检查发现问题类型第{i:02d}项（需责令改正）" for i in range(30)]
    assert len(",".join(long)) > 255
    xlsx.add_list_validation(ws, 1, short)
    xlsx.add_list_validation(ws, 2, long)
    out = xlsx.save_workbook(wb, tmp_path / "模板.xlsx")
    back = openpyxl.load_workbook(out)
    formulas = [dv.formula1 for dv in back["检查结果"].data_validations.dataValidation]
    assert formulas[0] == '"现场检查,书面检查,在线监控"'
    assert formulas[1] == "_lists!$A$1:$A$30"
    assert all(len(f) <= 257 for f in formulas)
    assert back["_lists"].sheet_state == "hidden"
    assert [back["_lists"].cell(i, 1).value for i in range(1, 31)] == long
    assert back.properties.lastModifiedBy.startswith("双随机抽查工作台 ")


def test_usb_sticks_reporting_drive_fixed_are_listed():
    types = {
        "C:\\": DRIVE_FIXED,
        "D:\\": DRIVE_FIXED,
        "E:\\": DRIVE_REMOVABLE,
        "F:\\": DRIVE_FIXED,
        "Z:\\": DRIVE_REMOTE,
    }
    buses = {"C:\\": 17, "D:\\": 11, "F:\\": 7}  # NVMe system disk, SATA data disk, USB stick
    mask = sum(1 << (ord(root[0]) - ord("A")) for root in types)
    found = drives._windows_drives(
        mask=mask,
        get_drive_type=types.__getitem__,
        get_bus_type=buses.get,
        get_label=lambda root: {"E:\\": "KINGSTON", "F:\\": "执法U盘"}.get(root, ""),
        system_drive="C:",
    )
    assert [d["label"] for d in found] == ["KINGSTON (E:)", "执法U盘 (F:)"]


def test_a_usb_system_drive_is_never_offered():
    assert not drives.is_exchange_drive("C", DRIVE_FIXED, 7, "C:")  # Windows To Go
    assert drives.is_exchange_drive("F", DRIVE_FIXED, 7, "C:")
    assert not drives.is_exchange_drive("D", DRIVE_FIXED, 11, "C:")
    assert not drives.is_exchange_drive("G", DRIVE_CDROM, None, "C:")


def test_attachments_stored_on_windows_are_found_on_linux(session, tmp_path):
    from app.models.outcomes import Attachment
    from app.services.outcomes import outcomes as svc

    att = Attachment(outcome_id=1, filename="笔录.pdf", stored_path="12\\0123456789abcdef.pdf", sha256="0" * 64, size=1)
    assert svc.attachment_path(att).parts[-2:] == ("12", "0123456789abcdef.pdf")  # an old Windows key
