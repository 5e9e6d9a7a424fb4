"""Read what a Linux bundle needs from the system, without binutils: DT_NEEDED and glibc symbol versions.

    python installer/elfinfo.py dist/ssj          # highest GLIBC_x.y the bundle needs, the file, the minimum OS
    python installer/elfinfo.py --json dist/ssj

Used by installer/ssj.spec (drop libraries nothing needs any more) and by scripts/test.sh (report the
bundle's glibc floor: 统信UOS 20 and 银河麒麟 V10 ship glibc 2.28).
"""

from __future__ import annotations

import json
import os
import re
import struct
import sys
from pathlib import Path

GLIBC_LIBS = re.compile(r"^(libc|libm|libpthread|libdl|librt|libutil|libresolv|libanl|ld-linux[-\w.]*)\.so")
# glibc release → the oldest common systems that ship it (what a county or city office may have).
GLIBC_SYSTEMS = [
    ((2, 17), "CentOS 7"),
    ((2, 28), "统信UOS 20、银河麒麟 V10、Debian 10、RHEL/CentOS 8"),
    ((2, 31), "Ubuntu 20.04、Debian 11"),
    ((2, 34), "RHEL 9、openEuler 22.03"),
    ((2, 35), "Ubuntu 22.04"),
    ((2, 36), "Debian 12"),
    ((2, 39), "Ubuntu 24.04"),
]


class ElfFile:
    def __init__(self, data: bytes):
        if data[:4] != b"\x7fELF":
            raise ValueError("not an ELF file")
        self.data = data
        self.is64 = data[4] == 2
        self.end = "<" if data[5] == 1 else ">"
        self.sections = self._sections()

    def _unpack(self, fmt: str, offset: int):
        return struct.unpack_from(self.end + fmt, self.data, offset)

    def _sections(self) -> list[tuple[int, int, int, int, int]]:
        """(type, offset, size, link, info) of every section."""
        if self.is64:
            (shoff,) = self._unpack("Q", 0x28)
            shentsize, shnum = self._unpack("HH", 0x3A)
        else:
            (shoff,) = self._unpack("I", 0x20)
            shentsize, shnum = self._unpack("HH", 0x2E)
        out = []
        for i in range(shnum):
            base = shoff + i * shentsize
            if self.is64:
                _name, stype, _flags, _addr, off, size, link, info = self._unpack("IIQQQQII", base)
            else:
                _name, stype, _flags, _addr, off, size, link, info = self._unpack("IIIIIIII", base)
            out.append((stype, off, size, link, info))
        return out

    def _string(self, strtab: int, index: int) -> str:
        off = self.sections[strtab][1] + index
        end = self.data.index(b"\0", off)
        return self.data[off:end].decode("utf-8", "replace")

    def needed(self) -> list[str]:
        """DT_NEEDED entries (the shared libraries this file links against)."""
        out = []
        for stype, off, size, link, _info in self.sections:
            if stype != 6:  # SHT_DYNAMIC
                continue
            step, fmt = (16, "qQ") if self.is64 else (8, "iI")
            for pos in range(off, off + size, step):
                tag, val = self._unpack(fmt, pos)
                if tag == 0:
                    break
                if tag == 1:  # DT_NEEDED
                    out.append(self._string(link, val))
        return out

    def version_needs(self) -> dict[str, set[str]]:
        """{library: {version names}} from .gnu.version_r (e.g. {"libc.so.6": {"GLIBC_2.34", …}})."""
        out: dict[str, set[str]] = {}
        for stype, off, _size, link, count in self.sections:
            if stype != 0x6FFFFFFE:  # SHT_GNU_verneed
                continue
            pos = off
            for _ in range(count):
                _ver, cnt, file_, aux, nxt = self._unpack("HHIII", pos)
                lib = self._string(link, file_)
                apos = pos + aux
                for _ in range(cnt):
                    _hash, _flags, _other, name, anext = self._unpack("IHHII", apos)
                    out.setdefault(lib, set()).add(self._string(link, name))
                    if not anext:
                        break
                    apos += anext
                if not nxt:
                    break
                pos += nxt
        return out


def read_elf(path: str | os.PathLike) -> ElfFile | None:
    try:
        with open(path, "rb") as fh:
            if fh.read(4) != b"\x7fELF":
                return None
            fh.seek(0)
            return ElfFile(fh.read())
    except (OSError, ValueError, struct.error):
        return None


def needed(path: str | os.PathLike) -> list[str]:
    elf = read_elf(path)
    return elf.needed() if elf else []


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(x) for x in name.split("_", 1)[1].split("."))


def glibc_floor(folder: str | os.PathLike) -> tuple[tuple[int, ...], str, str]:
    """(highest glibc version needed, as a tuple; the version name; the file that needs it) for a folder."""
    best: tuple[tuple[int, ...], str, str] = ((0,), "", "")
    for root, _dirs, files in os.walk(folder):
        for name in files:
            path = Path(root, name)
            if path.is_symlink():
                continue
            elf = read_elf(path)
            if elf is None:
                continue
            for lib, versions in elf.version_needs().items():
                if not GLIBC_LIBS.match(lib):
                    continue
                for v in versions:
                    if re.fullmatch(r"GLIBC_\d+(\.\d+)+", v) and _version_key(v) > best[0]:
                        best = (_version_key(v), v, str(path.relative_to(folder)))
    return best


def systems_for(version: tuple[int, ...]) -> str:
    """The oldest systems (from GLIBC_SYSTEMS) whose glibc is new enough for `version`."""
    for release, names in GLIBC_SYSTEMS:
        if release >= version[:2]:
            return names
    return "glibc " + ".".join(map(str, version)) + " 或更新的系统"


def main(argv: list[str]) -> int:
    as_json = "--json" in argv
    args = [a for a in argv if a != "--json"]
    folder = Path(args[0] if args else "dist/ssj")
    version, name, where = glibc_floor(folder)
    report = {
        "folder": str(folder),
        "glibc": ".".join(map(str, version)) if name else None,
        "symbol": name,
        "file": where,
        "minimum_os": systems_for(version) if name else "",
        "runs_on_uos20_kylin_v10": bool(name) and version[:2] <= (2, 28),
    }
    if as_json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print(f"安装包所需最高 glibc：{report['glibc']}（{name}，来自 {where}）")
        print(f"最低可运行的系统：{report['minimum_os']}")
        print(
            "可在统信UOS 20 / 银河麒麟 V10（glibc 2.28）上运行："
            + ("是" if report["runs_on_uos20_kylin_v10"] else "否")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))


def external_needs(folder: str | os.PathLike) -> dict[str, list[str]]:
    """{soname: [bundle files needing it]} for libraries the bundle links against but does not carry
    (glibc excluded): what a .deb must depend on."""
    inside: set[str] = set()
    needs: dict[str, list[str]] = {}
    for _root, _dirs, files in os.walk(folder):
        inside.update(files)
    for root, _dirs, files in os.walk(folder):
        for name in files:
            path = Path(root, name)
            if path.is_symlink():
                continue
            for lib in needed(path):
                if lib not in inside and not GLIBC_LIBS.match(lib):
                    needs.setdefault(lib, []).append(str(path.relative_to(folder)))
    return needs
