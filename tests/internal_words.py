"""The one list of internal words a clerk or the public must never read (issue 14, point 2): used by the page scan
(tests/ui/test_desk.py) and the document scan (tests/demo/test_document_words.py)."""

from __future__ import annotations

import re

# ASCII words a printed document may carry on purpose: the verifier's file and how to run it, format names
ALLOWED_ASCII = {"python", "ssj_verify.py", "json", "sha-256", "no", "qr", "pdf", "xlsx", "docx", "ssj1"}


def _stray_ascii(token: str) -> bool:
    """A lowercase identifier-like word (ssj-draw/1, consistent-sampling, sha256, result_phrase…) — not a
    hash (hex), not a USCC/number (upper case and digits), not a word the document uses on purpose."""
    if token.casefold() in ALLOWED_ASCII or token.strip(".:").casefold() in ALLOWED_ASCII:
        return False
    if re.fullmatch(r"[0-9a-f]{8,}", token):  # a hash or fingerprint, printed for checking
        return False
    if re.fullmatch(r"[A-Z][a-z]+(?:/[A-Z0-9][A-Za-z0-9]*)*", token):  # a product or key name: Excel, Word, Ctrl
        return False
    return bool(re.search(r"[a-z]{3,}", token))


def internal_words(texts: list[str], usernames_with_names: set[str], *, stray_ascii: bool = False) -> list[str]:
    """What in `texts` is an internal identifier: preset ids, `os:` accounts, field names, login names of people
    who have a name, raw JSON; with `stray_ascii` (documents) also any lowercase identifier-like ASCII word."""
    from app.services.rules import policies

    presets = set(policies.preset_ids())
    found = []
    for text in texts:
        plain = re.sub(r"<[^>]+>", "", text)
        for token in re.findall(r"[A-Za-z0-9_:./-]+", plain):
            if token in presets:
                found.append(f"preset id {token!r} in {plain[:60]!r}")
            elif token.startswith("os:"):
                found.append(f"OS account {token!r} in {plain[:60]!r}")
            elif re.fullmatch(r"[a-z]+(_[a-z0-9]+)+", token):
                found.append(f"field name {token!r} in {plain[:60]!r}")
            elif token in usernames_with_names:
                found.append(f"login name {token!r} instead of the person's name in {plain[:60]!r}")
            elif stray_ascii and _stray_ascii(token):
                found.append(f"stray ASCII identifier {token!r} in {plain[:60]!r}")
        if re.search(r'\{\s*"', plain):
            found.append(f"raw JSON in {plain[:60]!r}")
    return found
