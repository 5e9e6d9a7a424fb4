"""The signed USB package (报送包) between a county office and the municipal bureau.

County side: `export_package(session, period, out_dir)` writes ONE zip into `out_dir`, named after the
office and the period (`<office>-<period>.ssjpkg.zip`), holding

    季度统计表-<period>.xlsx, 名录库调整信息-<period>.xlsx     the tables as sent today
    data/stats.json, data/adjustments.json                     the figures (machine-readable)
    data/draws.json                                            the period's draw records + chain heads
    data/maintenance.json                                      本机维护 (account recovery) since the last package
    manifest.json                                              office, region code, period, created_at,
                                                               app version, public key, file list
                                                               (name, SHA-256, size)
    manifest.sig                                               Ed25519 signature over the manifest bytes

The zip is written to a hidden temp file in the same folder, verified, renamed, then read back and
verified again ("已写入并校验"); a full or write-protected stick gives a Chinese message and leaves
nothing behind.

City side: `register_county(...)` is the explicit trust step (a county's public key, by fingerprint);
`import_package(session, path)` checks the zip (truncation, entry names, sizes, zip bombs, duplicates,
symlinks), the manifest's hashes, the signature against the REGISTERED key and the period, then stores
the figures as a `CountyReport` in one transaction. The same package twice changes nothing; a newer
package for the same county and period supersedes the older one (recorded in the audit log).
"""

from __future__ import annotations

import base64
import errno
import hashlib
import io
import json
import math
import os
import re
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import __version__
from app.models.core import AuditEntry, AuditHead, Office
from app.models.draw import Draw
from app.models.exchange import CountyReport, TrustedCounty
from app.models.vocabulary import DrawState
from app.services.exchange.drives import safe_filename
from app.services.foundation import audit, maintenance, permissions
from app.services.foundation import office as office_service
from app.services.foundation.errors import UserError
from app.services.foundation.figures import size_text
from app.services.foundation.files import replace_retrying
from app.services.foundation.office import require_office
from app.services.foundation.periods import Period, parse_period
from app.services.reports import statistics as stats_service
from app.services.reports import statistics_forms

FORMAT = "ssj-package"
FORMAT_VERSION = 1
SUFFIX = ".ssjpkg.zip"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
MAX_PACKAGE_BYTES = 200 * 1024 * 1024  # the zip file itself
MAX_ENTRY_BYTES = 50 * 1024 * 1024  # one uncompressed entry
MAX_TOTAL_BYTES = 200 * 1024 * 1024  # all entries uncompressed
MAX_ENTRIES = 200
MAX_MANIFEST_BYTES = 1024 * 1024
MAX_RATIO = 200  # uncompressed/compressed, for entries above 1 MiB
_DRIVE = re.compile(r"^[A-Za-z]:")


# --------------------------------------------------------------------------- keys


def load_public_key(pem: str | bytes) -> Ed25519PublicKey:
    data = pem.encode() if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise UserError("公钥文件格式不对：应为县级单位从“ssj key export”导出的 PEM 公钥文件。") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise UserError("公钥不是 Ed25519 公钥：请使用双随机抽查工作台导出的本单位公钥。")
    return key


def key_fingerprint(pem: str | bytes) -> str:
    """SHA-256 (hex) of the raw 32-byte Ed25519 public key."""
    raw = load_public_key(pem).public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def format_fingerprint(fp: str) -> str:
    """Groups of four for reading aloud over the phone: 'AB12 CD34 …'."""
    return " ".join(fp[i : i + 4].upper() for i in range(0, len(fp), 4))


def export_public_key(session: Session, out) -> dict:
    """Write the office's public key (PEM with a comment header) for the bureau to register."""
    from app.services.foundation.files import atomic_path

    office = require_office(session)
    if not office.public_key_pem:
        raise UserError("本单位没有签名密钥（数据库初始化不完整）。请联系管理员重新初始化。")
    fp = key_fingerprint(office.public_key_pem)
    text = (
        f"# 双随机抽查工作台 单位公钥\n# 单位：{office.name}\n# 行政区划代码：{office.region_code or '—'}\n"
        f"# 指纹（SHA-256）：{format_fingerprint(fp)}\n{office.public_key_pem.strip()}\n"
    )
    with atomic_path(out, ".pem") as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
    return {
        "path": str(out),
        "office": office.name,
        "region_code": office.region_code,
        "fingerprint": fp,
        "fingerprint_display": format_fingerprint(fp),
    }


def _pem_from_text(text: str) -> str:
    m = re.search(r"-----BEGIN PUBLIC KEY-----.*?-----END PUBLIC KEY-----", text, re.S)
    if not m:
        raise UserError("公钥文件中没有找到“BEGIN PUBLIC KEY”段：请使用县级单位导出的 .pem 公钥文件。")
    return m.group(0) + "\n"


