#!/usr/bin/env bash
# Build the fcitx5 Qt 6 platform input-context plugin (fcitx5-qt, only the plugin) against the Qt inside the
# PySide6 wheel the bundle uses, so 统信UOS/麒麟 users can type Chinese with fcitx5. A distribution's plugin is
# built for its own Qt and does not load into another Qt release (private API), so it is never copied.
#
#   bash scripts/build_fcitx5_qt.sh [python]      → build/fcitx5-qt/libfcitx5platforminputcontextplugin.so
#
# Needs network access (Qt headers for the same version via aqtinstall, fcitx5-qt sources), cmake, a C++ compiler,
# extra-cmake-modules and the xkbcommon/xcb development files. Used by installer/xinchuang/build.sh in CI.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY="${1:-.venv/bin/python}"
QT_VERSION="$("$PY" -c 'import PySide6.QtCore as q;print(q.qVersion())')"
FCITX5_QT_TAG="${FCITX5_QT_TAG:-5.1.10}"
WORK="build/fcitx5-qt-src"
mkdir -p "$WORK" build/fcitx5-qt
"$PY" -m pip install -q aqtinstall
"$PY" -m aqt install-qt linux desktop "$QT_VERSION" linux_gcc_64 -O "$WORK/qt" >/dev/null \
    || "$PY" -m aqt install-qt linux desktop "$QT_VERSION" gcc_64 -O "$WORK/qt" >/dev/null
QT_PREFIX="$(ls -d "$WORK"/qt/"$QT_VERSION"/gcc_64 2>/dev/null || ls -d "$WORK"/qt/"$QT_VERSION"/linux_gcc_64)"
[ -d "$WORK/fcitx5-qt" ] || git clone -q --depth 1 --branch "$FCITX5_QT_TAG" https://github.com/fcitx/fcitx5-qt.git "$WORK/fcitx5-qt"
cmake -S "$WORK/fcitx5-qt" -B "$WORK/build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$QT_PREFIX" \
    -DENABLE_QT4=OFF -DENABLE_QT5=OFF -DENABLE_QT6=ON -DBUILD_ONLY_PLUGIN=ON -DBUILD_STATIC_PLUGIN=OFF >/dev/null
cmake --build "$WORK/build" -j"$(nproc)" >/dev/null
plugin="$(find "$WORK/build" -name 'libfcitx5platforminputcontextplugin.so' | head -n 1)"
[ -n "$plugin" ] || { echo "没有生成 fcitx5 插件" >&2; exit 1; }
cp "$plugin" build/fcitx5-qt/
echo "已构建 build/fcitx5-qt/$(basename "$plugin")（Qt $QT_VERSION）"
