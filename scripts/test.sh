#!/usr/bin/env bash
# One command: set everything up, run the whole test suite offscreen, build the pyinstaller bundle and the
# 信创 .deb, check the bundle's size (≤ 150 MB) and glibc floor, install the package into a scratch root (and,
# as root, with dpkg), run the installed program's self-test and validate its desktop entry.
# Exits non-zero if anything fails. Arguments go to pytest. SSJ_SKIP_SUITE=1 skips the pytest run (packaging only).
source "$(dirname "${BASH_SOURCE[0]}")/_setup.sh"

MAX_BUNDLE_MB="${SSJ_MAX_BUNDLE_MB:-150}"
ensure_apt python3-venv xvfb libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 poppler-utils fonts-wqy-zenhei \
    zbar-tools postgresql desktop-file-utils dpkg-dev fontconfig icu-devtools gcc
ensure_venv

export QT_QPA_PLATFORM=offscreen
step_start=$SECONDS
step() { echo "== $1 =="; step_start=$SECONDS; }
took() { echo "   （用时 $((SECONDS - step_start)) 秒）"; }

step "代码检查（ruff）"
.venv/bin/ruff check .

if [ "${SSJ_SKIP_SUITE:-}" != "1" ]; then
    step "运行测试"
    .venv/bin/python -m pytest -p no:cacheprovider "$@"
    took
fi

step "构建一目录安装包与 .deb（scripts/package.sh）"
PYTHON=.venv/bin/python bash scripts/package.sh
took

step "安装包大小"
size_mb="$(du -sm dist/ssj | cut -f1)"
echo "dist/ssj：${size_mb} MB（上限 ${MAX_BUNDLE_MB} MB）"
if [ "$size_mb" -gt "$MAX_BUNDLE_MB" ]; then
    echo "安装包超过 ${MAX_BUNDLE_MB} MB。最大的文件：" >&2
    find dist/ssj -type f -size +1M -printf "%s %p\n" | sort -rn | head -15 >&2
    exit 1
fi

step "glibc 下限（统信UOS 20 / 银河麒麟 V10 为 glibc 2.28）"
.venv/bin/python installer/elfinfo.py dist/ssj
# The 信创 bundle (glibc 2.28) is built by its own script, not here: the first build compiles OpenSSL and CPython
# (tens of minutes on 2 cores). When one exists, its floor is reported beside this bundle's.
if [ -x dist-xc/ssj/ssj ]; then
    echo "信创安装包 dist-xc/ssj（installer/xinchuang/build.sh）："
    .venv/bin/python installer/elfinfo.py dist-xc/ssj
else
    echo "信创安装包（glibc 2.28）未构建：运行 bash installer/xinchuang/build.sh（或 CI 的 xinchuang 任务）。"
fi

step "安装包自检（dist/ssj）"
out="$(dist/ssj/ssj --selftest)"
echo "$out"
[ "$(echo "$out" | tail -n 1)" = "OK" ] || { echo "安装包自检失败" >&2; exit 1; }
took

deb="$(ls -t dist/ssj_*.deb | head -n 1)"
scratch="$(mktemp -d /tmp/ssj-deb-XXXXXX)"
trap 'rm -rf "$scratch"' EXIT
step "把 ${deb} 安装到临时根目录并自检"
dpkg-deb --info "$deb" | sed -n '/Package:/,/Description:/p'
dpkg-deb -x "$deb" "$scratch/root"
test -L "$scratch/root/usr/bin/ssj" && [ "$(readlink "$scratch/root/usr/bin/ssj")" = /opt/ssj/ssj ]
desktop-file-validate "$scratch/root/usr/share/applications/ssj.desktop"
grep -q '^Name\[zh_CN\]=双随机抽查工作台$' "$scratch/root/usr/share/applications/ssj.desktop"
test -s "$scratch/root/usr/share/icons/hicolor/256x256/apps/ssj.png"
out="$(HOME="$scratch/home" "$scratch/root/opt/ssj/ssj" --selftest)"
echo "$out" | tail -n 3
[ "$(echo "$out" | tail -n 1)" = "OK" ] || { echo "临时根目录中的安装包自检失败" >&2; exit 1; }
took

if [ "$(id -u)" -eq 0 ] && [ "${SSJ_SKIP_DPKG:-}" != "1" ]; then
    step "用 dpkg 安装、自检、卸载（用户数据保留）"
    export DEBIAN_FRONTEND=noninteractive
    dpkg -i "$deb" >/dev/null 2>&1 || apt-get install -f -y -qq --no-install-recommends >/dev/null
    dpkg -s ssj | grep -q "^Status: install ok installed"
    desktop-file-validate /usr/share/applications/ssj.desktop
    home="$scratch/user"
    mkdir -p "$home"
    HOME="$home" SSJ_DATA_DIR= SSJ_KEY_PASSPHRASE=selftest-baosong /usr/bin/ssj --db "$home/.local/share/ssj/ssj.sqlite3" init --office "自检县生态环境保护综合行政执法大队" \
        --level county --password selftest123 >/dev/null
    out="$(HOME="$home" /usr/bin/ssj --selftest)"
    [ "$(echo "$out" | tail -n 1)" = "OK" ] || { echo "dpkg 安装后的自检失败" >&2; exit 1; }
    dpkg --purge ssj >/dev/null
    test ! -e /opt/ssj && test ! -e /usr/bin/ssj
    test -s "$home/.local/share/ssj/ssj.sqlite3" || { echo "卸载删除了用户数据" >&2; exit 1; }
    echo "安装、自检、卸载均正常；用户数据保留在 $home/.local/share/ssj。"
    took
fi
echo "全部通过。"
