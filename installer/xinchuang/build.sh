#!/usr/bin/env bash
# The 信创 bundle for 统信UOS 20 / 银河麒麟 V10 (glibc 2.28, x86-64) built on ANY x86-64 Linux with apt — no
# container: every C file of the bundle that is not a manylinux_2_28 wheel is compiled here with
# `zig cc -target x86_64-linux-gnu.2.28` (zig ships the glibc 2.28 headers and stubs, so nothing can reach for a
# newer glibc symbol), from Debian source packages:
#
#   bash installer/xinchuang/build.sh            # → dist-xc/ssj (bundle) and dist-xc/ssj_<version>_amd64.deb
#
# Steps (each is skipped when its output exists; XC_WORK=/tmp/xinchuang holds everything, never the repo):
#   1. sources: `apt-get source --download-only` of python3.11, openssl, zlib, bzip2, xz-utils, libffi, sqlite3
#      from bookworm (a private apt configuration under $XC_WORK/apt: the system's sources are not touched);
#      zig from PyPI (package `ziglang`);
#   2. static, position-independent zlib, bzip2, xz, libffi, sqlite, openssl (libs only) for glibc 2.28;
#   3. CPython (shared libpython, which pyinstaller needs; expat and mpdecimal are CPython's own copies) linked
#      against those static libraries, so its extension modules need nothing but glibc;
#   4. a venv of that Python with the wheels pinned in installer/xinchuang/requirements.txt, downloaded for
#      --platform manylinux_2_28_x86_64 (pip would otherwise pick cryptography's manylinux_2_34 wheel here);
#   5. scripts/package.sh with PYTHON=that venv (installer/ssj.spec leaves libstdc++, libcups, X11, fontconfig…
#      to the target system, the .deb depends on them), then installer/elfinfo.py must report ≤ 2.28 and the
#      bundle's --selftest must print OK.
# Environment: XC_WORK (default /tmp/xinchuang), XC_JOBS (default: number of CPUs), XC_DIST (default dist-xc).
# Takes about 20 minutes on 2 cores the first time (OpenSSL and CPython), about 3 minutes afterwards.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
W="${XC_WORK:-/tmp/xinchuang}"
JOBS="${XC_JOBS:-$(nproc)}"
DIST="${XC_DIST:-dist-xc}"
TARGET=x86_64-linux-gnu.2.28
P="$W/prefix"          # static dependencies
PY="$W/python"         # the CPython install
SRC="$W/src"
B="$W/build"
mkdir -p "$W" "$SRC" "$B" "$P"
log() { echo "== $* =="; }
LOG="$W/logs/build.log"  # compiler output of steps 2–3 (warnings); the last lines are shown when a step fails
run() { "$@" >>"$LOG" 2>&1 || { tail -n 40 "$LOG" >&2; echo "构建失败：$*（完整日志 $LOG）" >&2; exit 1; }; }

# ---- 1. sources and zig -------------------------------------------------------------------------------------
if [ ! -x "$W/zigvenv/bin/python" ]; then
    log "zig（PyPI: ziglang）"
    python3 -m venv "$W/zigvenv"
    "$W/zigvenv/bin/pip" install -q ziglang
fi
ZIG="$("$W/zigvenv/bin/python" -c 'import ziglang, pathlib; print(pathlib.Path(ziglang.__file__).parent / "zig")')"
mkdir -p "$W/bin" "$W/logs"
export ZIG_GLOBAL_CACHE_DIR="$W/zig-cache" ZIG_LOCAL_CACHE_DIR="$W/zig-cache"
# zig cc without -O turns on UBSan traps: always give an optimisation level, and switch the sanitizer off;
# zig also makes __DATE__/__TIME__ an error (CPython's build info uses them).
# zig's linker knows -soname but not the short -h that CPython's Makefile uses for libpython, and cannot link a
# shared library from shared libraries alone (libpython3.so): an empty C file is added then.
echo 'static int xc_empty;' > "$W/bin/xc-empty.c"
cat > "$W/bin/xc-cc" <<'CC'
#!/bin/sh
shared=no
objects=no
for a in "$@"; do
    shift
    case "$a" in
        -Wl,-h*) set -- "$@" "-Wl,-soname,${a#-Wl,-h}" ;;
        -print-multiarch) exit 1 ;;  # CPython's setup.py would add /usr/include/<multiarch> (this glibc's headers)
        *) set -- "$@" "$a" ;;
    esac
    case "$a" in -shared) shared=yes ;; *.c|*.o|*.a|*.S|*.s|*.lo) objects=yes ;; esac
