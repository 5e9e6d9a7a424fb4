"""The draw algorithm (抽取算法) — pure, standard library only, shared byte for byte with the verifier.

This module is the single source of `resources/verifier/ssj_verify.py` (see `verifier_source()`): a
test proves the shipped verifier is exactly this file plus a `__main__` guard. Do not import anything
but the standard library here.

Algorithm "ssj-draw/2 (consistent-sampling sha256)", specified completely in docs/draw-algorithm.md
(records of "ssj-draw/1" still verify under their own rules; the differences are listed there):

* snapshot: canonical UTF-8 JSON (sorted keys, no spaces, ensure_ascii=False) of the strata (with
  their in-scope objects, id = USCC, and `required`), the eligible inspectors/experts and the team rules;
  fingerprint = SHA-256 of it, fixed and printed before the seed exists.
* tickets: Rivest's consistent sampling (package `consistent_sampler` 1.0.10): ticket(id) =
  "0." + reversed(zero-padded-to-64 decimal of int(SHA256(SHA256hex(seed) + id))); objects of a stratum
  are taken in increasing ticket order; a stratum takes its first `required` tickets; a replacement is
  the next ticket of the same stratum.
* teams: the people are ordered by tickets from the domain-separated seed `seed + "/teams"`; every drawn
  object, in increasing ticket order over all strata, gets the first people that satisfy the rules;
  every person passed over is recorded with the reason.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import Counter, deque
from itertools import compress, repeat

ALGORITHM_V1 = "ssj-draw/1 (consistent-sampling sha256)"
ALGORITHM = "ssj-draw/2 (consistent-sampling sha256)"
# algorithm string -> version number: what the verifier accepts
ALGORITHMS = {ALGORITHM_V1: 1, ALGORITHM: 2}
RECORD_FORMAT = "ssj-draw-record/1"
SNAPSHOT_FORMAT = "ssj-snapshot/1"
TEAM_SEED_SUFFIX = "/teams"
MIN_SEED_DIGITS = 20
REPLACEMENT_REASONS = ("注销", "迁出", "停产", "无法联系")
SEED_SOURCES = ("骰子", "计算机生成", "公开数字")
PERSON_KINDS = ("执法人员", "专家")
GENESIS = "0" * 64
# record keys outside record_hash: the hash itself, the hash-linked amendments, the informative state
UNHASHED = ("record_hash", "amendments", "state")

DEFAULT_RULES = {
    # ≥2 执法人员 holding a 执法证号 per object (威海 第十九条)
    "officers_per_team": 2,
    # 业务专长 matched to the object's industry or pollution type where possible
    "match_expertise": True,
    "expertise_synonyms": {
        "废气": ["大气", "废气", "空气", "大气污染防治"],
        "废水": ["水", "废水", "水环境", "水污染防治"],
        "固废": ["固废", "固体废物"],
        "危废": ["危废", "危险废物", "固废", "固体废物"],
        "辐射": ["辐射", "核与辐射", "核技术利用", "辐射安全"],
        "噪声": ["噪声", "声环境"],
        "土壤": ["土壤", "土壤污染防治"],
    },
    # 回避: an inspector never inspects an object on his declared list
    "avoidance": True,
    # 异地交叉执法: inspector's region must differ from the object's 乡镇 (off by default)
    "cross_region": False,
    # objects a person may be assigned in one draw; 0 = automatic: ceil(slots / people) + 1
    "cap_per_inspector": 0,
    # an expert (if one is eligible) joins the team of objects with these pollution types
    "expert_for": ["辐射", "危废"],
    # no document requires an expert (秦皇岛 "必要时抽取相应行业专家", 威海 "可在辅助检查人员名录库中抽取"):
    # off by default. Turned on, an object without an eligible expert keeps its officers and is listed in
    # `unassigned` with the reason; it never blocks the rest of the draw.
    "expert_required": False,
}


# ----------------------------------------------------------------------------------------------
# Canonical JSON and hashes


def canonical(obj) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 characters kept (ensure_ascii=False)."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fingerprint(snapshot: dict) -> str:
    """SHA-256 of the canonical snapshot."""
    return sha256_text(canonical(snapshot))


def record_hash(record: dict) -> str:
    """SHA-256 of the canonical record without `record_hash`, `amendments` and the informative `state`."""
    core = {k: v for k, v in record.items() if k not in UNHASHED}
    return sha256_text(canonical(core))


def amendment_hash(amendment: dict) -> str:
    return sha256_text(canonical({k: v for k, v in amendment.items() if k != "hash"}))


# ----------------------------------------------------------------------------------------------
# Tickets (compatible with consistent_sampler 1.0.10)


def ticket_number(seed: str, object_id: str, seed_hash: str | None = None) -> str:
    """The full generation-1 ticket number of `object_id`, exactly as consistent_sampler computes it."""
    if seed_hash is None:
        seed_hash = sha256_text(str(seed))
    x = int(hashlib.sha256((seed_hash + str(object_id)).encode("utf-8")).hexdigest(), 16)
    return "0." + f"{x:064d}"[::-1]


def trim(ticket: str, digits: int = 9) -> str:
    """consistent_sampler.trim: `digits` significant digits after the leading run of 9s (truncated)."""
    mantissa = ticket[2:]
    first = 2 + len(mantissa) - len(mantissa.lstrip("9"))  # first digit that is not a 9 (or the end)
    return ticket[: first + digits]


def _low_keys(seed_hash: str, ids) -> list[int]:
    """int(SHA256(seed_hash + id)) for every id: the ticket numbers before their digits are reversed.

    The 64 hex characters of the seed hash are exactly one SHA-256 block: it is hashed once and the state
    copied per id, so each id costs one block. C-level pipelines (no Python frame per id), in chunks that
    keep the hash states in cache.
    """
    base = hashlib.sha256(seed_hash.encode("utf-8"))
    hash_type = type(base)
    ids = ids if isinstance(ids, list) else list(ids)
    out: list[int] = []
    for k in range(0, len(ids), _CHUNK):
        part = ids[k : k + _CHUNK]
        states = list(map(hash_type.copy, repeat(base, len(part))))
        deque(map(hash_type.update, states, map(str.encode, part)), 0)  # consumed in C
        out += map(int.from_bytes, map(hash_type.digest, states), repeat("big"))
    return out


_CHUNK = 2048
_REV3 = [int(f"{k:03d}"[::-1]) for k in range(1000)]
_MOD9 = 10**9
_FMT9 = "{:09d}".format
_BACKWARDS = slice(None, None, -1)


def _ticket_of(x: int) -> str:
    """The full ticket number of the hash value `x` (see ticket_number)."""
    return "0." + f"{x:064d}"[::-1]


def _ranked(ids: list[str], xs: list[int], candidates) -> tuple[list[int], list[str]]:
    """`candidates` (positions) in increasing ticket order, each with its ticket's first nine digits.

    The first nine ticket digits are the nine low-order decimal digits of the hash, reversed; x % 10**9 is
    a single-digit remainder for CPython's integers, much cheaper than the full decimal. Runs of equal nine
    digits are re-sorted on the full ticket number and the id: consistent_sampler's heap order of
    (ticket_number, id, generation).
    """
    cx = list(map(xs.__getitem__, candidates))
    low9 = list(map(_MOD9.__rmod__, cx))
    keys = list(map(str.__getitem__, map(_FMT9, low9), repeat(_BACKWARDS)))
    order = sorted(range(len(keys)), key=keys.__getitem__)
    if len(set(low9)) < len(low9):
        i, m = 0, len(order)
        while i < m - 1:
            if keys[order[i]] != keys[order[i + 1]]:
                i += 1
                continue
            j = i + 1
            while j < m and keys[order[j]] == keys[order[i]]:
                j += 1
            order[i:j] = sorted(order[i:j], key=lambda q: (_ticket_of(cx[q]), ids[candidates[q]]))
            i = j
    return list(map(candidates.__getitem__, order)), list(map(keys.__getitem__, order))


def _first_ranked(ids: list[str], xs: list[int], limit: int | None = None) -> tuple[list[int], list[str]]:
    """Positions of `ids` in increasing ticket order (with their first nine ticket digits); with `limit`,
    only the first `limit` of them.

    With a `limit`, only the objects whose first three ticket digits are at most a threshold are ranked:
    every ticket below the threshold precedes every ticket above it, so any threshold that keeps at least
    `limit` objects is exact. The threshold is first taken from the expected share with a wide margin
    (one C-level pass over x % 1000); only if that keeps too few are the three digits counted.
    """
    n = len(ids)
    if limit is None or not 0 <= limit < n:
        return _ranked(ids, xs, range(n))
    want = limit + 4 * int(limit**0.5) + 8
    top = -(-1000 * want // n)  # ticket prefixes 0 .. top-1 expected to hold `want` objects
    if top < 1000:
        mask = bytearray(1000)
        for t in range(top):
            mask[_REV3[t]] = 1
        candidates = list(compress(range(n), map(mask.__getitem__, map((1000).__rmod__, xs))))
    else:
        candidates = []
    if len(candidates) < limit:
        low3 = list(map((1000).__rmod__, xs))  # the ticket's first three digits, reversed
        by_low3 = Counter(low3)
        total = 0
        allowed = set()
        for t in range(1000):  # t runs over the first three ticket digits as a number
            total += by_low3.get(_REV3[t], 0)
            allowed.add(_REV3[t])
            if total >= limit:
                break
        candidates = list(compress(range(n), map(allowed.__contains__, low3)))
    positions, keys = _ranked(ids, xs, candidates)
    return positions[:limit], keys[:limit]


def _order_positions(seed: str, ids: list[str], lows: list[int], limit: int | None = None) -> list[int]:
    """Positions of `ids` in increasing ticket order; with `limit`, only the first `limit` of them.

    `lows` are the hash values from _low_keys (`seed` is implied by them).
    """
    return _first_ranked(ids, lows, limit)[0]


def ticket_order(seed: str, ids) -> list[str]:
    """`ids` in increasing ticket order, exactly as consistent_sampler.sampler(ids, seed) yields them."""
    ids = [str(i) for i in ids]
    lows = _low_keys(sha256_text(str(seed)), ids)
    return [ids[j] for j in _order_positions(seed, ids, lows)]


# ----------------------------------------------------------------------------------------------
# Seeds


def check_seed(seed, *, generated: bool = False) -> str:
    """A seed is decimal digits only; at least 20 unless generated by the computer. Returns it."""
    text = "" if seed is None else str(seed)
    if not text:
        raise ValueError("随机种子为空：请输入至少 20 位骰子数字，或由计算机生成。")
    if not text.isascii() or not text.isdigit():
        bad = next(ch for ch in text if not (ch.isascii() and ch.isdigit()))
        raise ValueError(f"随机种子只能由数字 0-9 组成，其中有非数字字符“{bad}”。请重新输入骰子数字。")
    if len(text) < MIN_SEED_DIGITS and not generated:
        raise ValueError(f"随机种子只有 {len(text)} 位，至少需要 {MIN_SEED_DIGITS} 位骰子数字。")
    return text


# ----------------------------------------------------------------------------------------------
# Snapshot


def _str_list(values) -> list[str]:
    return sorted({str(v).strip() for v in (values or []) if str(v).strip()})


def _normal_rules(rules: dict | None) -> dict:
    """DEFAULT_RULES updated with `rules`, each value in its type (rule R10 of the verifier)."""
    merged = dict(DEFAULT_RULES)
    merged.update(rules or {})
    unknown = set(merged) - set(DEFAULT_RULES)
    if unknown:
        raise ValueError(f"选派规则中没有这些项：{'、'.join(sorted(unknown))}。")
    k = int(merged["officers_per_team"])
    if k < 2:
        raise ValueError("每个检查组至少需要 2 名持执法证的执法人员，不能设为少于 2。")
    cap = int(merged["cap_per_inspector"] or 0)
    if cap < 0:
        raise ValueError("每人抽中次数上限不能为负数（0 表示自动）。")
    expert_for = list(dict.fromkeys(str(t).strip() for t in merged["expert_for"] or [] if str(t).strip()))
    synonyms = {
        str(t): list(dict.fromkeys(str(w) for w in words or [] if str(w)))
        for t, words in (merged["expertise_synonyms"] or {}).items()
    }
    return {
        "officers_per_team": k,
        "match_expertise": bool(merged["match_expertise"]),
        "expertise_synonyms": synonyms,
        "avoidance": bool(merged["avoidance"]),
        "cross_region": bool(merged["cross_region"]),
        "cap_per_inspector": cap,
        "expert_for": expert_for,
        "expert_required": bool(merged["expert_required"]),
    }


def build_snapshot(
    *, office: str, period: str, task, policy_id: str, strata: list[dict], people: list[dict], rules: dict | None = None
) -> dict:
    """Normalise a pool into the canonical snapshot (independent of row order).

    strata: [{category, stratum, mode, ratio, required, objects: [{id, name, industry, township,
    pollution_types}]}] in the policy's order; people: [{id, name, cert, kind, expertise, region, avoid}].
    Raises ValueError (Chinese) on duplicate ids or an inconsistent stratum.
    """
    merged = _normal_rules(rules)
    seen: dict[str, str] = {}
    out_strata = []
    for s in strata:
        label = f"{s.get('category', '')}/{s.get('stratum', '')}"
        objs = []
        for o in s.get("objects", []):
            oid = str(o["id"]).strip()
            if not oid:
                raise ValueError(f"分层“{label}”中有对象缺少统一社会信用代码（{o.get('name', '')}）。")
            if oid in seen:
                raise ValueError(f"对象 {oid} 同时出现在分层“{seen[oid]}”和“{label}”中，每个对象只能属于一个分层。")
            seen[oid] = label
            objs.append(
                {
                    "id": oid,
                    "name": str(o.get("name", "")),
                    "industry": str(o.get("industry", "") or ""),
                    "township": str(o.get("township", "") or ""),
                    "pollution_types": _str_list(o.get("pollution_types")),
                }
            )
        objs.sort(key=lambda o: o["id"])
        required = int(s.get("required", 0))
        if required < 0:
            raise ValueError(f"分层“{label}”的应抽数为负数。")
        if required > len(objs):
            raise ValueError(f"分层“{label}”应抽 {required} 家，但范围内只有 {len(objs)} 家对象，请检查规则和范围。")
        out_strata.append(
            {
                "category": str(s.get("category", "")),
                "stratum": str(s.get("stratum", "")),
                "mode": str(s.get("mode", "") or "现场"),
                "ratio": str(s.get("ratio", "")),
                "required": required,
                "objects": objs,
            }
        )
    if not out_strata or sum(s["required"] for s in out_strata) == 0:
        raise ValueError(
            "本期范围内没有需要抽取的对象（各分层应抽数均为 0 或分层为空），请检查对象库、规则和任务范围。"
        )
    pids: set[str] = set()
    out_people = []
    for p in people:
        pid = str(p["id"]).strip()
        if pid in pids:
            raise ValueError(f"人员编号“{pid}”重复（{p.get('name', '')}），执法证号/身份证号必须唯一。")
        pids.add(pid)
        out_people.append(
            {
                "id": pid,
                "name": str(p.get("name", "")),
                "cert": str(p.get("cert", "") or ""),
                "kind": str(p.get("kind", "执法人员")),
                "expertise": _str_list(p.get("expertise")),
                "region": str(p.get("region", "") or ""),
                "avoid": _str_list(p.get("avoid")),
            }
        )
    out_people.sort(key=lambda p: p["id"])
    task_out = None
    if task:
        task_out = {
            "id": task.get("id"),
            "code": str(task.get("code", "")),
            "name": str(task.get("name", "")),
            "draw_type": str(task.get("draw_type", "")),
        }
    return {
        "format": SNAPSHOT_FORMAT,
        "office": office,
        "period": period,
        "task": task_out,
        "policy_id": policy_id or "",
        "strata": out_strata,
        "people": out_people,
        "rules": merged,
    }


# ----------------------------------------------------------------------------------------------
# Teams


def _targets(obj: dict, synonyms: dict, version: int = 2) -> set[str]:
    """The object's terms for 执法人员: its pollution types and their synonyms (version 1: and its industry)."""
    targets = set(obj.get("pollution_types") or [])
    for p in list(targets):
        targets.update(synonyms.get(p, []))
    if version == 1 and obj.get("industry"):
        targets.add(obj["industry"])
    return targets