def register_county(
    session: Session, *, key_text: str, name: str, region_code: str = "", replace: bool = False
) -> TrustedCounty:
    """市级: the explicit trust step — register a county office by its public key.

    `replace=True`: the county (same name) replaced its signing key; its new public key takes the old one's
    place (audited with both fingerprints) and packages signed with the old key are refused from now on."""
    permissions.require(session, "city.import")
    office = require_office(session)
    if office.level != "city":
        raise UserError("只有市级单位的数据库才能登记县级单位。本数据库是县级单位。")
    name = (name or "").strip()
    if not name:
        raise UserError("请填写县级单位名称（--name）。")
    region_code = (region_code or "").strip()
    if region_code and (not region_code.isdigit() or len(region_code) not in (6, 9, 12)):
        raise UserError(f"行政区划代码“{region_code}”无效，应为 6 位数字。")
    pem = _pem_from_text(key_text)
    fp = key_fingerprint(pem)
    existing = session.scalar(select(TrustedCounty).where(TrustedCounty.key_fingerprint == fp))
    if existing is not None:
        raise UserError(
            f"此公钥已登记为“{existing.office_name}”（指纹 {format_fingerprint(fp)[:19]}…），无需重复登记。"
        )
    from app.services.foundation.context import current_user

    same_name = session.scalar(select(TrustedCounty).where(TrustedCounty.office_name == name))
    if replace:
        if same_name is None:
            raise UserError(f"没有已登记的县级单位“{name}”，无法更换公钥。新登记请去掉 --replace。")
        old_fp = same_name.key_fingerprint
        same_name.public_key_pem = pem
        same_name.key_fingerprint = fp
        same_name.registered_by = current_user()
        same_name.active = True
        if region_code:
            same_name.region_code = region_code
        session.flush()
        audit.record(
            session,
            "更换县级公钥",
            "trusted_county",
            str(same_name.id),
            summary=f"{name}：旧公钥指纹 {old_fp} → 新公钥指纹 {fp}",
            before={"key_fingerprint": old_fp},
            after={"key_fingerprint": fp},
        )
        return same_name
    if same_name is not None:
        raise UserError(
            f"“{name}”已登记（公钥指纹 {format_fingerprint(same_name.key_fingerprint)[:19]}…）。"
            "如该县更换了签名密钥，请电话核对新指纹后加 --replace 重新登记。"
        )
    county = TrustedCounty(
        office_name=name,
        region_code=region_code,
        public_key_pem=pem,
        key_fingerprint=fp,
        active=True,
        registered_by=current_user(),
    )
    session.add(county)
    session.flush()
    audit.record(session, "登记县级单位", "trusted_county", str(county.id), summary=f"{name}，公钥指纹 {fp}")
    return county


def list_counties(session: Session) -> list[TrustedCounty]:
    return list(session.scalars(select(TrustedCounty).order_by(TrustedCounty.region_code, TrustedCounty.id)))


# --------------------------------------------------------------------------- export (county)


def canonical_bytes(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=2, default=str).encode("utf-8")


def package_name(office_name: str, period: str) -> str:
    return safe_filename(f"{office_name}-{period}") + SUFFIX


def _xlsx_bytes(writer, session: Session, period: Period) -> bytes:
    with tempfile.TemporaryDirectory(prefix="ssj-pkg-") as tmp:
        path = Path(tmp) / "t.xlsx"
        writer(session, period, path)
        return path.read_bytes()


def draw_records(session: Session, period: Period) -> dict:
    """The period's draw records (every state but 草稿, voided ones included) with the chain heads."""
    draws = session.scalars(
        select(Draw)
        .where(Draw.period.in_(sorted(stats_service.period_codes(period))), Draw.state != DrawState.DRAFT)
        .order_by(Draw.id)
    ).all()
    items = []
    for d in draws:
        try:
            record = json.loads(d.record) if d.record else None
        except ValueError:
            record = d.record
        items.append(
            {
                "id": d.id,
                "period": d.period,
                "task_id": d.task_id,
                "state": d.state,
                "fingerprint": d.fingerprint,
                "seed": d.seed,
                "seed_source": d.seed_source,
                "previous_hash": d.previous_hash,
                "record_hash": d.record_hash,
                "void_reason": d.void_reason,
                "record": record,
            }
        )
    chain = []
    for d in session.scalars(select(Draw).where(Draw.record != "").order_by(Draw.id)):
        try:
            rec = json.loads(d.record)
        except ValueError:
            continue
        if isinstance(rec, dict) and "chain_seq" in rec:
            chain.append(
                {
                    "seq": int(rec.get("chain_seq") or 0),
                    "draw_id": d.id,
                    "period": d.period,
                    "state": d.state,
                    "record_hash": str(rec.get("record_hash", d.record_hash)),
                    "previous_hash": str(rec.get("previous_hash", d.previous_hash)),
                }
            )
    chain.sort(key=lambda r: r["seq"])
    try:  # the draw area's own chain check (every record, every link, the audit entries)
        from app.services.draw import draws as draw_service

        check = draw_service.verify_chain(session)
        verified, message, head = bool(check["ok"]), str(check["message"]), str(check.get("head") or "")
    except ImportError:  # pragma: no cover - the draw area is part of the app
        verified, message = None, "未校验"
        head = chain[-1]["record_hash"] if chain else ""
    if not head and chain:
        head = chain[-1]["record_hash"]
    head_row = session.get(AuditHead, 1)
    audit_check = audit.verify(session)
    return {
        "audit_verified": audit_check.ok,
        "audit_message": audit_check.message[:2000],
        "period": period.code,
        "draws": items,
        "chain_head": head,
        "chain_length": len(chain),
        "chain_verified": verified,
        "chain_message": message,
        "chain": chain,
        "audit_head": head_row.hash if head_row else audit.GENESIS,
        "audit_seq": head_row.seq if head_row else 0,
    }


AUDIT_CHAIN = "data/audit-chain.txt"


def audit_chain_bytes(session: Session) -> bytes:
    """The hash of every audit entry, in order (line N = entry No.N): the city checks that the heads it saw
    before are still in the chain, so a log cut short and grown again does not go unnoticed."""
    hashes = session.scalars(select(AuditEntry.hash).order_by(AuditEntry.seq)).all()
    return ("\n".join(hashes) + ("\n" if hashes else "")).encode("ascii")


