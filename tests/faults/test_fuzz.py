"""Issue 13 point 7: bounded fuzzing (hypothesis) of the spreadsheet reader, the importer and the package
reader — whatever the bytes, the answer is a result or a Chinese UserError, never another exception.
A longer run of the same properties: `python bench/fuzz.py --minutes 30`."""

from __future__ import annotations

import io
import json
import os
import zipfile

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.services.exchange import packages
from app.services.foundation.errors import UserError
from app.services.pools import importer, reader

# CI: 25 examples per property (well under a minute), the same ones every run (derandomized), so a red CI always
# points at a change of ours and can be re-run. bench/fuzz.py explores: SSJ_FUZZ_EXAMPLES examples from random seeds
# (what it finds becomes a plain test, like the zip "version 6.4" directory in test_hostile_spreadsheets.py).
_EXPLORE = "SSJ_FUZZ_EXAMPLES" in os.environ
FAST = settings(
    max_examples=int(os.environ.get("SSJ_FUZZ_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=not _EXPLORE,
    database=None,
)


def _valid_xlsx() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["单位名称", "统一社会信用代码", "地址"])
    ws.append(["甲公司", "91140525MA0K3XXX0X", "城关镇"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


BASE_XLSX = _valid_xlsx()


def _mutate(data: bytes, edits: list[tuple[int, int]]) -> bytes:
    b = bytearray(data)
    for pos, val in edits:
        b[pos % len(b)] = val
    return bytes(b)


def _read(path) -> None:
    try:
        reader.read_table(path, known_headers=["单位名称", "统一社会信用代码"])
    except UserError as exc:
        assert exc.message and not exc.message.isascii()


@FAST
@given(edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=20))
def test_reader_on_mutated_xlsx(tmp_path_factory, edits):
    path = tmp_path_factory.mktemp("fz") / "m.xlsx"
    path.write_bytes(_mutate(BASE_XLSX, edits))
    _read(path)


@FAST
@given(data=st.binary(max_size=4096), suffix=st.sampled_from([".xlsx", ".xls", ".csv", ".ods"]))
def test_reader_on_random_bytes(tmp_path_factory, data, suffix):
    path = tmp_path_factory.mktemp("fz") / f"r{suffix}"
    path.write_bytes(data)
    _read(path)


@FAST
@given(
    rows=st.lists(
        st.lists(st.text(max_size=30), min_size=1, max_size=4),
        min_size=1,
        max_size=8,
    )
)
def test_importer_on_arbitrary_csv_text(session, tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("fz") / "i.csv"
    lines = ["单位名称,统一社会信用代码,地址"] + [
        ",".join(c.replace(",", " ").replace("\n", " ") for c in r) for r in rows
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    try:
        rep = importer.run_import(session, "objects", path, skip_invalid=True)
    except UserError as exc:
        assert exc.message
    else:
        assert rep is not None
    session.rollback()


def _public_key() -> str:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from app.services.foundation.office import _public_pem

    return _public_pem(Ed25519PrivateKey.generate())


PUBLIC_KEY = _public_key()


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4),
    max_leaves=20,
)


@FAST
@given(
    manifest=JSONISH,
    extra=st.dictionaries(
        st.text(
            st.characters(min_codepoint=0x21, max_codepoint=0x9FFF, blacklist_categories=("Cs",)),
            min_size=1,
            max_size=20,
        ),
        st.binary(max_size=200),
        max_size=3,
    ),
)
def test_package_reader_on_arbitrary_packages(tmp_path_factory, manifest, extra):
    path = tmp_path_factory.mktemp("fz") / "p.ssjpkg.zip"
    entries = {"manifest.json": json.dumps(manifest).encode(), "manifest.sig": b"AAAA\n", **extra}
    path.write_bytes(_zip(entries))
    try:
        packages.verify_package(path, public_key_pem=PUBLIC_KEY)
    except UserError as exc:
        assert exc.message


def test_deeply_nested_json_is_refused_by_verify_and_package_reader(cli, db, tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    rc, _out, err = cli("verify", str(deep))
    assert rc == 1 and "嵌套层数过深" in err and "Traceback" not in err
    path = tmp_path / "deep.ssjpkg.zip"
    path.write_bytes(_zip({"manifest.json": b"[" * 100_000 + b"]" * 100_000, "manifest.sig": b"AAAA\n"}))
    try:
        packages.verify_package(path, public_key_pem=PUBLIC_KEY)
    except UserError as exc:
        assert exc.message
