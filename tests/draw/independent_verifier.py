"""An independent verifier of draw records, written from docs/draw-algorithm.md alone.

It does not import the application and was written from the document without reading
app/services/draw/algorithm.py: plain loops, no shortcuts, names taken from the document's sections.
`verify(record)` returns None when the record checks out, else (rule, message) where rule is "R01".."R18"
for an impossible record or "MISMATCH" for a re-computation that differs.
"""

from __future__ import annotations

import hashlib
import json
import math

V1 = "ssj-draw/1 (consistent-sampling sha256)"
V2 = "ssj-draw/2 (consistent-sampling sha256)"
ZEROS = "0" * 64
RULE_KEYS = (
    "officers_per_team",
    "match_expertise",
    "expertise_synonyms",
    "avoidance",
    "cross_region",
    "cap_per_inspector",
    "expert_for",
    "expert_required",
)
RECORD_KEYS = {
    "format",
    "algorithm",
    "draw_id",
    "office",
    "period",
    "task",
    "policy_id",
    "snapshot",
    "fingerprint",
    "seed",
    "seed_source",
    "witnesses",
    "frozen_at",
    "drawn_at",
    "drawn_by",
    "chain_seq",
    "previous_hash",
    "strata",
    "unassigned",
    "team_order",
    "caps",
    "record_hash",
    "amendments",
}
AMENDMENT_KEYS = {
    "对象替换": {"kind", "uscc", "reason", "replacement", "seq", "prev", "at", "by", "hash"},
    "人员替换": {
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
    },
    "确认": {"kind", "seq", "prev", "at", "by", "hash"},
    "作废": {"kind", "reason", "seq", "prev", "at", "by", "hash"},
}


class Refused(Exception):
    def __init__(self, rule: str, message: str = ""):
        super().__init__(rule, message)
        self.rule = rule
        self.message = message


# §2 ------------------------------------------------------------------------------------------------


