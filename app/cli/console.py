"""Console output that never crashes: a Windows console or pipe in the ANSI code page (cp936/GBK), a
redirected file, a 信创 terminal in UTF-8.

- `--json` is always UTF-8 bytes (a program reading it needs one encoding, whatever the code page).
- Text keeps the console's encoding (so 命令提示符 and a `> 结果.txt` opened in 记事本 read it), but GBK is
  widened to GB18030 — identical bytes for every GBK character, and 𠮷/䶮 survive instead of raising
  UnicodeEncodeError — and anything still unencodable becomes a close look-alike (✓→√, •→·) or `?`.
"""

from __future__ import annotations

import codecs
import sys

ERRORS = "ssj-console"
LOOKALIKE = {"✓": "√", "✔": "√", "✗": "×", "✘": "×", "•": "·", "…": "...", "—": "-", "–": "-", "→": "->"}


def _lookalike(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    text = exc.object[exc.start : exc.end]
    out = []
    for ch in text:
        sub = LOOKALIKE.get(ch, "?")
        try:
            sub.encode(exc.encoding)
        except (UnicodeEncodeError, LookupError):
            sub = "?"
        out.append(sub)
    return "".join(out), exc.end


codecs.register_error(ERRORS, _lookalike)

_WIDER = {"cp936": "gb18030", "gbk": "gb18030", "gb2312": "gb18030", "euc_cn": "gb18030", "ms936": "gb18030"}


def text_encoding(current: str | None) -> str:
    """The encoding text output uses for a stream currently in `current`."""
    name = codecs.lookup(current or "utf-8").name
    return _WIDER.get(name, name)


def configure_stream(stream, *, json_output: bool = False) -> None:
    """Re-configure one text stream (sys.stdout / sys.stderr) in place; streams that cannot be are left."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is None:
        return
    try:
        if json_output:
            reconfigure(encoding="utf-8", errors="strict")
        else:
            reconfigure(encoding=text_encoding(getattr(stream, "encoding", None)), errors=ERRORS)
    except (ValueError, LookupError, OSError):  # pragma: no cover - a closed or unusual stream
        pass


def configure_console(json_output: bool) -> None:
    configure_stream(sys.stdout, json_output=json_output)
    configure_stream(sys.stderr)
