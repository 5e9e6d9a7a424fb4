#!/usr/bin/env bash
# One command: set everything up, run the whole test suite offscreen, build the pyinstaller bundle and
# run the bundle's self-test. Exits non-zero if anything fails.
source "$(dirname "${BASH_SOURCE[0]}")/_setup.sh"

ensure_apt python3-venv xvfb libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 poppler-utils fonts-wqy-zenhei \
    zbar-tools postgresql
ensure_venv

export QT_QPA_PLATFORM=offscreen
echo "== 代码检查（ruff）=="
.venv/bin/ruff check .
echo "== 运行测试 =="
.venv/bin/python -m pytest -p no:cacheprovider "$@"

echo "== 构建一目录安装包（pyinstaller）=="
.venv/bin/pyinstaller --noconfirm --clean --log-level WARN installer/ssj.spec
echo "== 安装包自检 =="
out="$(dist/ssj/ssj --selftest)"
echo "$out"
[ "$(echo "$out" | tail -n 1)" = "OK" ] || { echo "安装包自检失败" >&2; exit 1; }
echo "全部通过。"
