"""Amendments of an ssj-draw/1 record are re-computed under version 1 by the verifier too (issue 22: a mutant
that replayed them under no version — version 2's rules — survived). On the version-1 vector's pool the two
versions choose a different replacement person, so a record carrying such a replacement verifies only when
the verifier replays it as version 1."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from app.services.draw import algorithm as da
from tests.draw import records

VECTOR = Path(__file__).resolve().parents[2] / "docs" / "vectors" / "12-version-1.json"


def _record() -> dict:
    return json.loads(VECTOR.read_text(encoding="utf-8"))["record"]


def _differing_member(record: dict) -> tuple[str, str]:
    """(object, person) whose replacement differs between version 1 and version 2."""
    snap, seed = record["snapshot"], record["seed"]
    for e in da.current_selection(record):
        for m in e["team"]:
            try:
                v1 = da.plan_member_replacement(snap, seed, [], e["uscc"], m["id"], da.ALGORITHM_V1)
            except ValueError:
                continue
            try:
                v2 = da.plan_member_replacement(snap, seed, [], e["uscc"], m["id"], da.ALGORITHM)
            except ValueError:
                v2 = None
            if v1 != v2:
                return e["uscc"], m["id"]
    raise AssertionError("the vector no longer has a replacement that differs between the versions")


def test_a_version1_member_replacement_verifies_as_version1():
    record = _record()
    assert record["algorithm"] == da.ALGORITHM_V1 and record["amendments"] == []
    uscc, person = _differing_member(record)
    records.replace_member(record, uscc, person)
    records.confirm(record)
    assert da.verify_record(record) == []
    # the same amendment computed under version 2 is refused
    other = copy.deepcopy(record)
    v2 = da.plan_member_replacement(other["snapshot"], other["seed"], [], uscc, person, da.ALGORITHM)
    other["amendments"][0].update(new=v2["member"], skips=v2["skips"], at_cap=v2["at_cap"])
    records.rehash(other)
    assert "与重新计算不符" in da.verify_record(other)[0]