def canonical(x) -> str:
    return json.dumps(x, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# §4 ------------------------------------------------------------------------------------------------


def ticket(seed: str, ident: str) -> str:
    seed_hash = sha(seed)
    x = int(sha(seed_hash + ident), 16)
    return "0." + format(x, "064d")[::-1]


def trim(t: str) -> str:
    digits = t[2:]
    nines = 0
    while nines < len(digits) and digits[nines] == "9":
        nines += 1
    return "0." + digits[: nines + 9]


def in_ticket_order(seed: str, ids: list[str]) -> list[str]:
    return sorted(ids, key=lambda i: (ticket(seed, i), i))


# §3, §10: the shape rules ----------------------------------------------------------------------------


def _need(cond, rule: str, message: str = "") -> None:
    if not cond:
        raise Refused(rule, message)


def _is_text_list_sorted(values) -> bool:
    if not isinstance(values, list) or any(not isinstance(v, str) for v in values):
        return False
    if any(v == "" or v != v.strip() for v in values):
        return False
    return all(values[i] < values[i + 1] for i in range(len(values) - 1))


def check_shape(record) -> None:
    _need(isinstance(record, dict) and record.get("format") == "ssj-draw-record/1", "R01")
    _need(record.get("algorithm") in (V1, V2), "R02")
    _need(set(record) - {"state", "no_witness_reason"} == RECORD_KEYS, "R03", "keys")
    if "no_witness_reason" in record:
        _need(isinstance(record["no_witness_reason"], str) and record["no_witness_reason"] != "", "R03")
    for k in ("office", "period", "policy_id", "fingerprint", "seed", "seed_source", "frozen_at", "drawn_at"):
        _need(isinstance(record[k], str), "R03", k)
    _need(isinstance(record["drawn_by"], str) and isinstance(record["previous_hash"], str), "R03")
    _need(isinstance(record["record_hash"], str), "R03")
    _need(type(record["draw_id"]) is int and type(record["chain_seq"]) is int, "R03")
    _need(isinstance(record["witnesses"], list) and all(isinstance(w, str) for w in record["witnesses"]), "R03")
    for k in ("strata", "unassigned", "team_order", "amendments"):
        _need(isinstance(record[k], list), "R03", k)
    if "state" in record:
        _need(record["state"] in ("已抽取", "已确认", "已作废"), "R03")
    snap = record["snapshot"]
    _need(isinstance(snap, dict) and snap.get("format") == "ssj-snapshot/1", "R04")
    _need(set(snap) == {"format", "office", "period", "task", "policy_id", "strata", "people", "rules"}, "R04")
    _need(all(isinstance(snap[k], str) for k in ("office", "period", "policy_id")), "R04")
    if snap["task"] is not None:
        _need(isinstance(snap["task"], dict) and set(snap["task"]) == {"id", "code", "name", "draw_type"}, "R04")
    _need(isinstance(snap["strata"], list) and len(snap["strata"]) > 0, "R05")
    seen = set()
    total = 0
    for s in snap["strata"]:
        _need(isinstance(s, dict) and set(s) == {"category", "stratum", "mode", "ratio", "required", "objects"}, "R05")
        _need(all(isinstance(s[k], str) for k in ("category", "stratum", "mode", "ratio")), "R05")
        _need(isinstance(s["objects"], list), "R05")
        _need(type(s["required"]) is int and 0 <= s["required"] <= len(s["objects"]), "R05")
        total += s["required"]
        for o in s["objects"]:
            _need(isinstance(o, dict) and set(o) == {"id", "name", "industry", "township", "pollution_types"}, "R06")
            _need(all(isinstance(o[k], str) for k in ("id", "name", "industry", "township")), "R06")
            _need(o["id"] != "" and o["id"] == o["id"].strip(), "R06")
            _need(_is_text_list_sorted(o["pollution_types"]), "R08")
        ids = [o["id"] for o in s["objects"]]
        _need(all(ids[i] < ids[i + 1] for i in range(len(ids) - 1)), "R06")
        for i in ids:
            _need(i not in seen, "R07")
            seen.add(i)
    _need(total > 0, "R05")
    _need(isinstance(snap["people"], list), "R09")
    for p in snap["people"]:
        _need(isinstance(p, dict) and set(p) == {"id", "name", "cert", "kind", "expertise", "region", "avoid"}, "R09")
        _need(all(isinstance(p[k], str) for k in ("id", "name", "cert", "kind", "region")), "R09")
        _need(p["id"] != "" and p["id"] == p["id"].strip(), "R09")
        _need(p["kind"] in ("执法人员", "专家"), "R09")
        _need(_is_text_list_sorted(p["expertise"]) and _is_text_list_sorted(p["avoid"]), "R08")
    pids = [p["id"] for p in snap["people"]]
    _need(all(pids[i] < pids[i + 1] for i in range(len(pids) - 1)), "R09")
    rules = snap["rules"]
    _need(isinstance(rules, dict) and set(rules) == set(RULE_KEYS), "R10")
    for k in ("match_expertise", "avoidance", "cross_region", "expert_required"):
        _need(isinstance(rules[k], bool), "R10")
    _need(type(rules["officers_per_team"]) is int and rules["officers_per_team"] >= 2, "R10")
    _need(type(rules["cap_per_inspector"]) is int and rules["cap_per_inspector"] >= 0, "R10")
    ef = rules["expert_for"]
    _need(isinstance(ef, list) and all(isinstance(t, str) and t for t in ef) and len(set(ef)) == len(ef), "R10")
    syn = rules["expertise_synonyms"]
    _need(isinstance(syn, dict), "R10")
    for words in syn.values():
        _need(isinstance(words, list) and all(isinstance(w, str) and w for w in words), "R10")
        _need(len(set(words)) == len(words), "R10")
    for k in ("office", "period", "task", "policy_id"):
        _need(record[k] == snap[k], "R11")
    _need(record["seed_source"] in ("骰子", "计算机生成", "公开数字"), "R12")
    prev = record["previous_hash"]
    _need(record["chain_seq"] >= 1, "R13")
    _need(len(prev) == 64 and all(c in "0123456789abcdef" for c in prev), "R13")
    _need((record["chain_seq"] == 1) == (prev == ZEROS), "R13")


# §5 -----------------------------------------------------------------------------------------------------


class Draw:
    def __init__(self, snapshot: dict, seed: str, version: int):
        self.snap = snapshot
        self.seed = seed
        self.version = version
        self.rules = snapshot["rules"]
        self.k = self.rules["officers_per_team"]
        # §4: per stratum the ticket order
        self.order = [in_ticket_order(seed, [o["id"] for o in s["objects"]]) for s in snapshot["strata"]]
        self.objects = {o["id"]: o for s in snapshot["strata"] for o in s["objects"]}
        self.stratum_of = {o["id"]: n for n, s in enumerate(snapshot["strata"]) for o in s["objects"]}
        self.used = [s["required"] for s in snapshot["strata"]]
        # §5.1
        people = snapshot["people"]
        team_order = in_ticket_order(seed + "/teams", [p["id"] for p in people])
        self.team_rank = {pid: n + 1 for n, pid in enumerate(team_order)}
        by_id = {p["id"]: p for p in people}
        self.person = by_id
        self.lists = {
            "执法人员": [by_id[i] for i in team_order if by_id[i]["kind"] == "执法人员"],
            "专家": [by_id[i] for i in team_order if by_id[i]["kind"] == "专家"],
        }
        drawn = [
            o
            for n, s in enumerate(snapshot["strata"])
            for o in (self.objects[i] for i in self.order[n][: s["required"]])
        ]
        big_n = len(drawn)
        big_s = sum(1 for o in drawn if set(o["pollution_types"]) & set(self.rules["expert_for"]))
        cap = self.rules["cap_per_inspector"]
        if cap > 0:
            self.cap = {"执法人员": cap, "专家": cap}
        else:
            self.cap = {
                "执法人员": math.ceil(self.k * big_n / max(len(self.lists["执法人员"]), 1)) + 1,
                "专家": math.ceil(big_s / max(len(self.lists["专家"]), 1)) + 1,
            }
        self.load = {p["id"]: 0 for p in people}
        self.team: dict[str, list[dict]] = {}  # current objects -> current team
        self.replaced_out: dict[str, list[str]] = {}

    # §5.2
    def terms(self, obj: dict, role: str) -> set[str]:
        types = list(obj["pollution_types"])
        if role == "专家":
            types = [t for t in types if t in self.rules["expert_for"]]
        out = set(types)
        for t in types:
            out.update(self.rules["expertise_synonyms"].get(t, []))
        return out

    def matches(self, person: dict, obj: dict, role: str) -> bool:
        if not self.rules["match_expertise"]:
            return False
        terms = self.terms(obj, role)
        industry = obj["industry"]
        for e in person["expertise"]:
            if e in terms:
                return True
            if len(e) >= 2 and e in industry:
                return True
            if self.version == 1:  # §9
                if role == "执法人员" and industry and e == industry:
                    return True
                if len(e) >= 2 and industry and industry in e:
                    return True
        return False

    # §5.3
    def walk(self, obj: dict, role: str, need: int, excluded: set[str]):
        skips = []
        eligible = []
        at_cap = sum(1 for p in self.lists[role] if self.load[p["id"]] >= self.cap[role])
        for p in self.lists[role]:
            if self.load[p["id"]] >= self.cap[role]:
                continue
            if p["id"] in excluded:
                skips.append([p["id"], "已在本组或被替换"])
            elif role == "执法人员" and p["cert"] == "":
                skips.append([p["id"], "无执法证号"])
            elif self.rules["avoidance"] and obj["id"] in p["avoid"]:
                skips.append([p["id"], "回避"])
            elif self.rules["cross_region"] and p["region"] != "" and p["region"] == obj["township"]:
                skips.append([p["id"], "异地交叉：与对象同属一地"])
            else:
                eligible.append(p)
                if len(eligible) >= need and (
                    not self.rules["match_expertise"] or any(self.matches(q, obj, role) for q in eligible)
                ):
                    break
        if len(eligible) < need:
            return None, skips, at_cap
        if len(eligible) == need:
            return eligible, skips, at_cap
        if any(self.matches(q, obj, role) for q in eligible):
            chosen = eligible[: need - 1] + [eligible[-1]]
            for q in eligible[need - 1 : -1]:
                skips.append([q["id"], "专长不符（优先安排专长匹配人员）"])
            return chosen, skips, at_cap
        return eligible[:need], skips, at_cap

    @staticmethod
    def member(p: dict, role: str) -> dict:
        return {"id": p["id"], "name": p["name"], "cert": p["cert"], "role": role}

    # §5.4
    def one_object(self, obj: dict):
        """(team, skips, at_cap, unassigned reason or "")."""
        chosen, skips, at_cap = self.walk(obj, "执法人员", self.k, set())
        if chosen is None:
            return [], skips, at_cap, f"符合条件的执法人员不足 {self.k} 名（回避、异地、上限等规则排除后）"
        team = [self.member(p, "执法人员") for p in chosen]
        reason = ""
        x = [t for t in obj["pollution_types"] if t in self.rules["expert_for"]]
        if x:
            experts, eskips, ecap = self.walk(obj, "专家", 1, set())
            skips = skips + eskips
            at_cap += ecap
            if experts:
                team.append(self.member(experts[0], "专家"))
            elif self.rules["expert_required"]:
                if self.version == 1:
                    return [], skips, at_cap, f"需要{'/'.join(x)}专家，但专家库中没有可用的专家"
                reason = f"需要专家但没有符合条件的专家（{'/'.join(x)}）"
        for m in team:
            self.load[m["id"]] += 1
        return team, skips, at_cap, reason

    def entry(self, n: int, rank: int, team, skips, at_cap) -> dict:
        oid = self.order[n][rank - 1]
        return {
            "uscc": oid,
            "name": self.objects[oid]["name"],
            "rank": rank,
            "ticket": trim(ticket(self.seed, oid)),
            "team": team,
            "skips": skips,
            "at_cap": at_cap,
        }

    def result(self) -> dict:
        picks = []
        for n, s in enumerate(self.snap["strata"]):
            for rank in range(1, s["required"] + 1):
                oid = self.order[n][rank - 1]
                picks.append((ticket(self.seed, oid), oid, n, rank))
        picks.sort()
        selected = {}
        unassigned = []
        for _t, oid, n, rank in picks:
            team, skips, at_cap, reason = self.one_object(self.objects[oid])
            if reason:
                unassigned.append({"uscc": oid, "name": self.objects[oid]["name"], "reason": reason})
            if team:
                self.team[oid] = team
            selected[(n, rank)] = self.entry(n, rank, team, skips, at_cap)
        strata = []
        for n, s in enumerate(self.snap["strata"]):
            strata.append(
                {
                    "category": s["category"],
                    "stratum": s["stratum"],
                    "mode": s["mode"],
                    "ratio": s["ratio"],
                    "pool": len(s["objects"]),
                    "required": s["required"],
                    "selected": [selected[(n, r)] for r in range(1, s["required"] + 1)],
                }
            )
        team_order = [[p["id"], p["name"], self.team_rank[p["id"]]] for p in self.lists["执法人员"]]
        team_order += [[p["id"], p["name"], self.team_rank[p["id"]]] for p in self.lists["专家"]]
        return {"strata": strata, "unassigned": unassigned, "team_order": team_order, "caps": dict(self.cap)}

    # §6.1
    def replace_object(self, uscc: str, reason: str) -> dict:
        if uscc not in self.team:
            raise Refused("MISMATCH", f"{uscc} is not current")
        if not any(w in reason for w in ("注销", "迁出", "停产", "无法联系")):
            raise Refused("MISMATCH", "reason")
        n = self.stratum_of[uscc]
        if self.used[n] >= len(self.order[n]):
            raise Refused("MISMATCH", "stratum exhausted")
        for m in self.team.pop(uscc):
            self.load[m["id"]] -= 1
        self.used[n] += 1
        rank = self.used[n]
        oid = self.order[n][rank - 1]
        team, skips, at_cap, why = self.one_object(self.objects[oid])
        if not team:
            raise Refused("MISMATCH", "replacement without officers")
        self.team[oid] = team
        out = self.entry(n, rank, team, skips, at_cap)
        out["category"] = self.snap["strata"][n]["category"]
        out["stratum"] = self.snap["strata"][n]["stratum"]
        if why:
            out["unassigned"] = why
        return out

    # §6.2
    def replace_member(self, uscc: str, old: dict):
        if uscc not in self.team:
            raise Refused("MISMATCH", f"{uscc} is not current")
        team = self.team[uscc]
        if old not in team:
            raise Refused("R17", "old member not in the team")
        self.replaced_out.setdefault(uscc, []).append(old["id"])
        excluded = {m["id"] for m in team} | set(self.replaced_out[uscc])
        role = old["role"]
        chosen, skips, at_cap = self.walk(self.objects[uscc], role, 1, excluded)
        if chosen is None:
            raise Refused("MISMATCH", "no replacement person")
        new = self.member(chosen[0], role)
        self.load[old["id"]] -= 1
        self.load[new["id"]] += 1
        self.team[uscc] = [new if m == old else m for m in team]
        return new, skips, at_cap


# §10 ------------------------------------------------------------------------------------------------------


def _verify(record) -> None:
    check_shape(record)
    version = 1 if record["algorithm"] == V1 else 2
    snap = record["snapshot"]
    if sha(canonical(snap)) != record["fingerprint"]:
        raise Refused("MISMATCH", "fingerprint")
    seed = record["seed"]
    if not (seed.isascii() and seed.isdigit()):
        raise Refused("MISMATCH", "seed digits")
    if len(seed) < 20 and record["seed_source"] != "计算机生成":
        raise Refused("MISMATCH", "seed length")
    draw = Draw(snap, seed, version)
    result = draw.result()
    for k in ("strata", "unassigned", "team_order", "caps"):
        if canonical(result[k]) != canonical(record[k]):
            raise Refused("MISMATCH", k)
    core = {k: v for k, v in record.items() if k not in ("record_hash", "amendments", "state")}
    if sha(canonical(core)) != record["record_hash"]:
        raise Refused("MISMATCH", "record_hash")
    # R14
    if record["unassigned"]:
        _need(version == 2, "R14")
        teams = {e["uscc"]: e["team"] for s in record["strata"] for e in s["selected"]}
        for u in record["unassigned"]:
            _need(teams.get(u["uscc"]), "R14")
    state = "已抽取"
    prev = record["record_hash"]
    for n, a in enumerate(record["amendments"], 1):
        kind = a.get("kind") if isinstance(a, dict) else None
        _need(kind in AMENDMENT_KEYS and set(a) == AMENDMENT_KEYS[kind], "R15")
        for key in AMENDMENT_KEYS[kind] - {"replacement", "old", "new", "skips", "seq", "at_cap"}:
            _need(isinstance(a[key], str), "R15")
        _need(type(a["seq"]) is int, "R15")
        _need(state != "已作废", "R16")
        if kind in ("确认", "作废"):
            _need(state == "已抽取", "R16")
        if kind == "人员替换":
            _need(a["reason"].strip() != "" and a["approver"].strip() != "", "R17")
        if kind == "作废":
            _need(a["reason"].strip() != "", "R18")
        if a["seq"] != n or a["prev"] != prev:
            raise Refused("MISMATCH", f"amendment {n} chain")
        if sha(canonical({k: v for k, v in a.items() if k != "hash"})) != a["hash"]:
            raise Refused("MISMATCH", f"amendment {n} hash")
        if kind == "对象替换":
            if canonical(draw.replace_object(a["uscc"], a["reason"])) != canonical(a["replacement"]):
                raise Refused("MISMATCH", f"amendment {n} replacement")
        elif kind == "人员替换":
            new, skips, at_cap = draw.replace_member(a["uscc"], a["old"])
            if canonical([new, skips, at_cap]) != canonical([a["new"], a["skips"], a["at_cap"]]):
                raise Refused("MISMATCH", f"amendment {n} member")
        elif kind == "确认":
            state = "已确认"
        elif kind == "作废":
            state = "已作废"
        prev = a["hash"]
    if "state" in record and record["state"] != state:
        raise Refused("MISMATCH", "state")


def verify(record):
    """None when the record checks out, else (rule, message)."""
    try:
        _verify(record)
    except Refused as exc:
        return exc.rule, exc.message
    except (KeyError, TypeError, IndexError, AttributeError, ValueError) as exc:
        return "MISMATCH", f"unreadable: {exc!r}"
    return None


def compute(snapshot: dict, seed: str, algorithm: str = V2) -> dict:
    return Draw(snapshot, seed, 1 if algorithm == V1 else 2).result()