done
if [ "$shared" = yes ] && [ "$objects" = no ]; then set -- "$@" @EMPTY@; fi
exec @ZIG@ cc -target @TARGET@ -fno-sanitize=undefined -Wno-error=date-time "$@"
CC
sed -i "s|@ZIG@|\"$ZIG\"|; s|@TARGET@|$TARGET|; s|@EMPTY@|\"$W/bin/xc-empty.c\"|" "$W/bin/xc-cc"
for tool in ar ranlib; do printf '#!/bin/sh\nexec "%s" %s "$@"\n' "$ZIG" "$tool" > "$W/bin/xc-$tool"; done
chmod +x "$W/bin/"xc-*
export CC="$W/bin/xc-cc" AR="$W/bin/xc-ar" RANLIB="$W/bin/xc-ranlib"
# clang is stricter than the gcc these sources were written for: old-style code must still compile.
export CFLAGS="-O2 -fPIC -Wno-error=implicit-function-declaration -Wno-error=int-conversion \
-Wno-error=incompatible-function-pointer-types" PKG_CONFIG_LIBDIR="$P/lib/pkgconfig" PKG_CONFIG_PATH="$P/lib/pkgconfig"

PACKAGES="python3.11 openssl zlib bzip2 xz-utils libffi sqlite3"
if ! ls "$SRC"/python3.11_*.orig.tar.* >/dev/null 2>&1; then
    log "Debian bookworm 源码包（apt-get source --download-only）"
    mkdir -p "$W/apt/lists/partial" "$W/apt/cache/archives/partial"
    echo "deb-src http://deb.debian.org/debian bookworm main" > "$W/apt/sources.list"
    echo "deb-src http://deb.debian.org/debian-security bookworm-security main" >> "$W/apt/sources.list"
    cat > "$W/apt/apt.conf" <<CONF
Dir::Etc::sourcelist "$W/apt/sources.list";
Dir::Etc::sourceparts "-";
Dir::State::Lists "$W/apt/lists";
Dir::Cache "$W/apt/cache";
CONF
    export APT_CONFIG="$W/apt/apt.conf"
    apt-get update -qq
    (cd "$SRC" && for p in $PACKAGES; do apt-get source -qq --download-only "$p" 2>&1 | grep -v unsandboxed || true; done)
    unset APT_CONFIG
fi
unpack() {  # unpack <orig tarball glob> → prints the directory
    local tarball dir
    tarball="$(ls "$SRC"/$1 | grep -v '\.asc$' | head -n 1)"
    dir="$B/$(tar tf "$tarball" | head -n 1 | cut -d/ -f1)"
    [ -d "$dir" ] || tar xf "$tarball" -C "$B"
    echo "$dir"
}

# ---- 2. static dependencies ---------------------------------------------------------------------------------
if [ ! -f "$P/lib/libz.a" ]; then
    log "zlib"
    dir="$(unpack 'zlib_*.orig.tar.*')"
    run sh -c "cd '$dir' && ./configure --static --prefix='$P' && make -j$JOBS libz.a && make install"
fi
if [ ! -f "$P/lib/libbz2.a" ]; then
    log "bzip2"
    dir="$(unpack 'bzip2_*.orig.tar.*')"
    run make -C "$dir" -j"$JOBS" libbz2.a CC="$CC" AR="$AR" RANLIB="$RANLIB" CFLAGS="$CFLAGS -D_FILE_OFFSET_BITS=64"
    install -D -m 0644 "$dir/libbz2.a" "$P/lib/libbz2.a" && install -D -m 0644 "$dir/bzlib.h" "$P/include/bzlib.h"
