"""Draw records made the way the program makes them (app/services/draw/draws.py), without a database.

Used by the vector builder (tests/draw/make_vectors.py), the property test and the independent-verifier
test. `make_record` freezes the given snapshot, draws it with the seed, then applies amendment requests
exactly as draws.confirm / void / replace_object / replace_member do.
"""

from __future__ import annotations

import copy

from app.services.draw import algorithm as da

GENESIS = "0" * 64


def new_record(snapshot: dict, seed: str, *, algorithm: str = da.ALGORITHM, chain_seq: int = 1, **meta) -> dict:
    result = da.compute_draw(snapshot, seed, algorithm)
    record = {
        "format": da.RECORD_FORMAT,
        "algorithm": algorithm,
        "draw_id": meta.get("draw_id", chain_seq),
        "office": snapshot["office"],
        "period": snapshot["period"],
        "task": snapshot["task"],
        "policy_id": snapshot["policy_id"],
        "snapshot": snapshot,
        "fingerprint": da.fingerprint(snapshot),
        "seed": seed,
        "seed_source": meta.get("seed_source", "骰子"),
        "witnesses": meta.get("witnesses", ["张见证", "李见证"]),
        "frozen_at": meta.get("frozen_at", "2026-01-05T01:00:00Z"),
        "drawn_at": meta.get("drawn_at", "2026-01-06T02:00:00Z"),
        "drawn_by": meta.get("drawn_by", "admin"),
        "chain_seq": chain_seq,
        "previous_hash": meta.get("previous_hash", GENESIS if chain_seq == 1 else "ab" * 32),
        **result,
    }
    record["record_hash"] = da.record_hash(record)
    record["amendments"] = []
    return record


def append(record: dict, amendment: dict, at: str = "2026-01-07T03:00:00Z", by: str = "admin") -> dict:
    """Append one amendment as draws._amend does (seq, prev, at, by, hash)."""
    amendments = record["amendments"]
    a = dict(
        amendment,
        seq=len(amendments) + 1,
        prev=amendments[-1]["hash"] if amendments else record["record_hash"],
        at=at,
        by=by,
    )
    a["hash"] = da.amendment_hash(a)
    amendments.append(a)
    return a


def replace_object(record: dict, uscc: str, reason: str) -> dict:
    entry = da.plan_replacement(
        record["snapshot"], record["seed"], record["amendments"], uscc, reason, record["algorithm"]
    )
    return append(record, {"kind": "对象替换", "uscc": uscc, "reason": reason, "replacement": entry})


def replace_member(record: dict, uscc: str, old_id: str, reason: str = "出差", approver: str = "王局长") -> dict:
    team = next(e["team"] for e in da.current_selection(record) if e["uscc"] == uscc)
    old = dict(next(m for m in team if m["id"] == old_id))  # a copy, as the program reads it from JSON
    out = da.plan_member_replacement(
        record["snapshot"], record["seed"], record["amendments"], uscc, old_id, record["algorithm"]
    )
    return append(
        record,
        {
            "kind": "人员替换",
            "uscc": uscc,
            "old": old,
            "new": out["member"],
            "skips": out["skips"],
            "at_cap": out["at_cap"],
            "reason": reason,
            "approver": approver,
        },
    )


def confirm(record: dict) -> dict:
    return append(record, {"kind": "确认"})


def void(record: dict, reason: str = "见证人未到场，重新抽取") -> dict:
    return append(record, {"kind": "作废", "reason": reason})


def state_of(record: dict) -> str:
    kinds = [a["kind"] for a in record["amendments"]]
    return "已作废" if "作废" in kinds else "已确认" if "确认" in kinds else "已抽取"


def rehash(record: dict) -> dict:
    """Recompute fingerprint, record_hash and the amendment chain after an edit (what a forger would do)."""
    record["fingerprint"] = da.fingerprint(record["snapshot"])
    record["record_hash"] = da.record_hash(record)
    prev = record["record_hash"]
    for a in record["amendments"]:
        if isinstance(a, dict):
            a["prev"] = prev
            a["hash"] = da.amendment_hash(a)
            prev = a["hash"]
    return record


def forged(record: dict, edit) -> dict:
    r = copy.deepcopy(record)
    edit(r)
    return rehash(r)
