"""QR codes for the printed documents, fast: the same modules segno makes, in a fraction of its time.

171 检查通知书 carry 171 QR codes of the same form ("SSJ1|任务:…|对象:…" in byte mode, level M, a fixed mask),
and segno spent about half of a notice page's time on them, placing and masking each module in Python. Here
everything that depends only on the version — the function patterns, the format and version information, the
order in which the codeword bits are placed, the mask over those places — is made once per version *by segno
itself* (its own functions on an all-zero message), and a code is then its bit stream (with the Reed-Solomon
codewords computed a byte at a time on Python integers) XORed onto that template. Any text this fast path does
not cover exactly as segno would (a text segno writes in numeric, alphanumeric or kanji mode, or as Shift_JIS)
goes to segno. `tests/foundation/test_pdf_qr.py` checks the modules equal segno's.
"""

from __future__ import annotations

from functools import cache, lru_cache
from itertools import zip_longest

# segno writes these texts in numeric/alphanumeric mode: left to it
_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


def _payload(text: str) -> bytes | None:
    """The bytes segno would write for `text` in byte mode, or None if this fast path does not apply."""
    if all(ch in _ALNUM for ch in text):
        return None
    try:
        return text.encode("iso-8859-1")  # segno's default byte encoding
    except UnicodeError:
        pass
    try:
        text.encode("shift_jis")  # segno would write Shift_JIS (or kanji mode): leave it to segno
        return None
    except UnicodeError:
        return text.encode("utf-8")


@cache
def _rs_table(n: int) -> tuple[int, ...]:
    """For each coefficient c, the n error-correction bytes of generator × c, as one integer."""
    from segno import consts

    log, exp, gen = consts.GALIOS_LOG, consts.GALIOS_EXP, consts.GEN_POLY[n]
    out = [0]
    for c in range(1, 256):
        out.append(int.from_bytes(bytes(exp[log[c] + g] for g in gen), "big"))
    return tuple(out)


def _ecc(block: bytes, n: int) -> bytes:
    """The n Reed-Solomon codewords of a block (segno's synthetic division, a byte a step)."""
    table, top, mask = _rs_table(n), 8 * (n - 1), (1 << (8 * n)) - 1
    rem = 0
    for byte in block:
        coef = byte ^ (rem >> top)
        rem = ((rem << 8) & mask) ^ table[coef]
    return rem.to_bytes(n, "big")


@lru_cache(maxsize=64)
def _template(version: int, error: int, mask: int) -> tuple[tuple[bytes, ...], tuple[tuple[int, int], ...]]:
    """The symbol of an all-zero message (segno's own steps) and the places of the message bits, in order."""
    from segno import encoder

    width = encoder.calc_matrix_size(version)
    matrix = encoder.make_matrix(width, width)
    encoder.add_finder_patterns(matrix, width, width)
    encoder.add_alignment_patterns(matrix, width, width)
    places = []
    for right in range(width - 1, 0, -2):  # encoder.add_codewords' walk
        if right <= 6:
            right -= 1
        for vertical in range(width):
            for z in range(2):
                j = right - z
                upwards = ((right & 2) == 0) ^ (j < 6)
                i = (width - 1 - vertical) if upwards else vertical
                if matrix[i][j] == 0x2:
                    places.append((i, j))
    encoder.add_codewords(matrix, bytes(len(places)), version)
    _mask, matrix = encoder.find_and_apply_best_mask(matrix, width, width, mask)
    encoder.add_format_info(matrix, version, error, mask)
    encoder.add_version_info(matrix, version)
    return tuple(bytes(row) for row in matrix), tuple(places)


def _version(length: int, error: int) -> int | None:
    from segno import consts

    for version in range(1, 41):
        count_bits = 8 if version < 10 else 16
        if 4 + count_bits + 8 * length <= consts.SYMBOL_CAPACITY[version][error]:
            return version
    return None


def qr_matrix(text: str, error: str = "m", mask: int = 2) -> tuple[bytes, ...]:
    """The modules of the QR code of `text` (rows of 1 dark / 0 light, no quiet zone), as
    `segno.make(text, error=error, micro=False, boost_error=False, mask=mask).matrix`."""
    from segno import consts, encoder

    data = _payload(text)
    level = encoder.normalize_errorlevel(error)
    version = _version(len(data), level) if data is not None else None
    if version is None:
        import segno

        code = segno.make(text, error=error, micro=False, boost_error=False, mask=mask)
        return tuple(bytes(row) for row in code.matrix)
    capacity = consts.SYMBOL_CAPACITY[version][level]
    count_bits = 8 if version < 10 else 16
    bits = (((0b0100 << count_bits) | len(data)) << (8 * len(data))) | int.from_bytes(data, "big")
    length = 4 + count_bits + 8 * len(data)
    term = min(capacity - length, 4)
    pad = 8 - (length + term) % 8  # segno's write_padding_bits: 1 to 8 zero bits
    bits <<= term + pad
    length += term + pad
    words = bits.to_bytes(length // 8, "big")
    fill = capacity // 8 - len(words)
    words = (words + (b"\xec\x11" * (fill // 2 + 1))[: max(fill, 0)])[: capacity // 8]
    data_blocks, ecc_blocks, at = [], [], 0
    for info in consts.ECC[version][level]:
        n = info.num_total - info.num_data
        for _ in range(info.num_blocks):
            block = words[at : at + info.num_data]
            at += info.num_data
            data_blocks.append(block)
            ecc_blocks.append(_ecc(block, n))
    message = bytes(x for column in zip_longest(*data_blocks) for x in column if x is not None)
    message += bytes(x for column in zip_longest(*ecc_blocks) for x in column if x is not None)
    template, places = _template(version, level, mask)
    rows = [bytearray(row) for row in template]
    stream = format(int.from_bytes(message, "big"), f"0{8 * len(message)}b")
    for (i, j), bit in zip(places, stream):  # the remainder bits after the message stay 0
        if bit == "1":
            rows[i][j] ^= 1
    return tuple(bytes(row) for row in rows)
