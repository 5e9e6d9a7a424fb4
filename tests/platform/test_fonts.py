"""PDF fonts on the machines offices have: fontconfig on 统信UOS/麒麟, system and per-user folders on Windows,
TrueType outlines only, the right face of a .ttc, and the shipped 文泉驿微米黑 on a bare machine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.services.foundation import pdf

MICROHEI = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
ROOT = Path(__file__).resolve().parents[2]

FC_LIST = """\
/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc: :index=2:fontformat=CFF
/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf: :index=0:fontformat=TrueType
/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc: :index=1:fontformat=TrueType
/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc: :index=0:fontformat=TrueType
/usr/share/fonts/custom/zzz-other.ttf: :index=0:fontformat=TrueType
/usr/share/fonts/windows/simfang.ttf: :index=0:fontformat=TrueType
/usr/share/fonts/opentype/sourcehan/SourceHanSerifSC-Regular.otf: :index=0:fontformat=CFF
"""


def test_fc_list_keeps_truetype_only_preferred_first():
    found = pdf.parse_fc_list(FC_LIST)
    assert [Path(p).name for p, _ in found] == [
        "simfang.ttf",
        "wqy-zenhei.ttc",
        "DroidSansFallbackFull.ttf",
        "zzz-other.ttf",
    ]
    assert dict(found)["/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"] == 0
    assert not any("Noto" in p or "SourceHan" in p for p, _ in found)  # CFF outlines: reportlab cannot embed


def test_fontconfig_is_asked_on_linux():
    found = pdf.fontconfig_fonts()
    assert (MICROHEI, 0) in found or any(p.endswith("wqy-microhei.ttc") for p, _ in found)


def test_windows_searches_system_and_per_user_font_folders():
    env = {"WINDIR": r"C:\Windows", "LOCALAPPDATA": r"C:\Users\科员\AppData\Local"}
    cands = [p for p, _ in pdf.font_candidates(platform="win32", environ=env, fc=lambda: [])]
    norm = [p.replace("\\", "/") for p in cands]
    assert "C:/Windows/Fonts/simfang.ttf" in norm
    assert "C:/Users/科员/AppData/Local/Microsoft/Windows/Fonts/仿宋_GB2312.ttf" in norm
    # 仿宋_GB2312 (often installed per user) comes before 宋体; the shipped font is last
    assert norm.index("C:/Users/科员/AppData/Local/Microsoft/Windows/Fonts/仿宋_GB2312.ttf") < norm.index(
        "C:/Windows/Fonts/simsun.ttc"
    )
    assert cands[-1].endswith("wqy-microhei.ttc")


def test_env_override_comes_first():
    cands = pdf.font_candidates(platform="linux", environ={"SSJ_PDF_FONT": "/x/仿宋.ttf"}, fc=lambda: [])
    assert cands[0] == ("/x/仿宋.ttf", None)


@pytest.mark.parametrize(
    "names, index",
    [
        (["SimSun", "NSimSun"], 0),
        (["NSimSun", "SimSun"], 1),
        (["MicrosoftYaHeiUI", "MicrosoftYaHei"], 1),
        (["WenQuanYiMicroHeiMono", "WenQuanYiMicroHei"], 1),
        (["Unknown-A", "Unknown-B"], 0),
    ],
)
def test_collection_face_is_chosen_by_name(names, index):
    assert pdf.pick_face(names) == index


def test_real_collection_faces_and_outlines(tmp_path):
    names = pdf.collection_faces(MICROHEI)
    assert names == ["WenQuanYiMicroHei", "WenQuanYiMicroHeiMono"]
    assert pdf.outline_format(MICROHEI, 0) == "TrueType"
    assert pdf.outline_format(MICROHEI, 5) is None
    assert pdf.usable_font(MICROHEI, None) == (MICROHEI, 0)
    cff = tmp_path / "NotoSerifCJK.otf"
    cff.write_bytes(b"OTTO" + b"\0" * 200)
    assert pdf.outline_format(cff) == "CFF"
    assert pdf.usable_font(str(cff), None) is None
    junk = tmp_path / "broken.ttf"
    junk.write_bytes(b"not a font")
    assert pdf.usable_font(str(junk), None) is None


def test_shipped_font_is_truetype_and_licensed():
    shipped = pdf.shipped_font()
    assert shipped and pdf.outline_format(shipped, 0) == "TrueType"
    licence = (ROOT / "resources" / "fonts" / "LICENSE-wqy-microhei.txt").read_text(encoding="utf-8")
    assert "Apache License" in licence and "Version 2.0" in licence


def test_a_bare_machine_still_makes_pdfs(tmp_path):
    """No fontconfig, no Windows folders, no system Chinese font: the shipped font is embedded."""
    script = (
        "from app.services.foundation import pdf\n"
        "from reportlab.platypus import Paragraph\n"
        "p = pdf.build_pdf(r'%s', [Paragraph('双随机抽查 𠮷 测试', pdf.styles()['body'])], title='自检')\n"
        "print(pdf.register_fonts())\n" % (tmp_path / "out.pdf")
    )
    env = dict(os.environ, PATH=str(tmp_path), PYTHONPATH=str(ROOT))  # no fc-list on PATH
    env.pop("SSJ_PDF_FONT", None)
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith(str(Path("resources", "fonts", "wqy-microhei.ttc")))
    fonts = subprocess.run(["pdffonts", str(tmp_path / "out.pdf")], capture_output=True, text=True).stdout
    assert "WenQuanYiMicroHei" in fonts and " yes " in fonts  # embedded


def test_pdf_metadata_names_the_program_version(tmp_path):
    from reportlab.platypus import Paragraph

    from app import __version__

    out = pdf.build_pdf(tmp_path / "a.pdf", [Paragraph("公示", pdf.styles()["body"])], title="抽查结果公示")
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout
    assert f"双随机抽查工作台 {__version__}" in info
    assert "抽查结果公示" in info
