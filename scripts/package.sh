#!/usr/bin/env bash
# Build the one-folder bundle (pyinstaller) and the 信创 .deb (统信UOS / 银河麒麟 / Debian / Ubuntu).
#
#   bash scripts/package.sh               # build dist/ssj and dist/ssj_<version>_<arch>.deb
#   bash scripts/package.sh --skip-build  # package an existing dist/ssj
#
# The package installs the program under /opt/ssj, a command /usr/bin/ssj, a desktop entry with a Chinese name,
# icon and category, and depends only on libraries 统信UOS 20 and 麒麟 V10 ship (installer/linux/depends.py
# refuses any other). User data (~/.local/share/ssj: database, backups, logs) is never touched by removal or
# purge. Environment: PYTHON (default .venv/bin/python), SSJ_BUNDLE_POSTGRES=1 for the municipal build,
# SSJ_DIST (default dist) and SSJ_WORK (default build) for a second build line beside the usual one (the 信创
# bundle of installer/xinchuang/build.sh goes to dist-xc/).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-.venv/bin/python}"
DIST="${SSJ_DIST:-dist}"
WORK="${SSJ_WORK:-build}"

if [ "${1:-}" != "--skip-build" ]; then
    echo "== 构建一目录安装包（pyinstaller）=="
    "$PY" -m PyInstaller --noconfirm --clean --log-level WARN --distpath "$DIST" --workpath "$WORK" installer/ssj.spec
fi
[ -x "$DIST/ssj/ssj" ] || { echo "找不到 $DIST/ssj/ssj：请先构建安装包。" >&2; exit 1; }

VERSION="$("$PY" -c 'import tomllib;print(tomllib.load(open("pyproject.toml","rb"))["project"]["version"])')"
ARCH="${DEB_ARCH:-$(dpkg --print-architecture)}"
STAGE="$WORK/deb/ssj_${VERSION}_${ARCH}"
DEB="$DIST/ssj_${VERSION}_${ARCH}.deb"
echo "== 打包 ${DEB} =="
rm -rf "$STAGE"
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
    "$STAGE/usr/share/icons/hicolor/256x256/apps" "$STAGE/usr/share/icons/hicolor/scalable/apps" \
    "$STAGE/usr/share/doc/ssj"
cp -a "$DIST/ssj" "$STAGE/opt/ssj"
ln -s /opt/ssj/ssj "$STAGE/usr/bin/ssj"
install -m 0644 installer/linux/ssj.desktop "$STAGE/usr/share/applications/ssj.desktop"
install -m 0644 resources/icons/ssj.png "$STAGE/usr/share/icons/hicolor/256x256/apps/ssj.png"
install -m 0644 resources/icons/ssj.svg "$STAGE/usr/share/icons/hicolor/scalable/apps/ssj.svg"
{
    echo "双随机抽查工作台 ${VERSION}"
    echo
    echo "Bundled font: resources/fonts/wqy-microhei.ttc — see /opt/ssj/_internal/resources/fonts/LICENSE-wqy-microhei.txt"
    echo "Bundled Qt (PySide6): LGPL-3.0; Python: PSF licence; other components under their own licences."
} > "$STAGE/usr/share/doc/ssj/copyright"

DEPENDS="$("$PY" installer/linux/depends.py "$DIST/ssj")"
SIZE_KB="$(du -sk "$STAGE" | cut -f1)"
cat > "$STAGE/DEBIAN/control" <<CONTROL
Package: ssj
Version: ${VERSION}
Section: misc
Priority: optional
Architecture: ${ARCH}
Maintainer: 双随机抽查工作台项目组 <ssj@localhost>
Installed-Size: ${SIZE_KB}
Depends: ${DEPENDS}
Recommends: cups-client
Description: 双随机抽查工作台 — 生态环境执法“双随机、一公开”监管
 Offline desktop workbench for random-selection supervision ("双随机、一公开") of an
 ecological-environment enforcement brigade: object and inspector pools, rules, a seeded and
 verifiable draw, outcomes, publication, statistics and signed USB packages for the municipal bureau.
 User data lives in ~/.local/share/ssj and is kept when the package is removed or purged.
CONTROL
cat > "$STAGE/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if command -v update-desktop-database >/dev/null 2>&1; then update-desktop-database -q /usr/share/applications || true; fi
if command -v gtk-update-icon-cache >/dev/null 2>&1; then gtk-update-icon-cache -q -t /usr/share/icons/hicolor || true; fi
exit 0
POSTINST
cat > "$STAGE/DEBIAN/postrm" <<'POSTRM'
#!/bin/sh
# Removal and purge delete only the program. Each user's data (~/.local/share/ssj: database, backups, logs,
# signing key) is theirs and stays: a reinstall or a newer version opens it again.
set -e
if command -v update-desktop-database >/dev/null 2>&1; then update-desktop-database -q /usr/share/applications || true; fi
exit 0
POSTRM
chmod 0755 "$STAGE/DEBIAN/postinst" "$STAGE/DEBIAN/postrm"
mkdir -p "$DIST"
dpkg-deb --root-owner-group -Zxz -z3 --build "$STAGE" "$DEB" >/dev/null
echo "已生成 ${DEB}（$(du -h "$DEB" | cut -f1)）"