fi
if [ ! -f "$P/lib/liblzma.a" ]; then
    log "xz (liblzma)"
    dir="$(unpack 'xz-utils_*.orig.tar.*')"
    run sh -c "cd '$dir' && ./configure --prefix='$P' --disable-shared --enable-static --disable-xz --disable-xzdec \
        --disable-lzmadec --disable-lzmainfo --disable-scripts --disable-doc --disable-nls && make -C src/liblzma -j$JOBS \
        && make -C src/liblzma install"
fi
if [ ! -f "$P/lib/libffi.a" ]; then
    log "libffi"
    dir="$(unpack 'libffi_*.orig.tar.*')"
    run sh -c "cd '$dir' && ./configure --prefix='$P' --libdir='$P/lib' --disable-shared --enable-static --disable-docs \
        --disable-multi-os-directory --disable-exec-static-tramp && make -j$JOBS && make install"
fi
if [ ! -f "$P/lib/libsqlite3.a" ]; then
    log "sqlite"
    dir="$(unpack 'sqlite3_*.orig.tar.xz')"
    run sh -c "cd '$dir' && CFLAGS='$CFLAGS -DSQLITE_ENABLE_FTS5 -DSQLITE_ENABLE_JSON1 -DSQLITE_ENABLE_MATH_FUNCTIONS' \
        ./configure --prefix='$P' --disable-shared --enable-static --disable-tcl --disable-readline --enable-threadsafe \
        && make -j$JOBS libsqlite3.la"
    install -D -m 0644 "$dir/.libs/libsqlite3.a" "$P/lib/libsqlite3.a"
    install -D -m 0644 "$dir/sqlite3.h" "$P/include/sqlite3.h"
    install -D -m 0644 "$dir/sqlite3ext.h" "$P/include/sqlite3ext.h"
    sed "s|^prefix=.*|prefix=$P|" "$dir/sqlite3.pc" > "$P/lib/pkgconfig/sqlite3.pc"
fi
if [ ! -f "$P/lib/libssl.a" ]; then
    log "OpenSSL（只构建库；hashlib.scrypt 口令散列与 ssl 模块需要）"
    # Only what CPython's _ssl/_hashlib use: old ciphers, engines, GOST, CMS, TS, OCSP… are left out (half the
    # compile time on a shared 2-core machine).
    dir="$(unpack 'openssl_*.orig.tar.gz')"
    run sh -c "cd '$dir' && ./Configure linux-x86_64 no-shared no-tests no-engine no-module no-legacy \
        no-comp no-idea no-seed no-camellia no-aria no-whirlpool no-mdc2 no-rc2 no-rc4 no-rc5 no-md4 no-cast no-bf \
        no-srp no-gost no-cms no-ts no-cmp no-ocsp no-ct no-sm2 no-sm4 no-dtls no-ssl3 no-weak-ssl-ciphers \
        no-ui-console no-autoload-config --prefix='$P' --libdir=lib --openssldir=/etc/ssl -fPIC \
        && make -j$JOBS build_libs && make install_dev"
fi

# ---- 3. CPython ---------------------------------------------------------------------------------------------
if [ ! -x "$PY/bin/python3" ]; then
    log "CPython（共享 libpython）"
    dir="$(unpack 'python3.11_*.orig.tar.*')"
    # setup.py asks dpkg-architecture for the multiarch directories too: a stand-in that knows none, so no
    # extension module sees this machine's /usr/include or links /usr/lib (those need a newer glibc)
    printf '#!/bin/sh\nexit 1\n' > "$W/bin/dpkg-architecture"
    chmod +x "$W/bin/dpkg-architecture"
    run sh -c "cd '$dir' && PATH='$W/bin':\"\$PATH\" && CPPFLAGS='-I$P/include' LIBS='-lpthread -ldl' \
        ./configure --prefix='$PY' --enable-shared --with-openssl='$P' --with-openssl-rpath=no \
        --without-ensurepip --disable-test-modules LDFLAGS='-L$P/lib' \
        && make -j$JOBS && make install"