def expertise_matches(expertise, obj: dict, synonyms: dict, wanted: set[str] | None = None, version: int = 2) -> bool:
    """One 业务专长 entry matches: it is one of the wanted terms (pollution types with their synonyms), or it
    has at least two characters and occurs in the object's industry text. Version 1 also accepted an
    industry contained in the entry."""
    if wanted is None:
        wanted = _targets(obj, synonyms, version)
    industry = obj.get("industry") or ""
    for e in expertise:
        if e in wanted:
            return True
        if len(e) >= 2 and industry and (e in industry or (version == 1 and industry in e)):
            return True
    return False


class _Signature:
    """What the rules make of one kind of object (industry, pollution types, township if 异地交叉), per role:
    a code per person in team order (0 eligible and matching, 1 eligible, 2 无执法证号, 3 异地交叉)."""

    __slots__ = ("special", "codes")

    def __init__(self, special: list[str], codes: dict):
        self.special = special
        self.codes = codes


_OFFICER, _EXPERT = "执法人员", "专家"
_SKIP_EXCLUDED = "已在本组或被替换"
_SKIP_NO_CERT = "无执法证号"
_SKIP_AVOID = "回避"
_SKIP_CROSS = "异地交叉：与对象同属一地"
_SKIP_MATCH = "专长不符（优先安排专长匹配人员）"
_NO_OFFICERS = "符合条件的执法人员不足"
_NO_EXPERT = "需要专家但没有符合条件的专家"


