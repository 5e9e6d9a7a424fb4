"""Issue 13 point 2: what is stored can always be written back out.

Control characters are refused at import with the row and column; over-long values are a row error, never
cut; and a property test stores arbitrary valid text and exports it (Excel, PDF, report package)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.models import InspectionObject
from app.services.foundation import office as office_service
from app.services.foundation.errors import UserError
from app.services.pools import guard, importer, pools
from tests.conftest import TEST_KEY_PASSPHRASE
from tests.factories import make_uscc
from tests.faults.conftest import write_objects_xlsx


def _csv_with(tmp_path, bad: str):
    path = tmp_path / "ctl.csv"
    path.write_text(
        f"单位名称,统一社会信用代码,地址\n甲公司,{make_uscc(1)},城关镇\n乙公司,{make_uscc(2)},城关镇{bad}2号\n",
        encoding="utf-8",
    )
    return path


def _xlsx_with(tmp_path, bad: str):
    """An .xlsx carrying the character as Excel stores it (the OOXML escape _x001B_)."""
    import zipfile

    src = write_objects_xlsx(tmp_path / "plain.xlsx", 3, address=lambda i: "CTRLHERE" if i == 1 else "城关镇")
    path = tmp_path / "ctl.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            data = data.replace(b"CTRLHERE", f"城关镇_x{ord(bad):04X}_2号".encode())
            zout.writestr(item, data)
    return path


@pytest.mark.parametrize("bad", ["\x00", "\x1b", "\x07", "\x0b", "\x7f"])
@pytest.mark.parametrize("make", [_csv_with, _xlsx_with], ids=["csv", "xlsx"])
def test_control_characters_are_refused_with_row_and_column(session, tmp_path, bad, make):
    path = make(tmp_path, bad)
    rep = importer.run_import(session, "objects", path)
    assert not rep.written
    assert any(e["row"] == 3 and e["column"] == "地址" and "控制字符" in e["message"] for e in rep.errors), rep.errors
    assert session.scalar(select(InspectionObject).limit(1)) is None


def test_a_100000_character_name_is_a_row_error_not_truncated(session, tmp_path):
    path = tmp_path / "long.csv"
    path.write_text(
        f"单位名称,统一社会信用代码\n{'长' * 100_000},{make_uscc(1)}\n正常公司,{make_uscc(2)}\n", encoding="utf-8"
    )
    rep = importer.run_import(session, "objects", path)
    assert not rep.written
    assert any(e["row"] == 2 and "100,000 个字符" in e["message"] and "200" in e["message"] for e in rep.errors)
    rep = importer.run_import(session, "objects", path, skip_invalid=True)
    names = session.scalars(select(InspectionObject.name)).all()
    assert names == ["正常公司"]


def test_edits_are_checked_the_same_way(session):
    session.add(InspectionObject(uscc=make_uscc(3), name="甲公司"))
    session.flush()
    with pytest.raises(UserError, match="控制字符"):
        pools.update_object(session, make_uscc(3), {"address": "城关\x1b镇"})
    with pytest.raises(UserError, match="超过此项允许的 300 个字符"):
        pools.update_object(session, make_uscc(3), {"address": "路" * 301})


def test_guard_limits_follow_the_model():
    assert guard.column_limit("objects", "name") == 200
    assert guard.column_limit("objects", "tags") is None


VALID_TEXT = (
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"),
        min_size=1,
        max_size=60,
    )
    .map(str.strip)
    .filter(lambda t: t and not guard.CONTROL.search(t))
)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=VALID_TEXT, address=VALID_TEXT)
def test_any_stored_valid_text_exports_to_excel_pdf_and_package(db, tmp_path_factory, name, address):
    from datetime import date

    from reportlab.platypus import Paragraph

    from app.services.exchange import packages
    from app.services.foundation import pdf
    from app.services.foundation.context import Actor, acting_as

    out = tmp_path_factory.mktemp("exp")
    today = date.today()
    period = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    code = make_uscc(9)
    with acting_as(Actor("admin", "管理员")), db.writer() as s:
        obj = s.scalar(select(InspectionObject).where(InspectionObject.uscc == code))
        if obj is None:
            s.add(InspectionObject(uscc=code, name="占位"))
            s.flush()
        pools.update_object(s, code, {"name": name[:200], "address": address[:300]})
        pools.set_status(s, code, "停产" if obj is None or obj.status != "停产" else "存续", reason=address[:100])
        s.commit()
        path, n = pools.export_kind(s, "objects", out / "objects.xlsx")
        assert n == 1 and path.exists()
        stored = s.scalar(select(InspectionObject.name).where(InspectionObject.uscc == code))
        if not office_service.require_office(s).signing_key_pem:  # the first example makes the office's key
            office_service.change_passphrase(s, None, TEST_KEY_PASSPHRASE)
        result = packages.export_package(s, period, out, passphrase=TEST_KEY_PASSPHRASE)
        s.commit()
    zips = list(out.glob("*.zip"))
    assert len(zips) == 1 and zips[0].stat().st_size > 0, result
    with db.Session() as s:
        from app.services.foundation.office import get_office

        key = get_office(s).public_key_pem
    checked = packages.verify_package(zips[0], public_key_pem=key)
    assert checked is not None
    pdf.build_pdf(out / "t.pdf", [Paragraph(pdf.esc(stored), pdf.styles()["body"])], title="导出测试")
    assert (out / "t.pdf").read_bytes().startswith(b"%PDF")