def build_package(session: Session, period: str | Period, *, passphrase: str | None) -> tuple[str, bytes, dict]:
    """(file name, zip bytes, manifest) for the office and period; nothing is written to disk.

    The private key is decrypted with the 报送口令 (`passphrase`) first, so a wrong one costs nothing."""
    p = parse_period(period) if isinstance(period, str) else period
    office = require_office(session)
    key, note = office_service.signing_key(session, passphrase)
    session.info["key_note"] = note
    stats = stats_service.compute(session, p)
    adjustments = stats_service.adjustments(session, p)
    draws = draw_records(session, p)
    maintenance_entries, _upto = maintenance.for_package(session)
    files: dict[str, bytes] = {
        f"季度统计表-{p.code}.xlsx": _xlsx_bytes(statistics_forms.export_stats_xlsx, session, p),
        f"名录库调整信息-{p.code}.xlsx": _xlsx_bytes(statistics_forms.export_adjustments_xlsx, session, p),
        "data/stats.json": canonical_bytes(stats),
        "data/adjustments.json": canonical_bytes(adjustments),
        "data/draws.json": canonical_bytes(draws),
        AUDIT_CHAIN: audit_chain_bytes(session),
        # 本机维护 since the last package: account recovery done without an account, for the city to see
        "data/maintenance.json": canonical_bytes({"entries": maintenance_entries}),
    }
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "office": office.name,
        "region_code": office.region_code,
        "level": office.level,
        "period": p.code,
        "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "app_version": __version__,
        "public_key": office.public_key_pem,
        "key_fingerprint": key_fingerprint(office.public_key_pem),
        "chain_head": draws["chain_head"],
        "audit_head": draws["audit_head"],
        "audit_seq": draws["audit_seq"],
        "files": [{"name": n, "sha256": hashlib.sha256(b).hexdigest(), "size": len(b)} for n, b in files.items()],
    }
    manifest_bytes = canonical_bytes(manifest)
    signature = base64.b64encode(key.sign(manifest_bytes)) + b"\n"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(MANIFEST, manifest_bytes)
        zf.writestr(SIGNATURE, signature)
        for name, data in files.items():
            zf.writestr(name, data)
    return package_name(office.name, p.code), buf.getvalue(), manifest


def _write_error(exc: OSError, folder: Path) -> UserError:
    if getattr(exc, "winerror", None) is not None:  # Windows: tell a held file from write protection
        from app.services.foundation.files import write_error

        return write_error(exc, folder)
    if exc.errno == errno.ENOSPC:
        return UserError(f"目标位置 {folder} 空间不足，报送包没有写入。请清理 U 盘或换一个 U 盘后重试。")
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return UserError(f"无法写入 {folder}：U 盘处于写保护状态或没有写权限。请拨开写保护开关或换一个位置后重试。")
    return UserError(f"无法写入 {folder}：{exc.strerror or exc}。请检查 U 盘是否插好，或换一个位置后重试。")


def readiness(session: Session, period: str | Period) -> dict:
    """Before writing a package: which period it is and how many of its results are not yet entered or published.

    {period, label, drawn, not_entered, not_published, warning} — ``warning`` is "" when the package is complete,
    else a Chinese sentence naming the period and the counts (the page asks before writing; the CLI prints it)."""
    from app.models.vocabulary import OutcomeState
    from app.services.outcomes import outcomes as outcome_service

    p = parse_period(period) if isinstance(period, str) else period
    rows = [r for code in sorted(stats_service.period_codes(p)) for r in outcome_service.period_rows(session, code)]
    not_entered = sum(r.state == OutcomeState.NOT_ENTERED for r in rows)
    not_published = sum(r.state != OutcomeState.PUBLISHED for r in rows)
    if not rows:
        warning = f"{p.label}（{p.code}）没有抽取记录，报送包里的抽查数字都将是 0。"
    elif not_entered or not_published:
        warning = (
            f"{p.label}（{p.code}）抽中 {len(rows)} 个对象：{not_entered} 个检查结果未录入，"
            f"{not_published} 个尚未公示。报送包会按现在的数字写入，市局看到的就是这些数字。"
        )
    else:
        warning = ""
    return {
        "period": p.code,
        "label": p.label,
        "drawn": len(rows),
        "not_entered": not_entered,
        "not_published": not_published,
        "warning": warning,
    }


def export_package(session: Session, period: str | Period, out_dir, *, passphrase: str | None) -> dict:
    """Write the package into the folder `out_dir` atomically, read it back and verify it.

    `passphrase` is the office's 报送口令, which unlocks the signing key (CLI: env SSJ_KEY_PASSPHRASE)."""
    info, maintenance_upto = _write_package(session, period, out_dir, passphrase=passphrase)
    maintenance.mark_packaged(session, maintenance_upto)
    return info


def export_package_in_steps(
    session_factory: Callable[[], Session],
    period: str | Period,
    out_dir,
    *,
    passphrase: str | None,
    writer_factory: Callable[[], Session] | None = None,
) -> dict:
    """`export_package` without holding the write lock while the package is built, signed, written and read
    back (seconds at 100,000 objects; issue 13 point 5): everything is read from one consistent read of a
    plain session, and only what the export changes — a clear signing key of an old database encrypted first,
    the 本机维护 entries marked as sent after — is written, each in a short transaction of its own."""
    from app.models.db import begin_consistent_read

    writer_factory = writer_factory or session_factory
    note = ""
    with session_factory() as s:
        permissions.require(s, "packages.export")
        clear = office_service.key_is_clear(require_office(s))
    if clear:  # once, for a database from before the 报送口令
        with writer_factory() as s:
            _key, note = office_service.signing_key(s, passphrase)
            s.commit()
    with session_factory() as s:
        begin_consistent_read(s)
        info, maintenance_upto = _write_package(s, period, out_dir, passphrase=passphrase)
        s.rollback()
    if note:
        info["key_note"] = note
        info["message"] += f"\n{note}"
    if maintenance_upto:  # monotonic: a package exported meanwhile that marked more changes nothing
        with writer_factory() as s:
            maintenance.mark_packaged(s, maintenance_upto)
            s.commit()
    return info


