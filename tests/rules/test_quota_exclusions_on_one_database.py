"""Exclusions choose, never count — ``quota.excluded_objects`` and ``quota.tag_years`` on one database per module.

Every test works in its own transaction on a database built once for the module and rolls it back, so a test
costs milliseconds (mutation runs). What is pinned down: an exclusion without exempt categories, the default
and a named list of results, voided draws, draws of another year / the same period / a later period, outcomes
joined to their own selection, a row of another object or an unreadable period that does not end the reading;
the year a "上级已抽查" tag was set: the last setting in time, its 生效日期, a change that keeps the tag, the tag
as the second of several, another field's change, another object's history, more than 500 tagged objects.
"""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace

from factories import make_object
from rule_rows import rules_doc

from app.models.draw import Draw, DrawSelection
from app.models.outcomes import Outcome
from app.models.pools import ObjectChange
from app.services.foundation.periods import parse_period
from app.services.rules import classification, quota

TAG = "上级已抽查"


def _outcome(s, obj, period, result, *, state="已确认"):
    draw = Draw(period=period, state=state)
    if state == "已作废":
        draw.live_key = None
    s.add(draw)
    s.flush()
    sel = DrawSelection(draw_id=draw.id, object_id=obj.id, uscc=obj.uscc, name=obj.name)
    s.add(sel)
    s.flush()
    s.add(Outcome(selection_id=sel.id, result=result))
    s.flush()


def _drawn(kind="drawn_this_year_no_problem", **kw):
    return {"id": "drawn", "kind": kind, "label": "年度已抽取且未发现问题", **kw}


def test_an_earlier_quarter_of_the_same_year_with_no_problem_excludes_and_nothing_else_does(s):
    keys = [make_object(s, permit_class="重点管理") for _ in range(7)]
    a, found, voided, last_year, same, later, kept = keys
    _outcome(s, a, "2026Q1", "未发现问题")
    _outcome(s, found, "2026H1", "发现问题")  # another period code: one live draw per period
    _outcome(s, voided, "2026Q1", "未发现问题", state="已作废")
    _outcome(s, last_year, "2025Q4", "未发现问题")
    _outcome(s, same, "2026Q2", "未发现问题")
    _outcome(s, later, "2026Q3", "未发现问题")
    rules = rules_doc(exclusions=[_drawn()])  # no "results": 未发现问题; no exempt categories
    got = quota.excluded_objects(s, rules, parse_period("2026Q2"), keys)
    assert got == {a.id: "2026年第一季度已抽查且未发现问题"}
    # the classes given (the quota passes them) change nothing for an exclusion without exempt categories
    classes = classification.classify(s, keys, period="2026Q2", rules=rules)
    assert quota.excluded_objects(s, rules, parse_period("2026Q2"), keys, classes) == got
    # … nor for objects the classes do not hold, when the exclusion exempts a category
    exempting = rules_doc(exclusions=[_drawn(except_categories=["special"])])
    assert quota.excluded_objects(s, exempting, parse_period("2026Q2"), keys, {}) == got
    assert quota.excluded_objects(s, exempting, parse_period("2026Q3"), keys, {}) == {
        a.id: "2026年第一季度已抽查且未发现问题",
        same.id: "2026年第二季度已抽查且未发现问题",
    }


def test_the_exempt_category_is_never_excluded(s):
    special = make_object(s, permit_class="重点管理", credit_grade="D")
    key = make_object(s, permit_class="重点管理")
    _outcome(s, special, "2026Q1", "未发现问题")
    s.add(DrawSelection(draw_id=s.query(Draw).filter_by(period="2026Q1").one().id, object_id=key.id, uscc=key.uscc))
    s.flush()
    sel = s.query(DrawSelection).filter_by(object_id=key.id).one()
    s.add(Outcome(selection_id=sel.id, result="未发现问题"))
    s.flush()
    rules = rules_doc(exclusions=[_drawn(except_categories=["special"])])
    classes = classification.classify(s, [special, key], period="2026Q2", rules=rules)
    assert classes[special.id].category == "特殊监管对象"
    got = quota.excluded_objects(s, rules, parse_period("2026Q2"), [special, key], classes)
    assert got == {key.id: "2026年第一季度已抽查且未发现问题"}


