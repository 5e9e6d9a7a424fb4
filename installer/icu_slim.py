"""A smaller ICU data library for the Linux bundle: Chinese and English instead of ~800 locales (31 MB → ~4 MB).

Qt 6 (PySide6 wheels) links libicudata.so.NN, the whole ICU data (every locale's names, calendars, currencies,
units, collations, break dictionaries, 200 legacy code pages). Qt uses ICU for collation (locale-aware sorting),
normalisation, IDNA, case mapping and a few code pages; its own CLDR tables serve QLocale. This keeps:
- every root-level .icu/.nrm/.spp/.cfu file (normalisation, properties, IDNA, confusables) and the non-locale
  resource bundles (supplemental data, time-zone rules, plural rules, …);
- the root, Chinese (zh*) and English (en*) bundles in every tree (collation for 拼音/笔画 sorting among them);
- the alias table and the Chinese code pages (GB18030, GBK);
and drops the other locales, the break-iterator dictionaries (Qt has its own text boundaries), transliterators,
spelled-out number rules and the other code pages. Needs `icupkg` (ICU tools) and a C compiler; without them the
bundle keeps the full library (the size check will say so).

    python installer/icu_slim.py PATH/libicudata.so.73 OUT_DIR     → OUT_DIR/libicudata.so.73
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import elfinfo  # noqa: E402

LOCALE = re.compile(r"^[a-z]{2,3}(_[A-Za-z0-9]*)*$")
KEEP_LOCALES = re.compile(r"^(root|zh|en)(_|$)")
DROP_TREES = {"brkitr", "translit", "rbnf"}  # rbnf: spelled-out numbers, unused by Qt
KEEP_CONVERTERS = re.compile(r"^(gb18030|ibm-1386|windows-936|ibm-5478)", re.IGNORECASE)


def keep(item: str) -> bool:
    """Is this ICU data item (e.g. 'coll/zh.res', 'lang/fr.res', 'ibm-943_P15A-2003.cnv') kept?"""
    tree, _, name = item.rpartition("/")
    if tree in DROP_TREES:
        return False
    if name.endswith(".cnv"):
        return bool(KEEP_CONVERTERS.match(name))
    if name.endswith(".res"):
        base = name[:-4]
        return not LOCALE.match(base) or bool(KEEP_LOCALES.match(base))
    return True  # ucadata.icu, normalisation, properties…


def extract_common_data(library: Path) -> tuple[str, bytes]:
    """(symbol name, ICU common data) from libicudata.so (the object behind its icudtNN_dat symbol)."""
    data = library.read_bytes()
    elf = elfinfo.ElfFile(data)
    for stype, off, size, link, _info in elf.sections:
        if stype != 11:  # SHT_DYNSYM
            continue
        for pos in range(off, off + size, 24):
            name_off, _info2, _other, _shndx, value, sym_size = struct.unpack_from("<IBBHQQ", data, pos)
            name = elf._string(link, name_off)
            if not re.fullmatch(r"icudt\d+_dat", name):
                continue
            phoff = struct.unpack_from("<Q", data, 0x20)[0]
            phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
            for i in range(phnum):
                p_type, _f, p_offset, p_vaddr, _pa, p_filesz, _m, _al = struct.unpack_from(
                    "<IIQQQQQQ", data, phoff + i * phentsize
                )
                if p_type == 1 and p_vaddr <= value < p_vaddr + p_filesz:
                    start = value - p_vaddr + p_offset
                    return name, data[start : start + sym_size]
    raise ValueError(f"{library}: no icudtNN_dat symbol")


def slim(library: Path, out_dir: Path) -> Path:
    icupkg, cc = shutil.which("icupkg"), shutil.which("cc") or shutil.which("gcc")
    if not (icupkg and cc):
        raise FileNotFoundError("icupkg and a C compiler are needed (apt-get install icu-devtools gcc)")
    out_dir.mkdir(parents=True, exist_ok=True)
    symbol, blob = extract_common_data(library)
    full = out_dir / f"{symbol[:-4]}l.dat"  # icupkg wants the package's own name (icudt73l.dat)
    full.write_bytes(blob)
    items = subprocess.run([icupkg, "-l", str(full)], capture_output=True, text=True, check=True).stdout.split()
    drop = [i for i in items if not keep(i)]
    (out_dir / "drop.txt").write_text("\n".join(drop) + "\n", encoding="utf-8")
    small = out_dir / "small" / full.name
    small.parent.mkdir(exist_ok=True)
    subprocess.run([icupkg, "-r", str(out_dir / "drop.txt"), str(full), str(small)], check=True, capture_output=True)
    asm = out_dir / "icudata.S"
    asm.write_text(
        "\t.section .rodata\n"
        f"\t.globl {symbol}\n\t.type {symbol}, @object\n\t.balign 16\n{symbol}:\n"
        f'\t.incbin "{small}"\n\t.size {symbol}, . - {symbol}\n'
        '\t.section .note.GNU-stack,"",@progbits\n',
        encoding="utf-8",
    )
    target = out_dir / library.name
    subprocess.run(
        [cc, "-shared", "-nostdlib", "-Wl,-soname," + library.name, "-Wl,-z,noexecstack", "-o", str(target), str(asm)],
        check=True,
        capture_output=True,
    )
    full.unlink()
    print(
        f"icu_slim: {library.name} {len(blob) / 1e6:.1f} MB → {target.stat().st_size / 1e6:.1f} MB "
        f"({len(items) - len(drop)} of {len(items)} items kept)"
    )
    return target


if __name__ == "__main__":
    slim(Path(sys.argv[1]), Path(sys.argv[2]))