def _write_package(session: Session, period: str | Period, out_dir, *, passphrase: str | None) -> tuple[dict, int]:
    """(the `export_package` answer, the 本机维护 entry to mark as sent); writes nothing but the file."""
    permissions.require(session, "packages.export")
    folder = Path(out_dir)
    if not folder.is_dir():
        raise UserError(f"目标文件夹 {folder} 不存在（U 盘是否已插好？）。请选择 U 盘或一个已存在的文件夹。")
    name, data, manifest = build_package(session, period, passphrase=passphrase)
    note = session.info.pop("key_note", "")
    _entries, maintenance_upto = maintenance.for_package(session)
    office = require_office(session)
    target = folder / name
    from app.services.foundation.files import sweep, temp_path

    sweep(folder)  # temporary files of an earlier, killed export
    tmp = temp_path(target)
    try:
        try:
            with open(tmp, "xb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            # read the temp file back before it takes the real name
            verify_package(tmp, public_key_pem=office.public_key_pem)
            replace_retrying(tmp, target)  # Windows: a target held by antivirus/WPS
        except OSError as exc:
            raise _write_error(exc, folder) from exc
    finally:
        try:
            if tmp.exists():
                tmp.unlink()
        except OSError:
            pass
    try:
        result = verify_package(target, public_key_pem=office.public_key_pem)
    except UserError as exc:
        raise UserError(f"报送包已写入 {target}，但读回校验失败：{exc.message} 请换一个 U 盘重新写入。") from exc
    digest = hashlib.sha256(data).hexdigest()
    if result.sha256 != digest:
        raise UserError(f"报送包已写入 {target}，但读回内容与写入内容不一致。请换一个 U 盘重新写入。")
    return {
        "path": str(target),
        "name": name,
        "size": len(data),
        "sha256": digest,
        "period": manifest["period"],
        "office": manifest["office"],
        "files": [f["name"] for f in manifest["files"]],
        "fingerprint": manifest["key_fingerprint"],
        "verified": True,
        "message": f"已写入并校验：{target}（{size_text(len(data))}，{len(manifest['files'])} 个文件，签名有效）"
        + (f"\n{note}" if note else ""),
        "key_note": note,
    }, maintenance_upto


# --------------------------------------------------------------------------- verification (both sides)


@dataclass
class VerifiedPackage:
    path: str
    sha256: str
    manifest: dict
    files: dict[str, bytes] = field(default_factory=dict)
    county: TrustedCounty | None = None

    def json_file(self, name: str):
        try:
            value = json.loads(self.files[name].decode("utf-8"), parse_constant=_no_constant)
        except _NotANumber as exc:
            raise UserError(
                f"报送包中的 {name} 含有 {exc.args[0]}，不是有效的数字，已拒绝。请让县级单位核对数据后重新生成报送包。"
            ) from exc
        except (KeyError, ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise UserError(f"报送包中的 {name} 缺失或不是有效的 JSON。请让县级单位重新生成报送包。") from exc
        bad = _non_finite(value)
        if bad is not None:
            raise UserError(
                f"报送包中的 {name} 在“{bad}”处有超出范围的数字（无穷大），不是有效的数字，已拒绝。"
                "请让县级单位核对数据后重新生成报送包。"
            )
        return value


class _NotANumber(ValueError):
    pass


def _no_constant(name: str):
    """json.loads would turn NaN / Infinity / -Infinity into floats; a package never contains them."""
    raise _NotANumber(name)


def _non_finite(value, path: str = "") -> str | None:
    """The path of the first float that is not finite (1e999 parses as inf), else None."""
    if isinstance(value, float) and not math.isfinite(value):
        return path or "（顶层）"
    if isinstance(value, dict):
        for k, v in value.items():
            found = _non_finite(v, f"{path}.{k}" if path else str(k))
            if found:
                return found
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found = _non_finite(v, f"{path}[{i}]")
            if found:
                return found
    return None


def _check_entry_name(name: str, label: str) -> None:
    if "\x00" in name or any(ord(ch) < 32 for ch in name):
        raise UserError(f"{label}：条目名“{name!r}”含控制字符，已拒绝。")
    if "\\" in name:
        raise UserError(f"{label}：条目“{name}”的路径含反斜杠，已拒绝（可能试图写到包外）。")
    if name.startswith("/") or _DRIVE.match(name):
        raise UserError(f"{label}：条目“{name}”是绝对路径，已拒绝（可能试图写到包外）。")
    if ":" in name:
        raise UserError(f"{label}：条目“{name}”含冒号（盘符或 NTFS 数据流），已拒绝。")
    parts = name.split("/")
    if any(part == ".." for part in parts):
        raise UserError(f"{label}：条目“{name}”含“..”路径穿越，已拒绝。")
    if name.endswith("/") or any(part in ("", ".") for part in parts):
        raise UserError(f"{label}：条目“{name}”不是报送包应有的文件，已拒绝。")


def _read_zip(path: Path) -> tuple[bytes, str]:
    label = f"报送包 {path.name}"
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise UserError(f"找不到文件 {path}。请确认 U 盘已插好、文件名正确。") from exc
    if size > MAX_PACKAGE_BYTES:
        raise UserError(
            f"{label} 过大（{size_text(size)}，上限 {size_text(MAX_PACKAGE_BYTES)}），不是正常的报送包，已拒绝。"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"无法读取 {path}：{exc.strerror or exc}。") from exc
    return data, hashlib.sha256(data).hexdigest()


def verify_package(path, *, public_key_pem: str | None = None, session: Session | None = None) -> VerifiedPackage:
    """Check a package completely; raises UserError (Chinese) on the first problem.

    The signature is checked against `public_key_pem` (county read-back) or, with `session`, against
    the key of the registered county whose fingerprint the manifest names (city import).
    """
    path = Path(path)
    label = f"报送包 {path.name}"
    data, digest = _read_zip(path)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, NotImplementedError) as exc:
        # NotImplementedError: a directory claiming a zip version or method this reader does not know
        raise UserError(f"{label} 已损坏或不完整（可能在拷贝时被截断）。请让县级单位重新写入 U 盘后再导入。") from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ENTRIES:
            raise UserError(f"{label} 含 {len(infos)} 个条目，超过上限 {MAX_ENTRIES}，已拒绝。")
        seen: set[str] = set()
        total = 0
        for info in infos:
            name = info.filename
            _check_entry_name(name, label)
            if name in seen:
                raise UserError(f"{label}：条目“{name}”重复出现，已拒绝（可能被篡改）。")
            seen.add(name)
            mode = (info.external_attr >> 16) & 0o170000
            if mode == stat.S_IFLNK:
                raise UserError(f"{label}：条目“{name}”是符号链接，已拒绝。")
            if info.flag_bits & 0x1:
                raise UserError(f"{label}：条目“{name}”被加密，不是本程序生成的报送包，已拒绝。")
            if info.file_size > MAX_ENTRY_BYTES:
                raise UserError(
                    f"{label}：条目“{name}”解压后 {size_text(info.file_size)}，超过单个文件上限 "
                    f"{size_text(MAX_ENTRY_BYTES)}，已拒绝。"
                )
            if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise UserError(f"{label}：条目“{name}”压缩比异常（疑似压缩炸弹），已拒绝。")
            total += info.file_size
            if total > MAX_TOTAL_BYTES:
                raise UserError(f"{label}：解压后总大小超过上限 {size_text(MAX_TOTAL_BYTES)}，已拒绝。")
        if MANIFEST not in seen:
            raise UserError(f"{label} 中没有 {MANIFEST}，不是有效的报送包。")
        if SIGNATURE not in seen:
            raise UserError(f"{label} 缺少签名文件 {SIGNATURE}，无法确认来源，已拒绝。请让县级单位重新生成报送包。")
        contents: dict[str, bytes] = {}
        for info in infos:
            try:
                with zf.open(info) as fh:
                    blob = fh.read(info.file_size + 1)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError) as exc:
                raise UserError(
                    f"{label} 的条目“{info.filename}”无法解压（文件已损坏或被截断）。"
                    f"请让县级单位重新写入 U 盘后再导入。"
                ) from exc
            if len(blob) != info.file_size:
                raise UserError(f"{label} 的条目“{info.filename}”大小与目录记录不符，已拒绝。")
            contents[info.filename] = blob
    manifest_bytes = contents[MANIFEST]
    if len(manifest_bytes) > MAX_MANIFEST_BYTES:
        raise UserError(f"{label} 的 {MANIFEST} 过大，不是正常的报送包，已拒绝。")
    try:
        manifest = json.loads(manifest_bytes.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise UserError(f"{label} 的 {MANIFEST} 不是有效的 JSON，已拒绝。") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise UserError(f"{label} 不是双随机抽查工作台的报送包（manifest 格式不对）。")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise UserError(f"{label} 的格式版本 {manifest.get('format_version')} 本程序不支持。请升级程序。")
    # --- who signed it
    county = None
    if public_key_pem is None:
        if session is None:
            raise UserError("内部错误：校验报送包需要公钥或已登记的县级单位。")
        try:
            fp = key_fingerprint(str(manifest.get("public_key", "")))
        except UserError as exc:
            raise UserError(f"{label} 的公钥无效，已拒绝。") from exc
        county = session.scalar(select(TrustedCounty).where(TrustedCounty.key_fingerprint == fp))
        if county is None or not county.active:
            raise UserError(
                f"{label} 来自未登记的单位“{manifest.get('office', '')}”（公钥指纹 {format_fingerprint(fp)}）。"
                f"请先向该单位索取其公钥文件（县级执行“ssj key export --out 公钥.pem”），电话核对指纹后登记："
                f"“ssj county register --key 公钥.pem --name 单位名称”，或在“报送与汇总”页点“登记县级单位”。"
            )
        public_key_pem = county.public_key_pem
    try:
        signature = base64.b64decode(contents[SIGNATURE].strip(), validate=True)
    except ValueError as exc:
        raise UserError(f"{label} 的签名文件格式不对，已拒绝。") from exc
    try:
        load_public_key(public_key_pem).verify(signature, manifest_bytes)
    except InvalidSignature as exc:
        raise UserError(
            f"{label} 的签名无效：清单被修改过，或不是该单位的密钥签的。已拒绝，请让县级单位重新生成报送包。"
        ) from exc
    # --- every file as the manifest says, nothing more
    listed = manifest.get("files")
    if not isinstance(listed, list):
        raise UserError(f"{label} 的清单没有文件列表，已拒绝。")
    names = set()
    for item in listed:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise UserError(f"{label} 的清单文件列表格式不对，已拒绝。")
        name = item["name"]
        names.add(name)
        if name not in contents:
            raise UserError(f"{label} 缺少清单中列出的文件“{name}”，已拒绝。")
        blob = contents[name]
        if len(blob) != item.get("size") or hashlib.sha256(blob).hexdigest() != item.get("sha256"):
            raise UserError(f"{label} 中的文件“{name}”与清单记录的 SHA-256 不符（被修改过），已拒绝。")
    extra = sorted(set(contents) - names - {MANIFEST, SIGNATURE})
    if extra:
        raise UserError(f"{label} 中有清单之外的文件：{'、'.join(extra)}，已拒绝。")
    # --- period consistency
    try:
        period = parse_period(str(manifest.get("period", "")))
    except UserError as exc:
        raise UserError(f"{label} 的期间“{manifest.get('period')}”无效，已拒绝。") from exc
    _check_created_at(manifest.get("created_at"), label)
    result = VerifiedPackage(path=str(path), sha256=digest, manifest=manifest, files=contents, county=county)
    stats = result.json_file("data/stats.json")
    if not isinstance(stats, dict) or stats.get("period") != period.code:
        raise UserError(
            f"{label}：统计数据的期间（{stats.get('period') if isinstance(stats, dict) else '?'}）"
            f"与清单的期间（{period.code}）不一致，已拒绝。"
        )
    adjustments = result.json_file("data/adjustments.json")
    if not isinstance(adjustments, dict) or adjustments.get("period") != period.code:
        raise UserError(f"{label}：名录库调整信息的期间与清单的期间（{period.code}）不一致，已拒绝。")
    for key in stats_service.flat_counts(stats):
        raw = stats_service.get_path(stats, _path_of(key))
        if raw is not None and raw != 0 and (not isinstance(raw, (int, float)) or isinstance(raw, bool) or raw < 0):
            raise UserError(f"{label}：统计数据“{key}”的值 {raw!r} 不合理，已拒绝。")
    return result


FUTURE_TOLERANCE = timedelta(days=1)


def _check_created_at(value, label: str, now: datetime | None = None) -> datetime:
    """The package's creation time: a real UTC timestamp, at most a day ahead of this computer's clock."""
    try:
        when = datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    except (TypeError, ValueError) as exc:
        raise UserError(f"{label} 的生成时间“{value}”无效，已拒绝。请让县级单位重新生成报送包。") from exc
    now = now or datetime.now(UTC)
    if when > now + FUTURE_TOLERANCE:
        raise UserError(
            f"{label} 的生成时间 {when:%Y-%m-%d %H:%M}（UTC）在未来（本机现在 {now:%Y-%m-%d %H:%M}），"
            "超过一天，已拒绝：这样的包会挡住该县以后所有真实的报送包。请让县级单位核对电脑日期后重新生成。"
        )
    return when


def _path_of(key: str) -> tuple[str, ...]:
    for f in stats_service.FIELDS:
        if f.key == key:
            return f.path
    return stats_service.HIDDEN_SUMS[key]


# --------------------------------------------------------------------------- import (city)


def import_package(session: Session, path, *, period: str | None = None) -> dict:
    """市级: verify and store a county package (one transaction). Returns status and a Chinese message."""
    permissions.require(session, "city.import")
    office = require_office(session)
    if office.level != "city":
        raise UserError("只有市级单位的数据库才能导入报送包。本数据库是县级单位。")
    pkg = verify_package(path, session=session)
    m = pkg.manifest
    county = pkg.county
    assert county is not None
    if period is not None:
        want = parse_period(period).code
        if m["period"] != want:
            raise UserError(
                f"报送包 {Path(path).name} 是 {m['period']} 的，不是要导入的 {want}。请选择正确期间的报送包。"
            )
    base = {
        "county": county.office_name,
        "county_id": county.id,
        "period": m["period"],
        "package": Path(path).name,
        "sha256": pkg.sha256,
        "created_at": m.get("created_at", ""),
    }
    same = session.scalar(select(CountyReport).where(CountyReport.package_sha256 == pkg.sha256))
    if same is None:
        same = session.scalar(
            select(CountyReport).where(
                CountyReport.county_id == county.id,
                CountyReport.period == m["period"],
                CountyReport.created_at_county == m.get("created_at", ""),
                CountyReport.withdrawn_at.is_(None),
            )
        )
    if same is not None and same.withdrawn_at is not None:
        raise UserError(
            f"报送包 {Path(path).name} 已于 {same.withdrawn_at:%Y-%m-%d %H:%M} 由 {same.withdrawn_by} 撤回"
            f"（{same.withdraw_reason}），不能再次导入。请让县级单位重新生成报送包。"
        )
    if same is not None:
        note = "" if same.current else "，该包已被更新的报送包替代"
        return {
            **base,
            "status": "already",
            "report_id": same.id,
            "current": same.current,
            "message": f"已导入过：{county.office_name} {m['period']} 的这个报送包"
            f"（{same.imported_at:%Y-%m-%d %H:%M}{note}），未作改动。",
        }
    old = session.scalar(
        select(CountyReport).where(
            CountyReport.county_id == county.id, CountyReport.period == m["period"], CountyReport.current.is_(True)
        )
    )
    created = str(m.get("created_at", ""))
    if old is not None and created < old.created_at_county:
        raise UserError(
            f"报送包 {Path(path).name} 生成于 {created}，比已导入的版本（{old.created_at_county}）旧，"
            f"未导入。如确需使用，请让县级单位重新生成。"
        )
    stats = pkg.json_file("data/stats.json")
    draws = pkg.json_file("data/draws.json")
    warnings = chain_warnings(session, county, created, draws if isinstance(draws, dict) else {})
    warnings += audit_warnings(session, county, created, m, pkg.files.get(AUDIT_CHAIN))
    if isinstance(draws, dict) and draws.get("audit_verified") is False:
        warnings.append(f"县级单位本机的审计日志校验未通过：{str(draws.get('audit_message', ''))[:300]}")
    warnings += maintenance_warnings(pkg)
    from app.services.foundation.context import current_user

    report = CountyReport(
        county_id=county.id,
        period=m["period"],
        package_sha256=pkg.sha256,
        package_name=Path(path).name,
        created_at_county=created,
        stats=stats,
        chain_head=str(m.get("chain_head") or (draws or {}).get("chain_head", ""))[:64],
        audit_head=str(m.get("audit_head") or "")[:64],
        audit_seq=_int(m.get("audit_seq")),
        current=True,
        imported_by=current_user(),
    )
    if old is not None:
        old.current = False
        session.flush()
    session.add(report)
    session.flush()
    if old is not None:
        old.superseded_by_id = report.id
        session.flush()
        audit.record(
            session,
            "替代报送包",
            "county_report",
            str(report.id),
            summary=f"{county.office_name} {m['period']}：新包（{created}）"
            f"替代旧包 #{old.id}（{old.created_at_county}）",
            before={"report_id": old.id, "sha256": old.package_sha256},
            after={"report_id": report.id, "sha256": pkg.sha256},
        )
        status, msg = (
            "superseded",
            f"已导入并替代旧版本：{county.office_name} {m['period']}（旧包 #{old.id} 已标为作废）。",
        )
    else:
        audit.record(
            session,
            "导入报送包",
            "county_report",
            str(report.id),
            summary=f"{county.office_name} {m['period']}，包 SHA-256 {pkg.sha256}",
        )
        status, msg = "imported", f"已导入：{county.office_name} {m['period']}，签名与文件校验均通过。"
    if warnings:
        audit.record(
            session,
            "报送包警告",
            "county_report",
            str(report.id),
            summary=f"{county.office_name} {m['period']}：" + "；".join(warnings),
        )
        msg += "\n注意：" + "\n注意：".join(warnings)
    return {**base, "status": status, "report_id": report.id, "message": msg, "warnings": warnings}


def _int(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def audit_warnings(session: Session, county: TrustedCounty, created: str, manifest: dict, chain: bytes | None) -> list:
    """The county's audit log must extend what it reported before: entry No.N of the last package the city
    took must still carry the same hash (else entries were deleted or rewritten, the head then "fixed")."""
    earlier = session.scalars(
        select(CountyReport)
        .where(
            CountyReport.county_id == county.id,
            CountyReport.created_at_county < created,
            CountyReport.audit_seq > 0,
            CountyReport.withdrawn_at.is_(None),
        )
        .order_by(CountyReport.created_at_county.desc())
        .limit(1)
    ).first()
    if earlier is None:
        return []
    when = earlier.created_at_county[:10]
    if chain is None:
        return [f"本次报送包没有审计日志链（{AUDIT_CHAIN}），无法核对与 {when} 报送的是否连续，请核实。"]
    hashes = chain.decode("ascii", "replace").split()
    seq, head = _int(manifest.get("audit_seq")), str(manifest.get("audit_head") or "")
    out = []
    if len(hashes) != seq or (hashes and hashes[-1] != head):
        out.append("报送包中的审计日志链与清单记载的链头不一致，请核实。")
    if earlier.audit_seq > len(hashes):
        out.append(
            f"审计日志比 {when} 报送时还短（当时 {earlier.audit_seq} 条，现在 {len(hashes)} 条）："
            "末尾的记录被删除，请核实。"
        )
    elif hashes[earlier.audit_seq - 1] != earlier.audit_head:
        out.append(
            f"审计日志与 {when} 报送的不连续：当时的第 {earlier.audit_seq} 条（{earlier.audit_head[:12]}…）"
            "已不在本次的日志中，记录被删除或改写，请核实。"
        )
    return out


def maintenance_warnings(pkg) -> list[str]:
    """The county's 本机维护 (account recovery without an account) listed in the package, as city warnings."""
    try:
        listed = pkg.json_file("data/maintenance.json")
    except UserError:  # a package from before this list existed
        return []
    entries = listed.get("entries", []) if isinstance(listed, dict) else []
    return [f"县级单位本机维护：{e.get('ts', '')} {e.get('summary', '')}" for e in entries if isinstance(e, dict)]


def chain_warnings(session: Session, county: TrustedCounty, created: str, draws: dict) -> list[str]:
    """The county's draw-record chain must extend what it reported before: every earlier chain head
    must still be in the new chain (a missing one means draw records were deleted or rewritten)."""
    out = []
    if draws.get("chain_verified") is False:
        out.append(f"县级单位本机的抽取记录链校验未通过：{draws.get('chain_message', '')}")
    chain = draws.get("chain") if isinstance(draws.get("chain"), list) else []
    hashes = {str(r.get("record_hash")) for r in chain if isinstance(r, dict)}
    earlier = session.scalars(
        select(CountyReport)
        .where(
            CountyReport.county_id == county.id,
            CountyReport.created_at_county < created,
            CountyReport.chain_head != "",
            CountyReport.withdrawn_at.is_(None),
        )
        .order_by(CountyReport.created_at_county.desc())
        .limit(1)
    ).first()
    if earlier is not None and earlier.chain_head not in hashes:
        out.append(
            f"抽取记录链与 {earlier.created_at_county[:10]} 报送的不连续：当时的链头 {earlier.chain_head[:16]}… "
            f"不在本次的记录链中，可能有抽取记录被删除或改写，请核实。"
        )
    return out


def withdraw_report(
    session: Session, *, county: str = "", period: str = "", reason: str, report_id: int | None = None
) -> dict:
    """市级管理员: set a wrongly accepted package aside (reason required, audited).

    The report stops counting; the package it had superseded (if any) counts again, and the next real
    package of that county and period is accepted as if the withdrawn one had never come."""
    actor = permissions.require(session, "city.import")
    office = require_office(session)
    if office.level != "city":
        raise UserError("只有市级单位的数据库才能撤回报送包。本数据库是县级单位。")
    reason = (reason or "").strip()
    if not reason:
        raise UserError("撤回报送包必须说明原因（--reason），如“县里电脑日期错误，包日期为 9999 年”。")
    if report_id is not None:
        report = session.get(CountyReport, int(report_id))
        if report is None:
            raise UserError(f"没有编号为 {report_id} 的已导入报送包。")
    else:
        c = session.scalar(select(TrustedCounty).where(TrustedCounty.office_name == (county or "").strip()))
        if c is None:
            names = "、".join(x.office_name for x in list_counties(session)) or "（无）"
            raise UserError(f"没有登记名为“{county}”的县级单位。已登记：{names}。")
        code = parse_period(period).code
        report = session.scalar(
            select(CountyReport).where(
                CountyReport.county_id == c.id, CountyReport.period == code, CountyReport.current.is_(True)
            )
        )
        if report is None:
            raise UserError(f"{c.office_name} {code} 没有正在使用的报送包，无需撤回。")
    if report.withdrawn_at is not None:
        raise UserError(f"报送包 #{report.id}（{report.package_name}）已于 {report.withdrawn_at:%Y-%m-%d %H:%M} 撤回。")
    c = session.get(TrustedCounty, report.county_id)
    was_current = report.current
    report.current = False
    report.withdrawn_at = datetime.now(UTC).replace(tzinfo=None)
    report.withdrawn_by = actor.username
    report.withdraw_reason = reason
    session.flush()
    restored = None
    if was_current:
        restored = session.scalar(
            select(CountyReport)
            .where(
                CountyReport.county_id == report.county_id,
                CountyReport.period == report.period,
                CountyReport.withdrawn_at.is_(None),
                CountyReport.id != report.id,
            )
            .order_by(CountyReport.created_at_county.desc(), CountyReport.id.desc())
            .limit(1)
        )
        if restored is not None:
            restored.current = True
            restored.superseded_by_id = None
            session.flush()
    audit.record(
        session,
        "撤回报送包",
        "county_report",
        str(report.id),
        summary=f"{c.office_name if c else ''} {report.period}：撤回 {report.package_name}"
        f"（生成于 {report.created_at_county}），原因：{reason}"
        + (f"；恢复使用报送包 #{restored.id}" if restored is not None else ""),
        before={"current": was_current},
        after={"current": False, "reason": reason, "restored": restored.id if restored is not None else None},
    )
    return {
        "status": "withdrawn",
        "report_id": report.id,
        "county": c.office_name if c else "",
        "period": report.period,
        "package": report.package_name,
        "restored_report_id": restored.id if restored is not None else None,
        "message": f"已撤回：{c.office_name if c else ''} {report.period} 的报送包 {report.package_name}。"
        + (f"恢复使用此前的报送包 #{restored.id}。" if restored is not None else "")
        + "该县下一个真实的报送包可以正常导入。",
    }


# --------------------------------------------------------------------------- city-wide table


def city_stats(session: Session, period: str | Period) -> dict:
    """Counties side by side (current reports) and the 合计 row (rates recomputed from sums)."""
    p = parse_period(period) if isinstance(period, str) else period
    rows = []
    stats_list = []
    for county in list_counties(session):
        report = session.scalar(
            select(CountyReport).where(
                CountyReport.county_id == county.id, CountyReport.period == p.code, CountyReport.current.is_(True)
            )
        )
        entry = {
            "county": county.office_name,
            "region_code": county.region_code,
            "reported": report is not None,
            "package": report.package_name if report else "",
            "created_at": report.created_at_county if report else "",
            "values": stats_service.row_values(report.stats) if report else None,
        }
        if report is not None:
            stats_list.append(report.stats)
        rows.append(entry)
    total = stats_service.sum_rows(stats_list)
    columns = [{"key": f.key, "group": f.group, "label": f.label, "unit": f.unit} for f in stats_service.FIELDS]
    return {
        "period": p.code,
        "period_label": p.label,
        "columns": columns,
        "counties": rows,
        "reported": len(stats_list),
        "registered": len(rows),
        "total": total,
        "total_by_key": {f.key: v for f, v in zip(stats_service.FIELDS, total)},
    }


def export_city_xlsx(session: Session, period: str | Period, out) -> dict:
    from openpyxl import Workbook

    from app.services.foundation.xlsx import save_workbook

    p = parse_period(period) if isinstance(period, str) else period
    data = city_stats(session, p)
    office = require_office(session)
    wb = Workbook()
    ws = wb.active
    ws.title = "全市汇总"
    rows = [
        (r["county"], r["values"] if r["values"] is not None else ["未报送"] + [""] * (len(stats_service.FIELDS) - 1))
        for r in data["counties"]
    ]
    subtitle = (
        f"汇总单位：{office.name}    统计期间：{p.label}（{p.start.isoformat()} 至 {p.end.isoformat()}）    "
        f"已报送 {data['reported']}/{data['registered']} 个县级单位    制表日期：{datetime.now():%Y-%m-%d}"
    )
    statistics_forms.write_form(
        ws,
        title=f"{office.name}{p.label}“双随机、一公开”监管工作统计汇总表",
        subtitle=subtitle,
        first_header="县级单位",
        groups=statistics_forms.stats_groups(),
        rows=rows,
        total=data["total"],
    )
    save_workbook(wb, out)
    return data


def dashboard_items(session: Session, today) -> list[dict]:
    """首页 (city): how many registered counties sent last quarter's package."""
    from app.services.foundation.periods import period_of, previous_quarter

    office = session.scalar(select(Office).order_by(Office.id).limit(1))
    if office is None or office.level != "city":
        return []
    last = previous_quarter(period_of(today))
    data = city_stats(session, last)
    if not data["registered"]:
        return [
            {
                "title": "县级单位",
                "value": "未登记",
                "detail": "请在“报送与汇总”页登记各县级单位的公钥",
                "level": "warn",
                "page": "exchange",
            }
        ]
    missing = [r["county"] for r in data["counties"] if not r["reported"]]
    return [
        {
            "title": f"{last.label}报送",
            "value": f"{data['reported']}/{data['registered']}",
            "detail": ("未报送：" + "、".join(missing)) if missing else "各县均已报送",
            "level": "warn" if missing else "info",
            "page": "exchange",
        }
    ]


def received_periods(session: Session) -> list[str]:
    """The periods the city has received a package for (any county), in no particular order."""
    return list(session.scalars(select(CountyReport.period).distinct()))


def fingerprint_of_text(text: str) -> str:
    """The fingerprint of the public key pasted or read as text (a .pem file's content)."""
    return key_fingerprint(_pem_from_text(text))