class TeamState:
    """Who is still available and how often each person has been assigned in this draw.

    People are numbered per role in team order; `avail[role]` holds the numbers of those below their cap
    (people at the cap leave the rotation until released). The rule checks that depend only on the kind
    of object are computed once per kind (`_Signature`), per class of person (cert, region, expertise).
    """

    def __init__(self, snapshot: dict, seed: str, selected_count: int, special_count: int, version: int):
        self.version = version
        rules = snapshot["rules"]
        self.rules = rules
        self.synonyms = rules.get("expertise_synonyms") or {}
        people = {p["id"]: p for p in snapshot["people"]}
        order = ticket_order(str(seed) + TEAM_SEED_SUFFIX, sorted(people))
        self.rank = {pid: i + 1 for i, pid in enumerate(order)}
        self.officers = [people[i] for i in order if people[i]["kind"] == _OFFICER]
        self.experts = [people[i] for i in order if people[i]["kind"] == _EXPERT]
        k = int(rules.get("officers_per_team", 2))
        self.k = max(k, 2)  # never a team of one
        cap = int(rules.get("cap_per_inspector", 0) or 0)
        n_off = max(len(self.officers), 1)
        n_exp = max(len(self.experts), 1)
        self.cap = {
            _OFFICER: cap or (-(-self.k * selected_count // n_off) + 1),
            _EXPERT: cap or (-(-special_count // n_exp) + 1),
        }
        self.cap_officer, self.cap_expert = self.cap[_OFFICER], self.cap[_EXPERT]
        self.pool = {_OFFICER: self.officers, _EXPERT: self.experts}
        self.avail = {role: list(range(len(ps))) for role, ps in self.pool.items()}
        self.load = {role: [0] * len(ps) for role, ps in self.pool.items()}
        self.index = {p["id"]: (role, i) for role, ps in self.pool.items() for i, p in enumerate(ps)}
        self.pids = {role: [p["id"] for p in ps] for role, ps in self.pool.items()}
        self.members = {
            role: [{"id": p["id"], "name": p["name"], "cert": p["cert"], "role": role} for p in ps]
            for role, ps in self.pool.items()
        }
        self._expert_for = set(rules.get("expert_for") or [])
        self._avoidance = bool(rules.get("avoidance", True))
        self._cross = bool(rules.get("cross_region"))
        self._match_on = bool(rules.get("match_expertise", True))
        self.avoids = {role: [set(p["avoid"]) for p in ps] for role, ps in self.pool.items()}
        self._avoided = set().union(*(a for ps in self.avoids.values() for a in ps)) if self._avoidance else set()
        # classes of people: (no cert (officers only), region, expertise); person -> class number
        self._classes: dict[str, list[tuple]] = {}
        self._class_of: dict[str, list[int]] = {}
        for role, ps in self.pool.items():
            seen: dict[tuple, int] = {}
            self._class_of[role] = [
                seen.setdefault((role == _OFFICER and not p["cert"], p["region"], tuple(p["expertise"])), len(seen))
                for p in ps
            ]
            self._classes[role] = list(seen)
        self._sigs: dict[tuple, _Signature] = {}

    def special(self, obj: dict) -> list[str]:
        wanted = self._expert_for
        return [p for p in obj.get("pollution_types") or [] if p in wanted]

    def _signature(self, obj: dict) -> _Signature:
        ptypes = obj.get("pollution_types") or []
        industry = obj.get("industry") or ""
        township = obj.get("township") if self._cross else None
        key = (industry, tuple(ptypes), township)
        sig = self._sigs.get(key)
        if sig is not None:
            return sig
        stub = {"industry": industry, "pollution_types": list(ptypes)}
        special = self.special(stub)
        prefer = set(special)
        for s in special:
            prefer.update(self.synonyms.get(s, []))
        codes = {}
        for role, wanted in ((_OFFICER, _targets(stub, self.synonyms, self.version)), (_EXPERT, prefer)):
            by_class = []
            for no_cert, region, expertise in self._classes[role]:
                if no_cert:
                    by_class.append(2)
                elif self._cross and region and region == township:
                    by_class.append(3)
                elif self._match_on and expertise_matches(expertise, stub, self.synonyms, wanted, self.version):
                    by_class.append(0)
                else:
                    by_class.append(1)
            codes[role] = list(map(by_class.__getitem__, self._class_of[role]))
        sig = self._sigs[key] = _Signature(special, codes)
        return sig

    def _add_load(self, role: str, i: int, delta: int) -> None:
        load = self.load[role]
        before = load[i]
        after = before + delta
        load[i] = after
        cap = self.cap[role]
        if before < cap <= after:
            self.avail[role].remove(i)
        elif after < cap <= before:
            avail = self.avail[role]
            avail.append(i)
            avail.sort()  # back to its place in team order

    def _pick(
        self, role: str, codes: list[int], oid: str, need: int, exclude
    ) -> tuple[list[int], list[list[str]], int]:
        """The first `need` people of the role (team order, below the cap) passing the rules; a match preferred."""
        avail = self.avail[role]
        pids = self.pids[role]
        skips: list[list[str]] = []
        eligible: list[int] = []
        have_match = False
        stop_early = not self._match_on  # without matching the first `need` eligible people do
        found = 0
        if exclude or oid in self._avoided:
            avoids = self.avoids[role] if oid in self._avoided else None
            for i in avail:
                c = codes[i]
                if exclude and pids[i] in exclude:
                    skips.append([pids[i], _SKIP_EXCLUDED])
                elif c == 2:
                    skips.append([pids[i], _SKIP_NO_CERT])
                elif avoids is not None and oid in avoids[i]:
                    skips.append([pids[i], _SKIP_AVOID])
                elif c == 3:
                    skips.append([pids[i], _SKIP_CROSS])
                else:
                    eligible.append(i)
                    found += 1
                    if c == 0:
                        have_match = stop_early = True
                    if found >= need and stop_early:
                        break
        else:  # the common case: only the per-kind codes matter
            for i in avail:
                c = codes[i]
                if c > 1:
                    skips.append([pids[i], _SKIP_NO_CERT if c == 2 else _SKIP_CROSS])
                    continue
                eligible.append(i)
                found += 1
                if c == 0:
                    have_match = stop_early = True
                if found >= need and stop_early:
                    break
        at_cap = len(codes) - len(avail)
        if found < need:
            return [], skips, at_cap
        if found > need and have_match:
            # the first match is the last one found: it takes the last place, those passed over are recorded
            skips += [[pids[i], _SKIP_MATCH] for i in eligible[need - 1 : -1]]
            return eligible[: need - 1] + eligible[-1:], skips, at_cap
        if found > need:
            del eligible[need:]
        return eligible, skips, at_cap

    def _assign(self, obj: dict) -> tuple[list[dict], list[list[str]], int, str]:
        """Team for one object: (team, skips, at_cap, error)."""
        sig = self._sigs.get(
            (
                obj.get("industry") or "",
                tuple(obj.get("pollution_types") or ()),
                obj.get("township") if self._cross else None,
            )
        )
        if sig is None:
            sig = self._signature(obj)
        oid = obj["id"]
        chosen, skips, at_cap = self._pick(_OFFICER, sig.codes[_OFFICER], oid, self.k, ())
        if not chosen:
            return [], skips, at_cap, f"{_NO_OFFICERS} {self.k} 名（回避、异地、上限等规则排除后）"
        members = self.members[_OFFICER]
        team = [dict(members[i]) for i in chosen]
        special = sig.special
        expert = None
        missing = ""
        if special:
            experts, eskips, ecap = self._pick(_EXPERT, sig.codes[_EXPERT], oid, 1, ())
            skips += eskips
            at_cap += ecap
            if experts:
                expert = experts[0]
                team.append(dict(self.members[_EXPERT][expert]))
            elif self.rules.get("expert_required", True):
                if self.version == 1:
                    return [], skips, at_cap, f"需要{'/'.join(special)}专家，但专家库中没有可用的专家"
                # version 2: the officers stay; the object is listed as lacking its expert
                missing = f"{_NO_EXPERT}（{'/'.join(special)}）"
        load = self.load[_OFFICER]
        cap = self.cap_officer
        for i in chosen:
            load[i] += 1
            if load[i] == cap:  # reached the cap: leaves the rotation
                self.avail[_OFFICER].remove(i)
        if expert is not None:
            self._add_load(_EXPERT, expert, 1)
        return team, skips, at_cap, missing

    def assign(self, obj: dict) -> dict:
        """Team for one object: {team, skips, at_cap, error}."""
        team, skips, at_cap, error = self._assign(obj)
        return {"team": team, "skips": skips, "at_cap": at_cap, "error": error}

    def release(self, team: list[dict]) -> None:
        for m in team:
            self._add_load(*self.index[m["id"]], -1)

    def replace_member(self, obj: dict, team: list[dict], old_id: str, excluded: set[str]) -> dict:
        """The next person (team order) of the same role passing the rules, not in the team, not excluded."""
        old = next((m for m in team if m["id"] == old_id), None)
        if old is None:
            raise ValueError(f"人员 {old_id} 不在对象 {obj['id']} 的检查组中。")
        role = old["role"]
        exclude = {m["id"] for m in team} | set(excluded)
        sig = self._signature(obj)
        chosen, skips, at_cap = self._pick(role, sig.codes[role], obj["id"], 1, exclude)
        if not chosen:
            raise ValueError(f"对象 {obj['id']} 没有可替换的{role}（规则排除后无人可用）。")
        self._add_load(*self.index[old_id], -1)
        self._add_load(role, chosen[0], 1)
        return {"member": dict(self.members[role][chosen[0]]), "skips": skips, "at_cap": at_cap}


# ----------------------------------------------------------------------------------------------
# The draw


class _Stratum:
    """One stratum's objects and their ticket order (the first `required` at once, the rest on demand)."""

    def __init__(self, seed: str, seed_hash: str, spec: dict):
        self.spec = spec
        self.seed = seed
        self.objects = spec["objects"]
        self.ids = list(map(dict.__getitem__, self.objects, repeat("id")))
        self.required = min(int(spec["required"]), len(self.ids))
        self.lows = _low_keys(seed_hash, self.ids)
        # positions of the first `required` tickets and their first nine ticket digits
        self.order, self.keys = _first_ranked(self.ids, self.lows, self.required)
        self.complete = len(self.order) == len(self.ids)

    def position(self, rank: int) -> int:
        """Index into `objects` of the object at `rank` (1-based) of the ticket order."""
        if rank > len(self.order) and not self.complete:
            self.order, self.keys = _first_ranked(self.ids, self.lows)
            self.complete = True
        return self.order[rank - 1]

    def ticket(self, rank: int) -> str:
        """The trimmed ticket (consistent_sampler.trim) of the object at `rank`."""
        pos = self.position(rank)
        key = self.keys[rank - 1]
        if key[0] != "9":  # no leading 9s: the trimmed ticket is the first nine digits
            return "0." + key
        return trim(_ticket_of(self.lows[pos]))


class _DrawState:
    """Everything needed to compute a draw and replay its amendments."""

    def __init__(self, snapshot: dict, seed: str, version: int):
        self.snapshot = snapshot
        self.seed = str(seed)
        self.seed_hash = sha256_text(self.seed)
        self.strata = [_Stratum(self.seed, self.seed_hash, s) for s in snapshot["strata"]]
        self.used: list[int] = [st_.required for st_ in self.strata]
        wanted = set(snapshot["rules"].get("expert_for") or [])
        special_count = 0
        for st_ in self.strata:
            for o in map(st_.objects.__getitem__, st_.order[: st_.required]):
                if not wanted.isdisjoint(o.get("pollution_types") or ()):
                    special_count += 1
        self.teams = TeamState(snapshot, self.seed, sum(self.used), special_count, version)
        self.current_team: dict[str, list[dict]] = {}
        self.active: dict[str, int] = {}  # uscc -> stratum index

    def _obj(self, si: int, rank: int) -> dict:
        st_ = self.strata[si]
        return st_.objects[st_.position(rank)]

    def entry(self, si: int, rank: int, assignment: dict) -> dict:
        st_ = self.strata[si]
        o = st_.objects[st_.position(rank)]
        return {
            "uscc": o["id"],
            "name": o["name"],
            "rank": rank,
            "ticket": st_.ticket(rank),
            "team": assignment["team"],
            "skips": assignment["skips"],
            "at_cap": assignment["at_cap"],
        }

    def compute(self) -> dict:
        # every drawn object, in increasing ticket order over all strata: (ticket, id, stratum, rank); the
        # first nine ticket digits decide unless two of them are equal, then the full tickets do
        picks = []
        for si, st_ in enumerate(self.strata):
            req = st_.required
            picks += zip(
                st_.keys[:req],
                map(st_.ids.__getitem__, st_.order[:req]),
                repeat(si),
                range(1, req + 1),
                st_.keys[:req],
                map(st_.objects.__getitem__, st_.order[:req]),
            )
        if len({p[0] for p in picks}) < len(picks):
            picks = [
                (_ticket_of(self.strata[si].lows[self.strata[si].order[r - 1]]), oid, si, r, key, obj)
                for _k, oid, si, r, key, obj in picks
            ]
        picks.sort()  # (stratum, rank) differ for any two picks: the objects are never compared
        selected: list[list] = [[None] * st_.required for st_ in self.strata]
        unassigned = []
        assign = self.teams._assign
        current_team = self.current_team
        active = self.active
        for _t, oid, si, rank, key, obj in picks:
            team, skips, at_cap, error = assign(obj)
            if error:
                unassigned.append({"uscc": oid, "name": obj["name"], "reason": error})
            if team:  # version 2: an object only lacking its expert keeps its officers and stays active
                current_team[oid] = team
                active[oid] = si
            selected[si][rank - 1] = {
                "uscc": oid,
                "name": obj["name"],
                "rank": rank,
                "ticket": "0." + key if key[0] != "9" else self.strata[si].ticket(rank),
                "team": team,
                "skips": skips,
                "at_cap": at_cap,
            }
        strata = []
        for si, st_ in enumerate(self.strata):
            s = st_.spec
            strata.append(
                {
                    "category": s["category"],
                    "stratum": s["stratum"],
                    "mode": s["mode"],
                    "ratio": s["ratio"],
                    "pool": len(s["objects"]),
                    "required": s["required"],
                    "selected": selected[si],
                }
            )
        return {
            "strata": strata,
            "unassigned": unassigned,
            "team_order": [
                [p["id"], p["name"], self.teams.rank[p["id"]]] for p in self.teams.officers + self.teams.experts
            ],
            "caps": {"执法人员": self.teams.cap_officer, "专家": self.teams.cap_expert},
        }

    def replace_object(self, uscc: str, reason: str) -> dict:
        if uscc not in self.active:
            raise ValueError(f"对象 {uscc} 不是本次抽取中有效的被抽中对象，不能替换。")
        if not any(k in reason for k in REPLACEMENT_REASONS):
            raise ValueError(f"替换原因须说明对象{'/'.join(REPLACEMENT_REASONS)}之一，现为“{reason}”。")
        si = self.active[uscc]
        st_ = self.strata[si]
        if self.used[si] >= len(st_.ids):
            raise ValueError(
                f"分层“{st_.spec['category']}/{st_.spec['stratum']}”的对象已全部抽出，没有可替补的下一张签。"
            )
        del self.active[uscc]
        self.teams.release(self.current_team.pop(uscc))
        self.used[si] += 1
        rank = self.used[si]
        obj = self._obj(si, rank)
        a = self.teams.assign(obj)
        if not a["team"]:
            raise ValueError(f"替补对象 {obj['id']} 无法组成检查组：{a['error']}。")
        self.current_team[obj["id"]] = a["team"]
        self.active[obj["id"]] = si
        entry = self.entry(si, rank, a)
        entry["category"] = st_.spec["category"]
        entry["stratum"] = st_.spec["stratum"]
        if a["error"]:  # version 2 only: the replacement lacks its expert
            entry["unassigned"] = a["error"]
        return entry

    def replace_member(self, uscc: str, old_id: str, excluded: set[str]) -> dict:
        if uscc not in self.active:
            raise ValueError(f"对象 {uscc} 不是本次抽取中有效的被抽中对象。")
        team = self.current_team[uscc]
        si = self.active[uscc]
        obj = next(o for o in self.strata[si].objects if o["id"] == uscc)
        out = self.teams.replace_member(obj, team, old_id, excluded)
        self.current_team[uscc] = [out["member"] if m["id"] == old_id else m for m in team]
        return out


def teamless(result: dict) -> list[dict]:
    """The `unassigned` entries of objects with no team at all: the program never stores such a draw (R14).

    Objects only lacking an expert (version 2, `expert_required` on) keep their officers and are not in it."""
    teams = {e["uscc"]: e["team"] for s in result["strata"] for e in s["selected"]}
    return [u for u in result["unassigned"] if not teams.get(u["uscc"])]


def version_of(algorithm: str) -> int:
    """The version number of an `algorithm` string (ValueError when this verifier does not know it)."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"算法版本“{algorithm}”不是本程序支持的版本（{'、'.join(ALGORITHMS)}）。")
    return ALGORITHMS[algorithm]


def compute_draw(snapshot: dict, seed: str, algorithm: str = ALGORITHM) -> dict:
    """The result of drawing `snapshot` with `seed`: {strata, unassigned, team_order, caps}."""
    return _DrawState(snapshot, seed, version_of(algorithm)).compute()


def plan_replacement(
    snapshot: dict, seed: str, amendments: list[dict], uscc: str, reason: str, algorithm: str = ALGORITHM
) -> dict:
    """Replay the amendments so far, then compute the replacement of `uscc` (next ticket of its stratum)."""
    state = _replay(snapshot, seed, amendments, version_of(algorithm))
    return state.replace_object(uscc, reason)


def plan_member_replacement(
    snapshot: dict, seed: str, amendments: list[dict], uscc: str, old_id: str, algorithm: str = ALGORITHM
) -> dict:
    """Replay the amendments so far, then compute who replaces person `old_id` in the team of `uscc`."""
    state = _replay(snapshot, seed, amendments, version_of(algorithm))
    excluded = _excluded_for(amendments, uscc) | {old_id}
    return state.replace_member(uscc, old_id, excluded)


def _excluded_for(amendments: list[dict], uscc: str) -> set[str]:
    """People replaced out of the team of `uscc` so far: they never come back to it."""
    return {a["old"]["id"] for a in amendments if a.get("kind") == "人员替换" and a.get("uscc") == uscc}


def _replay(snapshot: dict, seed: str, amendments: list[dict], version: int) -> _DrawState:
    state = _DrawState(snapshot, seed, version)
    state.compute()
    for n, a in enumerate(amendments):
        if a.get("kind") == "对象替换":
            state.replace_object(a["uscc"], a["reason"])
        elif a.get("kind") == "人员替换":
            excluded = _excluded_for(amendments[: n + 1], a["uscc"])
            state.replace_member(a["uscc"], a["old"]["id"], excluded)
    return state


def current_selection(record: dict) -> list[dict]:
    """The objects to inspect now (after replacements), each with stratum, mode and current team."""
    out = []
    replaced = {a["uscc"] for a in record["amendments"] if a["kind"] == "对象替换"}
    member_swaps = [a for a in record["amendments"] if a["kind"] == "人员替换"]
    for s in record["strata"]:
        for e in s["selected"]:
            out.append(dict(e, category=s["category"], stratum=s["stratum"], mode=s["mode"]))
    mode_of = {(s["category"], s["stratum"]): s["mode"] for s in record["strata"]}
    for a in record["amendments"]:
        if a["kind"] == "对象替换":
            r = a["replacement"]
            out.append(dict(r, mode=mode_of[(r["category"], r["stratum"])]))
    out = [e for e in out if e["uscc"] not in replaced]
    for a in member_swaps:
        for e in out:
            if e["uscc"] == a["uscc"]:
                e["team"] = [a["new"] if m["id"] == a["old"]["id"] else m for m in e["team"]]
    return out


# ----------------------------------------------------------------------------------------------
# Verification


def _first_difference(expected, actual, path: str = "") -> str:
    if type(expected) is not type(actual):
        return f"{path or '记录'}：应为 {canonical(expected)[:120]}，记录中为 {canonical(actual)[:120]}"
    if isinstance(expected, dict):
        for k in sorted(set(expected) | set(actual)):
            if k not in actual:
                return f"{path}.{k}：记录中缺少此项"
            if k not in expected:
                return f"{path}.{k}：记录中多出此项"
            d = _first_difference(expected[k], actual[k], f"{path}.{k}")
            if d:
                return d
        return ""
    if isinstance(expected, list):
        for i, (e, a) in enumerate(zip(expected, actual)):
            d = _first_difference(e, a, f"{path}[{i}]")
            if d:
                return d
        if len(expected) != len(actual):
            return f"{path}：应有 {len(expected)} 项，记录中有 {len(actual)} 项"
        return ""
    if expected != actual:
        return f"{path}：重新计算得 {canonical(expected)[:120]}，记录中为 {canonical(actual)[:120]}"
    return ""


def _describe(path: str, record: dict) -> str:
    """Turn a path like .strata[0].selected[2].team into words a clerk understands."""
    import re

    m = re.match(r"\.strata\[(\d+)\](?:\.selected\[(\d+)\])?", path)
    s = record["strata"][int(m.group(1))] if m else None  # a differing item is always within the list
    if not isinstance(s, dict):
        return "抽取结果"
    where = f"分层“{s['category']}/{s['stratum']}”"
    if m.group(2) is not None:
        where += f"第 {int(m.group(2)) + 1} 个被抽中对象"
    return where


# The rules every record the program writes obeys. A record breaking one of them cannot come from the program
# (even with every hash recomputed); the verifier refuses it and names the rule. docs/draw-algorithm.md §8.
RULES = {
    "R01": "记录须为 JSON 对象，format 为 ssj-draw-record/1",
    "R02": "algorithm 须为本校验程序支持的算法版本",
    "R03": "记录的字段须恰为规定的字段，类型正确",
    "R04": "快照的 format 须为 ssj-snapshot/1，快照的字段须恰为规定的字段",
    "R05": "分层的字段须齐全，应抽数须为 0 至该层对象数之间的整数，各层合计大于 0",
    "R06": "每个分层的对象须按编号（统一社会信用代码）严格升序排列，字段齐全",
    "R07": "一个对象只能属于一个分层",
    "R08": "污染类型、业务专长、回避名单须为严格升序、无重复、无空白的文字列表",
    "R09": "人员须按编号严格升序排列，字段齐全，类别为“执法人员”或“专家”",
    "R10": "选派规则的字段须恰为规定的字段，取值类型正确，每组执法人员不少于 2 名",
    "R11": "记录的 office、period、task、policy_id 须与快照中的一致",
    "R12": "seed_source 须为“骰子”“计算机生成”或“公开数字”",
    "R13": "chain_seq 为正整数；previous_hash 为 64 位小写十六进制，chain_seq 为 1 时全为 0，否则不全为 0",
    "R14": "不能保存有对象无法组成检查组的抽取；unassigned 只能列出已有执法人员、仅缺专家的对象（ssj-draw/1 中须为空）",
    "R15": "每条变更的字段须恰为其类别规定的字段，类别为对象替换、人员替换、确认或作废",
    "R16": "确认和作废只能在“已抽取”状态下进行（不能两次确认、确认后不能作废），作废后不能再有任何变更",
    "R17": "人员替换须写明原因和批准人，被替换的人员须是该对象当前检查组的成员（与组中记载的完全一致）",
    "R18": "作废须写明原因",
}

RECORD_KEYS = (
    "format", "algorithm", "draw_id", "office", "period", "task", "policy_id", "snapshot", "fingerprint", "seed",
    "seed_source", "witnesses", "frozen_at", "drawn_at", "drawn_by", "chain_seq", "previous_hash", "strata",
    "unassigned", "team_order", "caps", "record_hash", "amendments",
)  # fmt: skip
SNAPSHOT_KEYS = ("format", "office", "period", "task", "policy_id", "strata", "people", "rules")
TASK_KEYS = ("id", "code", "name", "draw_type")
STRATUM_KEYS = ("category", "stratum", "mode", "ratio", "required", "objects")
OBJECT_KEYS = ("id", "name", "industry", "township", "pollution_types")
PERSON_KEYS = ("id", "name", "cert", "kind", "expertise", "region", "avoid")
AMENDMENT_KEYS = {
    "对象替换": ("kind", "uscc", "reason", "replacement", "seq", "prev", "at", "by", "hash"),
    "人员替换": (
        "kind",
        "uscc",
        "old",
        "new",
        "skips",
        "at_cap",
        "reason",
        "approver",
        "seq",
        "prev",
        "at",
        "by",
        "hash",
    ),
    "确认": ("kind", "seq", "prev", "at", "by", "hash"),
    "作废": ("kind", "reason", "seq", "prev", "at", "by", "hash"),
}
RECORD_STATES = ("已抽取", "已确认", "已作废")


class Impossible(Exception):
    """A record breaking one of RULES: `rule` is its number."""

    def __init__(self, rule: str, detail: str):
        super().__init__(f"不可能的记录（规则 {rule}：{RULES[rule]}）：{detail}。")
        self.rule = rule


def _is_int(x) -> bool:
    return type(x) is int


def _is_text(x) -> bool:
    return type(x) is str


def _keys(rule: str, obj, keys, what: str, optional=()) -> None:
    if type(obj) is not dict:
        raise Impossible(rule, f"{what}不是 JSON 对象")
    have = set(obj) - set(optional)
    missing = [k for k in keys if k not in have]
    extra = sorted(have - set(keys))
    if missing:
        raise Impossible(rule, f"{what}缺少字段 {'、'.join(missing)}")
    if extra:
        raise Impossible(rule, f"{what}多出字段 {'、'.join(extra)}")


def _texts(rule: str, obj: dict, keys, what: str) -> None:
    for k in keys:
        if not _is_text(obj[k]):
            raise Impossible(rule, f"{what}的 {k} 不是文字")


def _term_list(values, what: str) -> None:
    """R08: a strictly increasing list of non-empty trimmed strings."""
    if type(values) is not list or not all(_is_text(v) for v in values):
        raise Impossible("R08", f"{what}不是文字列表")
    for v in values:
        if not v or v != v.strip():
            raise Impossible("R08", f"{what}中有空白或首尾带空格的项“{v}”")
    for a, b in zip(values, values[1:]):
        if not a < b:
            raise Impossible("R08", f"{what}中“{a}”与“{b}”{'重复' if a == b else '顺序颠倒'}")


def _increasing(rule: str, ids: list, what: str) -> None:
    for n, (a, b) in enumerate(zip(ids, ids[1:])):
        if not a < b:
            raise Impossible(rule, f"{what}第 {n + 1}、{n + 2} 项（{a}、{b}）{'重复' if a == b else '顺序颠倒'}")


def _check_rules(rules) -> None:
    _keys("R10", rules, tuple(DEFAULT_RULES), "选派规则")
    for k in ("match_expertise", "avoidance", "cross_region", "expert_required"):
        if type(rules[k]) is not bool:
            raise Impossible("R10", f"选派规则 {k} 不是 true/false")
    if not _is_int(rules["officers_per_team"]) or rules["officers_per_team"] < 2:
        raise Impossible("R10", f"每组执法人员数为 {rules['officers_per_team']!r}")
    if not _is_int(rules["cap_per_inspector"]) or rules["cap_per_inspector"] < 0:
        raise Impossible("R10", f"每人上限为 {rules['cap_per_inspector']!r}")
    ef = rules["expert_for"]
    if type(ef) is not list or not all(_is_text(t) and t for t in ef) or len(set(ef)) != len(ef):
        raise Impossible("R10", "expert_for 须为不重复的污染类型列表")
    syn = rules["expertise_synonyms"]
    if type(syn) is not dict or not all(
        type(v) is list and all(_is_text(t) and t for t in v) and len(set(v)) == len(v) for v in syn.values()
    ):
        raise Impossible("R10", "expertise_synonyms 须为 污染类型 → 不重复的同义词列表")


def check_structure(record) -> int:
    """Raise Impossible when `record` breaks a structural rule (R01–R13); return the algorithm version."""
    if type(record) is not dict or record.get("format") != RECORD_FORMAT:
        fmt = record.get("format") if type(record) is dict else type(record).__name__
        raise Impossible("R01", f"记录格式为“{fmt}”")
    if record.get("algorithm") not in ALGORITHMS:
        raise Impossible("R02", f"记录的算法版本为“{record.get('algorithm')}”，本程序支持 {'、'.join(ALGORITHMS)}")
    _keys("R03", record, RECORD_KEYS, "记录", optional=("state", "no_witness_reason"))
    _texts("R03", record, ("office", "period", "policy_id", "fingerprint", "seed", "seed_source"), "记录")
    _texts("R03", record, ("frozen_at", "drawn_at", "drawn_by", "previous_hash", "record_hash"), "记录")
    if not _is_int(record["draw_id"]) or not _is_int(record["chain_seq"]):
        raise Impossible("R03", "draw_id 或 chain_seq 不是整数")
    if type(record["witnesses"]) is not list or not all(_is_text(w) for w in record["witnesses"]):
        raise Impossible("R03", "witnesses 不是文字列表")
    if "no_witness_reason" in record and (not _is_text(record["no_witness_reason"]) or not record["no_witness_reason"]):
        raise Impossible("R03", "no_witness_reason 出现时须为非空文字")
    for k in ("strata", "unassigned", "team_order", "amendments"):
        if type(record[k]) is not list:
            raise Impossible("R03", f"{k} 不是列表")
    if "state" in record and record["state"] not in RECORD_STATES:
        raise Impossible("R03", f"state 为“{record['state']}”")
    snap = record["snapshot"]
    if type(snap) is not dict or snap.get("format") != SNAPSHOT_FORMAT:
        raise Impossible("R04", f"快照格式为“{snap.get('format') if type(snap) is dict else snap}”")
    _keys("R04", snap, SNAPSHOT_KEYS, "快照")
    _texts("R04", snap, ("office", "period", "policy_id"), "快照")
    if snap["task"] is not None:
        _keys("R04", snap["task"], TASK_KEYS, "快照中的任务")
    if type(snap["strata"]) is not list or not snap["strata"]:
        raise Impossible("R05", "快照中没有分层")
    where: dict[str, str] = {}
    total = 0
    for n, s in enumerate(snap["strata"]):
        label = f"第 {n + 1} 个分层"
        _keys("R05", s, STRATUM_KEYS, label)
        _texts("R05", s, ("category", "stratum", "mode", "ratio"), label)
        label = f"分层“{s['category']}/{s['stratum']}”"
        objs = s["objects"]
        if type(objs) is not list:
            raise Impossible("R05", f"{label}的 objects 不是列表")
        if not _is_int(s["required"]) or not 0 <= s["required"] <= len(objs):
            raise Impossible("R05", f"{label}应抽 {s['required']!r} 家，范围内有 {len(objs)} 家")
        total += s["required"]
        for o in objs:
            _keys("R06", o, OBJECT_KEYS, f"{label}中的对象")
            _texts("R06", o, ("id", "name", "industry", "township"), f"{label}中的对象")
            if not o["id"] or o["id"] != o["id"].strip():
                raise Impossible("R06", f"{label}中有对象编号为空或带空格（“{o['id']}”）")
            _term_list(o["pollution_types"], f"对象 {o['id']} 的污染类型")
        _increasing("R06", [o["id"] for o in objs], f"{label}的对象")
        for o in objs:
            if o["id"] in where:
                raise Impossible("R07", f"对象 {o['id']} 同时在{where[o['id']]}和{label}中")
            where[o["id"]] = label
    if total == 0:
        raise Impossible("R05", "各分层应抽数合计为 0")
    people = snap["people"]
    if type(people) is not list:
        raise Impossible("R09", "people 不是列表")
    for p in people:
        _keys("R09", p, PERSON_KEYS, "快照中的人员")
        _texts("R09", p, ("id", "name", "cert", "kind", "region"), "快照中的人员")
        if not p["id"] or p["id"] != p["id"].strip():
            raise Impossible("R09", f"有人员编号为空或带空格（“{p['id']}”）")
        if p["kind"] not in PERSON_KINDS:
            raise Impossible("R09", f"人员 {p['id']} 的类别为“{p['kind']}”")
        _term_list(p["expertise"], f"人员 {p['id']} 的业务专长")
        _term_list(p["avoid"], f"人员 {p['id']} 的回避名单")
    _increasing("R09", [p["id"] for p in people], "人员")
    _check_rules(snap["rules"])
    for key in ("office", "period", "task", "policy_id"):
        if record[key] != snap[key]:
            raise Impossible("R11", f"记录的 {key}（{record[key]}）与快照中的（{snap[key]}）不一致")
    if record["seed_source"] not in SEED_SOURCES:
        raise Impossible("R12", f"种子来源为“{record['seed_source']}”")
    seq, prev = record["chain_seq"], record["previous_hash"]
    if seq < 1 or len(prev) != 64 or not all(c in "0123456789abcdef" for c in prev):
        raise Impossible("R13", f"chain_seq 为 {seq}，previous_hash 为“{prev}”")
    if (seq == 1) != (prev == GENESIS):
        raise Impossible("R13", f"chain_seq 为 {seq}，previous_hash {'全为 0' if prev == GENESIS else '不全为 0'}")
    return ALGORITHMS[record["algorithm"]]


def _check_unassigned(record: dict, version: int) -> None:
    """R14, on a result that re-computes exactly."""
    if not record["unassigned"]:
        return
    first = record["unassigned"][0]
    if version == 1:
        raise Impossible("R14", f"ssj-draw/1 记录中列有未组成检查组的对象 {first['uscc']}（{first['reason']}）")
    teams = {e["uscc"]: e["team"] for s in record["strata"] for e in s["selected"]}
    for u in record["unassigned"]:
        if not teams.get(u["uscc"]):
            raise Impossible("R14", f"对象 {u['uscc']} 没有检查组（{u['reason']}）")


def _check_amendment(a, n: int, state: str) -> None:
    """R15–R18 for amendment number `n` in draw state `state` (before it)."""
    kind = a.get("kind") if type(a) is dict else None
    if kind not in AMENDMENT_KEYS:
        raise Impossible("R15", f"第 {n} 条变更的类别为“{kind}”")
    _keys("R15", a, AMENDMENT_KEYS[kind], f"第 {n} 条变更（{kind}）")
    for k in AMENDMENT_KEYS[kind]:
        if k in ("replacement", "old", "new", "skips", "seq", "at_cap"):
            continue
        if not _is_text(a[k]):
            raise Impossible("R15", f"第 {n} 条变更（{kind}）的 {k} 不是文字")
    if not _is_int(a["seq"]):
        raise Impossible("R15", f"第 {n} 条变更的序号不是整数")
    if state == "已作废":
        raise Impossible("R16", f"抽取已作废，其后又有第 {n} 条变更（{kind}）")
    if kind in ("确认", "作废") and state != "已抽取":
        raise Impossible("R16", f"第 {n} 条变更（{kind}）发生在“{state}”状态下")
    if kind == "人员替换" and (not a["reason"].strip() or not a["approver"].strip()):
        raise Impossible("R17", f"第 {n} 条变更（人员替换）缺少原因或批准人")
    if kind == "作废" and not a["reason"].strip():
        raise Impossible("R18", f"第 {n} 条变更（作废）没有写明原因")


def _next_state(state: str, kind: str) -> str:
    return {"确认": "已确认", "作废": "已作废"}.get(kind, state)


def verify_record(record: dict) -> list[str]:
    """Re-compute a draw record; [] when it checks out, else [the first discrepancy in Chinese]."""
    try:
        return _verify(record)
    except Impossible as exc:
        return [str(exc)]
    except (KeyError, TypeError, IndexError, AttributeError) as exc:
        return [f"记录格式不完整或已被改动：缺少或无法读取字段 {exc}。"]
    except ValueError as exc:
        return [f"记录无法重新计算：{exc}"]


def _verify(record: dict) -> list[str]:
    version = check_structure(record)
    algorithm = record["algorithm"]
    snapshot = record["snapshot"]
    fp = fingerprint(snapshot)
    if fp != record["fingerprint"]:
        return [f"对象快照的指纹不符：重新计算为 {fp}，记录（抽取前公示单）为 {record['fingerprint']}。快照已被改动。"]
    try:
        seed = check_seed(record["seed"], generated=record["seed_source"] == "计算机生成")
    except ValueError as exc:
        return [f"随机种子无效：{exc}"]
    result = compute_draw(snapshot, seed, algorithm)
    for key in ("strata", "unassigned", "team_order", "caps"):
        diff = _first_difference(result[key], record.get(key), "." + key)
        if diff:
            where = _describe(diff.split("：")[0], record) if key == "strata" else "抽取结果"
            return [f"抽取结果与重新计算不符（{where}）：{diff}"]
    h = record_hash(record)
    if h != record.get("record_hash"):
        return [f"记录哈希不符：重新计算为 {h}，记录中为 {record.get('record_hash')}。记录已被改动。"]
    _check_unassigned(record, version)
    prev = record["record_hash"]
    amendments = record["amendments"]
    state_name = "已抽取"
    draw_state = None
    for i, a in enumerate(amendments):
        n = i + 1
        _check_amendment(a, n, state_name)
        if a["seq"] != n:
            return [f"第 {n} 条变更记录的序号为 {a['seq']}，变更记录缺失或顺序被打乱。"]
        if a["prev"] != prev:
            return [f"第 {n} 条变更记录（{a['kind']}）的前一哈希不符，变更链在此断开。"]
        if amendment_hash(a) != a["hash"]:
            return [f"第 {n} 条变更记录（{a['kind']}）的内容与其哈希不符，已被改动。"]
        kind = a["kind"]
        if kind in ("对象替换", "人员替换") and draw_state is None:
            draw_state = _replay(snapshot, seed, [], version)
        if kind == "对象替换":
            expected = draw_state.replace_object(a["uscc"], a["reason"])
            diff = _first_difference(expected, a["replacement"], ".replacement")
            if diff:
                return [f"第 {n} 条变更（替换对象 {a['uscc']}）与重新计算不符：{diff}"]
        elif kind == "人员替换":
            team = draw_state.current_team.get(a["uscc"]) if a["uscc"] in draw_state.active else None
            if team is None:
                raise ValueError(f"对象 {a['uscc']} 不是本次抽取中有效的被抽中对象。")
            old = a["old"]
            current = next((m for m in team if type(old) is dict and m["id"] == old.get("id")), None)
            if current != old:
                raise Impossible("R17", f"第 {n} 条变更中被替换的人员 {canonical(old)[:80]} 不是该对象检查组的成员")
            out = draw_state.replace_member(a["uscc"], old["id"], _excluded_for(amendments[:n], a["uscc"]))
            diff = _first_difference(out, {"member": a["new"], "skips": a["skips"], "at_cap": a["at_cap"]}, ".new")
            if diff:
                return [f"第 {n} 条变更（替换对象 {a['uscc']} 的检查人员）与重新计算不符：{diff}"]
        state_name = _next_state(state_name, kind)
        prev = a["hash"]
    if record.get("state") not in (None, state_name):
        return [f"记录标明的状态“{record.get('state')}”与变更记录不符（应为“{state_name}”）。"]
    return []


def summary(record: dict) -> str:
    n = sum(len(s["selected"]) for s in record["strata"])
    return (
        f"校验通过：{record['office']} {record['period']} 抽取记录，"
        f"种子 {record['seed']}，快照指纹 {record['fingerprint']}，共抽取 {n} 家，"
        f"变更 {len(record['amendments'])} 条，记录哈希 {record['record_hash']}。"
    )


def run_vectors(directory: str) -> tuple[bool, list[str]]:
    """Check every test vector (*.json) in `directory`: (all as expected, one line per vector).

    A vector is {"vector", "description", "covers", "expect", "record"}: `expect` is "通过" for a record
    that must verify, or {"rule": "R.."} for an impossible record that must be refused under that rule."""
    import os

    names = sorted(n for n in os.listdir(directory) if n.endswith(".json"))
    if not names:
        return False, [f"目录 {directory} 中没有测试向量（*.json）。"]
    ok, lines = True, []
    for name in names:
        with open(os.path.join(directory, name), encoding="utf-8") as fh:
            vector = json.load(fh)
        problems = verify_record(vector["record"])
        expect = vector["expect"]
        if expect == "通过":
            good = not problems
            got = "通过" if good else problems[0]
        else:
            good = bool(problems) and f"规则 {expect['rule']}" in problems[0]
            got = problems[0] if problems else "校验通过（应被拒绝）"
        ok = ok and good
        want = "应通过" if expect == "通过" else f"应违反规则 {expect['rule']}"
        lines.append(f"{'符合' if good else '不符'}  {name}（{want}）：{got}")
    return ok, lines


def main(argv=None) -> int:
    """`python ssj_verify.py RECORD.json`: exit 0 when the record re-computes exactly, 1 otherwise.

    `python ssj_verify.py --vectors DIR`: run the test vectors in DIR (exit 0 when every one is as expected)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) == 2 and args[0] == "--vectors":
        try:
            ok, lines = run_vectors(args[1])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            sys.stderr.write(f"无法读取测试向量目录 {args[1]}：{exc}\n")
            return 1
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.write(f"{'全部符合' if ok else '有不符'}：共 {len(lines)} 个测试向量。\n")
        return 0 if ok else 1
    if len(args) != 1 or args[0] in ("-h", "--help"):
        sys.stderr.write(
            "用法：python ssj_verify.py 抽取记录.json\n"
            "      python ssj_verify.py --vectors 测试向量目录\n"
            "重新计算抽取记录：一致时退出码 0，否则退出码 1 并说明第一处不一致。\n"
        )
        return 2 if not args or args[0] not in ("-h", "--help") else 0
    try:
        with open(args[0], encoding="utf-8") as fh:
            record = json.load(fh)
    except OSError as exc:
        sys.stderr.write(f"校验失败：无法读取文件 {args[0]}：{exc.strerror or exc}\n")
        return 1
    except ValueError as exc:
        sys.stderr.write(f"校验失败：文件 {args[0]} 不是有效的 JSON：{exc}\n")
        return 1
    problems = verify_record(record)
    if problems:
        sys.stderr.write("校验失败：" + problems[0] + "\n")
        return 1
    sys.stdout.write(summary(record) + "\n")
    return 0


def verifier_source() -> str:
    """The text of the standalone verifier: this very file plus a __main__ guard."""
    import inspect

    own = inspect.getsource(sys.modules[__name__])
    header = (
        "#!/usr/bin/env python3\n"
        "# ssj_verify.py — 双随机抽查工作台 抽取记录校验程序（独立运行，只需 Python 3.8+ 标准库）\n"
        "# 用法：python ssj_verify.py 抽取记录.json    |    python ssj_verify.py --vectors 测试向量目录\n"
        "# Generated from app/services/draw/algorithm.py; a test checks they are identical.\n"
    )
    return header + own + '\n\nif __name__ == "__main__":\n    sys.exit(main())\n'