fi
export LD_LIBRARY_PATH="$PY/lib"  # the shared libpython (no rpath: pyinstaller copies it into the bundle)
"$PY/bin/python3" - <<'CHECK' || { rm -rf "$PY"; echo "CPython 缺少模块（见上），已删除 $PY，修正后重新运行。" >&2; exit 1; }
import ctypes, bz2, lzma, zlib, sqlite3, ssl, hashlib, pyexpat, decimal, _ctypes  # noqa: F401
hashlib.scrypt(b"x", salt=b"y", n=2, r=1, p=1)
print("Python", __import__("sys").version.split()[0], "· sqlite", sqlite3.sqlite_version, "·", ssl.OPENSSL_VERSION)
CHECK

# ---- 4. venv with the pinned manylinux_2_28 wheels ----------------------------------------------------------
VENV="$W/venv"
if [ ! -x "$VENV/bin/python" ]; then
    log "依赖（manylinux_2_28 wheels，installer/xinchuang/requirements.txt）"
    "$PY/bin/python3" -m venv --without-pip "$VENV"
    # every manylinux tag up to 2_28 (an older pip does not expand --platform manylinux_2_28 to the older tags)
    PLATFORMS="$(for t in manylinux_2_28 manylinux_2_27 manylinux_2_26 manylinux_2_24 manylinux_2_17 manylinux2014 \
        manylinux_2_12 manylinux2010 manylinux_2_5 manylinux1; do printf -- '--platform %s_x86_64 ' "$t"; done)"
    env -u LD_LIBRARY_PATH "$W/zigvenv/bin/pip" download -q --dest "$W/wheels" --only-binary=:all: --no-deps \
        $PLATFORMS --python-version 3.11 --implementation cp \
        -r "$ROOT/installer/xinchuang/requirements.txt" pip
    "$VENV/bin/python" "$(ls "$W"/wheels/pip-*.whl)/pip" install -q --no-index --find-links "$W/wheels" --no-deps \
        -r "$ROOT/installer/xinchuang/requirements.txt" pip
fi
# The program itself is not installed into the venv: installer/ssj.spec takes it from the checkout (pathex).

# ---- 5. bundle, .deb, glibc floor, self-test ----------------------------------------------------------------
log "pyinstaller 安装包与 .deb（scripts/package.sh，PYTHON=$VENV/bin/python）"
cd "$ROOT"
if [ -z "${SSJ_FCITX5_PLUGIN:-}" ] && [ -f "$W/fcitx5-qt/libfcitx5platforminputcontextplugin.so" ]; then
    export SSJ_FCITX5_PLUGIN="$W/fcitx5-qt/libfcitx5platforminputcontextplugin.so"
fi
SSJ_DIST="$DIST" SSJ_WORK="${XC_BUILD:-build-xc}" PYTHON="$VENV/bin/python" bash scripts/package.sh
"$VENV/bin/python" installer/elfinfo.py "$DIST/ssj"
"$VENV/bin/python" installer/elfinfo.py --json "$DIST/ssj" | "$VENV/bin/python" -c \
    'import json,sys; sys.exit(0 if json.load(sys.stdin)["runs_on_uos20_kylin_v10"] else 1)' \
    || { echo "信创安装包需要比 glibc 2.28 更新的系统" >&2; exit 1; }
out="$(QT_QPA_PLATFORM=offscreen "$DIST/ssj/ssj" --selftest)"
echo "$out" | tail -n 3
[ "$(echo "$out" | tail -n 1)" = "OK" ] || { echo "信创安装包自检失败" >&2; exit 1; }
echo "信创安装包：$DIST/ssj 与 $(ls -t "$DIST"/ssj_*.deb | head -n 1)"
