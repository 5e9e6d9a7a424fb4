"""The selection as it stands: every drawn object with its stratum, mode and team, replacements included.

One place builds "the current selection plus the replacements" from a draw record, for the 随机抽取 page, the CLI
and the documents: each row says whether it is still to be inspected (``current``), was replaced (its note says
why) or came in as a replacement (its note names whom it replaces).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.services.draw import algorithm as algo

OBJECT_SWAP = "对象替换"
OFFSITE = "非现场"
REPLACES = "替补 "  # the note of a replacement: 替补 <USCC of the replaced object>


@dataclass(frozen=True)
class SelectedRow:
    """One line of the result: a drawn object or a replacement."""

    uscc: str
    name: str
    category: str
    stratum: str
    mode: str  # 现场 / 非现场
    rank: int  # 签序 within its stratum
    ticket: str  # 签号
    team: tuple[dict, ...]  # the current team: {"id", "name", "role", ...}
    note: str  # "" / "已替换（原因）" / "替补 USCC"
    current: bool  # still to be inspected (False: replaced)
    entry: dict  # the record's own entry, for the pages that pass it on
    reason: str = ""  # why it was replaced ("" unless replaced)

    @property
    def team_text(self) -> str:
        return "、".join(m["name"] + ("（专家）" if m.get("role") == "专家" else "") for m in self.team)

    @property
    def replacement(self) -> bool:
        """Came in as a replacement (the note names whom it replaces), not drawn in the first place."""
        return self.note.startswith(REPLACES)

    @property
    def onsite(self) -> bool:
        return self.mode != OFFSITE


def selection_rows(record: dict) -> list[SelectedRow]:
    """The drawn objects in record order, then the replacements in the order they were made."""
    swaps = [a for a in record.get("amendments", []) if a.get("kind") == OBJECT_SWAP]
    replaced = {a["uscc"]: a for a in swaps}
    current = {e["uscc"]: e for e in algo.current_selection(record)}
    rows: list[SelectedRow] = []

    def add(e: dict, category: str, stratum: str, mode: str, note: str, reason: str = "") -> None:
        now = current.get(e["uscc"])
        rows.append(
            SelectedRow(
                uscc=e["uscc"],
                name=e.get("name", ""),
                category=category,
                stratum=stratum,
                mode=mode,
                rank=e.get("rank", 0),
                ticket=e.get("ticket", ""),
                team=tuple((now or e).get("team", ())),
                note=note,
                current=now is not None,
                entry=dict(e, category=category, stratum=stratum, mode=mode, note=note),
                reason=reason,
            )
        )

    for s in record["strata"]:
        for e in s["selected"]:
            swap = replaced.get(e["uscc"])
            note = f"已替换（{swap['reason']}）" if swap else ""
            add(e, s["category"], s["stratum"], s["mode"], note, swap["reason"] if swap else "")
    for a in swaps:
        r = a["replacement"]
        mode = current.get(r["uscc"], {}).get("mode", "现场")
        add(r, r.get("category", ""), r.get("stratum", ""), mode, f"{REPLACES}{a['uscc']}")
    return rows
