"""How figures are written, once for every page, document and command: counts, rates and file sizes.

- a count is plain digits with its unit after a space: ``1500 家`` (never ``1,500``);
- a rate is a percentage rounded to 2 decimals (as the bureau's statistics table rounds it), trailing zeros
  dropped, with the counts it comes from beside it: ``0.07%（1/1500）``, ``100%（1/1）``;
- a file size is in B/KB/MB/GB: ``70.1 KB``.
"""

from __future__ import annotations

from fractions import Fraction


def pct(num: int | float, den: int | float) -> float:
    """A percentage with 2 decimals; 0 when there is nothing to divide by."""
    if not den:
        return 0.0
    return round(100.0 * num / den, 2)


def pct_text(value: float | Fraction | None) -> str:
    """A percentage (already ×100 for floats; a Fraction is a share) as text: 0.07%, 30%, —."""
    if value is None:
        return "—"
    if isinstance(value, Fraction):
        value = round(float(value * 100), 2)
    return f"{value:.2f}".rstrip("0").rstrip(".") + "%"


def rate_text(num: int, den: int) -> str:
    """A rate with its counts: ``0.07%（1/1500）``; ``—（0/0）`` when there is nothing to divide by."""
    if not den:
        return f"—（{num}/{den}）"
    return f"{pct_text(pct(num, den))}（{num}/{den}）"


def count_text(n: int, unit: str = "") -> str:
    """A count as every page writes it: ``1500 家``."""
    return f"{n} {unit}" if unit else str(n)


def size_text(n: int) -> str:
    """A file size for people: 512 B, 70.1 KB, 3.4 MB."""
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{int(size)} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"
