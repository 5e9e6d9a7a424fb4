#!/usr/bin/env bash
# The 信创 bundle for 统信UOS 20 / 银河麒麟 V10 (glibc 2.28, x86-64), built inside the manylinux_2_28 container
# (AlmaLinux 8, glibc 2.28) by .github/workflows/linux.yml:
#
#   docker run --rm -v "$PWD":/src -w /src quay.io/pypa/manylinux_2_28_x86_64 bash installer/xinchuang/build-manylinux.sh
#
# Without docker (any x86-64 Linux with apt and zig from PyPI): installer/xinchuang/build.sh.
#
# - Python 3.11 from AlmaLinux AppStream (pyinstaller needs a shared libpython; the container's /opt/python
#   builds are static), wheels pinned in installer/xinchuang/requirements.txt (PySide6 6.9.3: manylinux_2_28).
# - The fcitx5 Qt 6 input-method plugin is built for exactly this Qt (scripts/build_fcitx5_qt.sh) and bundled.
# - The .deb is built with the same scripts/package.sh; the bundle's glibc floor must be ≤ 2.28.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

dnf install -y -q python3.11 python3.11-devel python3.11-pip dpkg binutils cmake gcc-c++ git \
    libxkbcommon-devel libxcb-devel xcb-util-keysyms-devel extra-cmake-modules >/dev/null 2>&1 \
    || dnf install -y -q python3.11 python3.11-devel python3.11-pip binutils cmake gcc-c++ git libxkbcommon-devel
command -v dpkg-deb >/dev/null || dnf install -y -q epel-release && dnf install -y -q dpkg
python3.11 -m venv .venv-xc
.venv-xc/bin/pip install -q --upgrade pip
.venv-xc/bin/pip install -q --no-deps -r installer/xinchuang/requirements.txt
.venv-xc/bin/pip install -q --no-deps -e .

if bash scripts/build_fcitx5_qt.sh .venv-xc/bin/python; then
    export SSJ_FCITX5_PLUGIN="$PWD/build/fcitx5-qt/libfcitx5platforminputcontextplugin.so"
else
    echo "警告：fcitx5 Qt6 输入法插件未能构建，安装包中只有 ibus/compose 输入法插件。" >&2
fi

PYTHON=.venv-xc/bin/python bash scripts/package.sh
.venv-xc/bin/python installer/elfinfo.py dist/ssj
floor="$(.venv-xc/bin/python installer/elfinfo.py --json dist/ssj | .venv-xc/bin/python -c 'import json,sys;print(json.load(sys.stdin)["runs_on_uos20_kylin_v10"])')"
[ "$floor" = "True" ] || { echo "信创安装包需要比 glibc 2.28 更新的系统" >&2; exit 1; }
QT_QPA_PLATFORM=offscreen dist/ssj/ssj --selftest
