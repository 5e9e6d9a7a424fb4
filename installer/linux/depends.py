"""The .deb's Depends line, computed from the libraries the bundle links against but does not carry.

Every such library must be in SONAME_PACKAGES: packages that 统信UOS 20 (Debian 10 base), 银河麒麟 V10 (Ubuntu
20.04 base) and Debian/Ubuntu all ship under these names (alternatives where they differ). A library not in the
table fails the build: add it only after checking both systems carry it.

    python installer/linux/depends.py dist/ssj      # prints the Depends value
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import elfinfo  # noqa: E402

SONAME_PACKAGES = {
    "libstdc++.so.6": "libstdc++6",
    "libgcc_s.so.1": "libgcc-s1 | libgcc1",
    "libz.so.1": "zlib1g",
    "libuuid.so.1": "libuuid1",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb.so.1": "libxcb1",
    "libxcb-glx.so.0": "libxcb-glx0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libXext.so.6": "libxext6",
    "libXrender.so.1": "libxrender1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0 | libglib2.0-0t64",
    "libgthread-2.0.so.0": "libglib2.0-0 | libglib2.0-0t64",
    "libgobject-2.0.so.0": "libglib2.0-0 | libglib2.0-0t64",
    "libdbus-1.so.3": "libdbus-1-3",
    "libcups.so.2": "libcups2 | libcups2t64",
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libOpenGL.so.0": "libopengl0",
    "libgssapi_krb5.so.2": "libgssapi-krb5-2",
    "libbrotlicommon.so.1": "libbrotli1",
    "libbrotlidec.so.1": "libbrotli1",
    "libpng16.so.16": "libpng16-16 | libpng16-16t64",
    "libexpat.so.1": "libexpat1",
    "libzstd.so.1": "libzstd1",
}
GLIBC_FLOOR_DEP = "libc6 (>= {glibc})"


def depends(folder: str) -> str:
    needs = elfinfo.external_needs(folder)
    unknown = sorted(set(needs) - set(SONAME_PACKAGES))
    if unknown:
        lines = [f"  {lib}（{needs[lib][0]} 需要）" for lib in unknown]
        raise SystemExit(
            "安装包依赖了未登记的系统库（统信UOS 20 / 麒麟 V10 可能没有）：\n"
            + "\n".join(lines)
            + "\n请把它们放进安装包，或确认两个系统都有后登记到 installer/linux/depends.py。"
        )
    version, name, _where = elfinfo.glibc_floor(folder)
    deps = [GLIBC_FLOOR_DEP.format(glibc=".".join(map(str, version[:2])) if name else "2.28")]
    for pkg in sorted({SONAME_PACKAGES[lib] for lib in needs}):
        deps.append(pkg)
    return ", ".join(deps)


if __name__ == "__main__":
    print(depends(sys.argv[1] if len(sys.argv) > 1 else "dist/ssj"))
