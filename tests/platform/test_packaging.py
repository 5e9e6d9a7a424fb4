"""Packaging pieces that run here: the ELF reader behind the glibc floor and the .deb's Depends, the ICU data
filter, the desktop entry, and the Windows installer script's promises (checked as text: it compiles on Windows)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "installer"))
sys.path.insert(0, str(ROOT / "installer" / "linux"))

import depends  # noqa: E402
import elfinfo  # noqa: E402
import icu_slim  # noqa: E402

QT_LIB = Path(__import__("PySide6").__file__).parent / "Qt" / "lib"


def test_needed_and_glibc_versions_match_objdump(tmp_path):
    core = QT_LIB / "libQt6Core.so.6"
    assert "libicuuc.so.73" in elfinfo.needed(core) or any(n.startswith("libicuuc") for n in elfinfo.needed(core))
    shutil.copy(core, tmp_path / core.name)
    version, name, where = elfinfo.glibc_floor(tmp_path)
    dump = subprocess.run(["objdump", "-T", str(core)], capture_output=True, text=True).stdout
    highest = max(tuple(map(int, v.split("."))) for v in re.findall(r"GLIBC_(\d+\.\d+(?:\.\d+)?)", dump))
    assert version == highest and name == "GLIBC_" + ".".join(map(str, highest)) and where == core.name


def test_glibc_floor_report_names_the_systems(tmp_path):
    assert "统信UOS 20" in elfinfo.systems_for((2, 28))
    assert "统信UOS 20" not in elfinfo.systems_for((2, 34))
    shutil.copy(QT_LIB / "libQt6Core.so.6", tmp_path)
    out = subprocess.run(
        [sys.executable, str(ROOT / "installer" / "elfinfo.py"), str(tmp_path)], capture_output=True, text=True
    )
    assert out.returncode == 0 and "安装包所需最高 glibc" in out.stdout and "最低可运行的系统" in out.stdout


def test_deb_depends_only_on_registered_system_libraries(tmp_path):
    for name in ("libQt6Core.so.6", "libicui18n.so.73", "libicuuc.so.73", "libicudata.so.73"):
        shutil.copy(QT_LIB / name, tmp_path)
    (tmp_path / "libzstd.so.1").write_bytes(b"")  # carried by the bundle (a newer soname than old systems')
    line = depends.depends(str(tmp_path))
    assert line.startswith("libc6 (>= 2.") and "libglib2.0-0" in line and "libstdc++6" in line
    cups = Path("/usr/lib/x86_64-linux-gnu/libcups.so.2")
    if cups.exists():  # libcups needs gnutls & co.: not registered, so the build stops with a Chinese message
        shutil.copy(cups, tmp_path)
        with pytest.raises(SystemExit, match="未登记的系统库"):
            depends.depends(str(tmp_path))


@pytest.mark.parametrize(
    "item, kept",
    [
        ("coll/zh.res", True),
        ("coll/zh_Hant.res", True),
        ("coll/ucadata.icu", True),
        ("coll/fr.res", False),
        ("coll/es_.res", False),
        ("lang/en_GB.res", True),
        ("lang/de.res", False),
        ("brkitr/cjdict.dict", False),
        ("rbnf/zh.res", False),
        ("translit/root.res", False),
        ("nfkc.nrm", True),
        ("uts46.nrm", True),
        ("root.res", True),
        ("supplementalData.res", True),
        ("zoneinfo64.res", True),
        ("ja.res", False),
        ("gb18030.cnv", True),
        ("ibm-943_P15A-2003.cnv", False),
        ("cnvalias.icu", True),
    ],
)
def test_icu_items_kept(item, kept):
    assert icu_slim.keep(item) is kept


@pytest.mark.skipif(not (shutil.which("icupkg") and shutil.which("cc")), reason="needs icu-devtools and a C compiler")
def test_slim_icu_sorts_chinese_like_the_full_one(tmp_path):
    slim = icu_slim.slim(QT_LIB / "libicudata.so.73", tmp_path / "icu")
    assert slim.stat().st_size < 8_000_000 < (QT_LIB / "libicudata.so.73").stat().st_size
    lib = tmp_path / "lib"
    lib.mkdir()
    shutil.copy(slim, lib)
    script = (
        "from PySide6.QtCore import QCollator, QLocale, QUrl, QStringEncoder\n"
        "c = QCollator(QLocale('zh_CN'))\n"
        "print(sorted(['张三', '李四', '王五', '阿明', '赵六'], key=c.sortKey), QLocale('en_US').toUpper('straße'),\n"
        "      QUrl.toAce('环保.中国'), QStringEncoder('GB18030').isValid())\n"
    )
    full = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    small = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env={"LD_LIBRARY_PATH": str(lib)}
    )
    assert small.returncode == 0, small.stderr
    assert small.stdout == full.stdout and "['阿明', '李四', '王五', '张三', '赵六']" in small.stdout


@pytest.mark.skipif(not shutil.which("desktop-file-validate"), reason="needs desktop-file-utils")
def test_desktop_entry_is_valid_and_chinese():
    entry = ROOT / "installer" / "linux" / "ssj.desktop"
    out = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)
    assert out.returncode == 0 and not out.stdout.strip(), out.stdout
    text = entry.read_text(encoding="utf-8")
    assert "Name[zh_CN]=双随机抽查工作台" in text and "Icon=ssj" in text and "Categories=Office;" in text


def test_inno_setup_script_keeps_its_promises():
    from app.paths import APP_MUTEX

    iss = (ROOT / "installer" / "ssj.iss").read_bytes()
    assert not iss.startswith(b"\xef\xbb\xbf")  # UTF-8 without BOM (Inno Setup 6.3+)
    text = iss.decode("utf-8")
    assert "EncodeVer(6, 3, 0)" in text
    assert "ArchitecturesAllowed=x64compatible" in text and "ArchitecturesInstallIn64BitMode=x64compatible" in text
    assert f'#define MyAppMutex "{APP_MUTEX}"' in text and "AppMutex={#MyAppMutex}" in text
    assert re.search(r"\[InstallDelete\]\s*\n(;.*\n)*Type: filesandordirs; Name: \"\{app\}\\_internal\"", text)
    assert (
        "SetupIconFile=..\\resources\\icons\\ssj.ico" in text and (ROOT / "resources" / "icons" / "ssj.ico").is_file()
    )
    assert "VersionInfoVersion={#MyAppVersion}" in text and "AppPublisher=" in text
    assert "WaitForExit(180000)" in text and "selftest exit code" in text  # exit code checked, hang bounded
    assert "PrivilegesRequired=lowest" in text


def test_app_mutex_is_only_taken_on_windows():
    from app import paths

    assert paths.hold_app_mutex() is (False if sys.platform != "win32" else True)
    made = []
    paths._mutex_handle = None
    assert paths.hold_app_mutex(create=lambda *a: made.append(a) or 42) is True
    assert made == [(None, False, paths.APP_MUTEX)]
    paths._mutex_handle = None


def test_icon_is_a_multi_size_ico():
    data = (ROOT / "resources" / "icons" / "ssj.ico").read_bytes()
    assert data[:4] == b"\0\0\1\0" and int.from_bytes(data[4:6], "little") >= 6


def test_spec_drops_what_the_issue_names():
    spec = (ROOT / "installer" / "ssj.spec").read_text(encoding="utf-8")
    for part in ("libqgtk3", "qwayland", "qeglfs", "VirtualKeyboard", "Quick", "icu_slim", "SSJ_BUNDLE_POSTGRES"):
        assert part in spec, part


def test_package_sh_builds_a_second_line_beside_dist(tmp_path):
    """installer/xinchuang/build.sh packages its glibc 2.28 bundle with SSJ_DIST/SSJ_WORK, leaving dist/ alone."""
    bundle = tmp_path / "dist-xc" / "ssj"
    bundle.mkdir(parents=True)
    shutil.copy("/bin/true", bundle / "ssj")  # a real ELF that needs only glibc
    env = dict(os.environ, SSJ_DIST=str(tmp_path / "dist-xc"), SSJ_WORK=str(tmp_path / "build-xc"),
               PYTHON=sys.executable, DEB_ARCH="amd64")
    done = subprocess.run(["bash", "scripts/package.sh", "--skip-build"], cwd=ROOT, env=env, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    debs = list((tmp_path / "dist-xc").glob("ssj_*_amd64.deb"))
    assert len(debs) == 1
    listing = subprocess.run(["dpkg-deb", "-c", str(debs[0])], capture_output=True, text=True).stdout
    assert "./opt/ssj/ssj" in listing
    assert (tmp_path / "build-xc" / "deb").is_dir()
    # printing hands the PDF to CUPS with `lp` (app/ui/printing.py); without it the raster path still prints
    control = subprocess.run(["dpkg-deb", "-f", str(debs[0]), "Recommends"], capture_output=True, text=True).stdout
    assert control.strip() == "cups-client"


def test_system_libraries_built_for_a_newer_glibc_are_left_to_the_target_system():
    """The 信创 bundle built on Debian 12 picked up the build machine's libzstd.so.1 (needs glibc 2.34) for
    PySide6 6.9's QtCore: the spec leaves it to the system (统信UOS 20 ships zstd 1.3.8) and the .deb depends on it."""
    spec = (ROOT / "installer" / "ssj.spec").read_text(encoding="utf-8")
    pattern = re.search(r'SYSTEM_LIBS = re\.compile\(\s*((?:r"[^"]*"\s*)+)\)', spec)
    assert pattern, "SYSTEM_LIBS not found in installer/ssj.spec"
    system_libs = re.compile("".join(re.findall(r'r"([^"]*)"', pattern.group(1))))
    for soname in ("libzstd.so.1", "libstdc++.so.6", "libcups.so.2"):
        assert system_libs.match(soname), soname
        assert soname in depends.SONAME_PACKAGES, soname
    assert not system_libs.match("libxcb-cursor.so.0")  # older systems lack it: bundled