def test_a_named_list_of_results_replaces_the_default(s):
    fixed, clean = (make_object(s, permit_class="重点管理") for _ in range(2))
    _outcome(s, fixed, "2026Q1", "已整改")
    _outcome(s, clean, "2026H1", "未发现问题")
    rules = rules_doc(exclusions=[_drawn(results=["已整改"])])
    assert quota.excluded_objects(s, rules, parse_period("2026Q3"), [fixed, clean]) == {
        fixed.id: "2026年第一季度已抽查且已整改"
    }


def test_a_row_of_an_object_out_of_scope_or_of_an_unreadable_period_does_not_end_the_reading(s):
    outside, unreadable, inside = (make_object(s, permit_class="重点管理") for _ in range(3))
    _outcome(s, outside, "2026Q1", "未发现问题")  # first rows: an object the task's scope leaves out …
    _outcome(s, unreadable, "旧格式", "未发现问题")  # … and a period code the program cannot read
    _outcome(s, inside, "2026H1", "未发现问题")
    rules = rules_doc(exclusions=[_drawn()])
    got = quota.excluded_objects(s, rules, parse_period("2026Q3"), [unreadable, inside])
    assert got == {inside.id: "2026年上半年已抽查且未发现问题"}


# ------------------------------------------------------------------ the year a 上级已抽查 tag was set


def _change(s, obj, old, new, when: datetime, *, field="tags", effective=None):
    s.add(
        ObjectChange(
            object_id=obj.id,
            kind="修改",
            field=field,
            old_value=old,
            new_value=new,
            ts=when,
            effective_date=effective,
            source="批量标签",
        )
    )
    s.flush()


def _tagged(s, **kw):
    obj = make_object(s, permit_class="重点管理", tags=["重点", TAG], **kw)
    obj.created_at = datetime(2020, 1, 1)
    s.flush()
    return obj


def test_the_tag_dates_from_the_change_that_set_it(s):
    second = _tagged(s)  # set as the second of two tags; a later change keeps it (does not set it again)
    _change(s, second, "重点", f"重点、{TAG}", datetime(2024, 3, 1))
    _change(s, second, f"重点、{TAG}", f"重点、{TAG}、涉VOCs", datetime(2026, 5, 1))
    effective = _tagged(s)  # entered in January for the previous December: the 生效日期 counts
    _change(s, effective, "", TAG, datetime(2026, 1, 5), effective=date(2025, 12, 20))
    again = _tagged(s)  # set 2024, removed 2025, set again 2026 — the rows stored newest first
    _change(s, again, "", TAG, datetime(2026, 2, 1))
    _change(s, again, TAG, "", datetime(2025, 2, 1))
    _change(s, again, "", TAG, datetime(2024, 2, 1))
    other_field = _tagged(s)  # the word in another column's change is no tag setting
    _change(s, other_field, "", TAG, datetime(2026, 6, 1), field="special_situations")
    never = _tagged(s)  # no history at all: its creation
    stranger = _tagged(s)  # not asked about: its history is not read
    _change(s, stranger, "", TAG, datetime(2026, 6, 1))
    objs = [second, effective, again, other_field, never]
    assert quota.tag_years(s, objs, TAG) == {
        second.id: 2024,
        effective.id: 2025,
        again.id: 2026,
        other_field.id: 2020,
        never.id: 2020,
    }


def test_more_than_500_tagged_objects_are_read_in_chunks_without_a_gap(s):
    """The history is read 500 objects at a time: the 501st and the 1001st object keep their own year."""
    first, middle, last = _tagged(s), _tagged(s), _tagged(s)
    for obj, year in ((first, 2021), (middle, 2022), (last, 2023)):
        _change(s, obj, "重点", f"重点、{TAG}", datetime(year, 7, 1))

    def plain(n):  # rows of the pool the tag was set on before any history (dated from their creation)
        return [SimpleNamespace(id=10_000_000 + n + i, tags=[TAG], created_at=datetime(2019, 1, 1)) for i in range(499)]

    objs = [first, *plain(0), middle, *plain(1000), SimpleNamespace(id=1, tags=[], created_at=None), last]
    assert objs.index(middle) == 500 and objs.index(last) == 1001
    got = quota.tag_years(s, objs, TAG)
    assert (got[first.id], got[middle.id], got[last.id]) == (2021, 2022, 2023)
    assert len(got) == 1001 and set(got.values()) == {2019, 2021, 2022, 2023}
