"""Chinese working days (工作日): `chinese_calendar` for 2004–2026 plus an in-app holiday table.

A working day is Monday–Friday unless it is an official holiday (节假日), plus the 调休 make-up
Saturdays/Sundays (调休上班). `chinese_calendar` knows the State Council's 放假安排 up to 2026; later
years come from the `calendar_day` table (entered in 节假日设置 or imported from the notice). A row in the
table always wins over `chinese_calendar` (a correction). A deadline that runs into a year with no data
raises `CalendarMissing` with a message that says what to do — never a silently wrong date.

The publication deadline rule (20 working days from the result's determination, 泽州; or from the end of
the quarter's task, 威海) is read from the active rule preset when it has one (`publication_rule`).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import chinese_calendar
from sqlalchemy import delete, extract, func, select
from sqlalchemy.orm import Session

from app.models.outcomes import CalendarDay
from app.services.foundation import audit, permissions
from app.services.foundation.errors import UserError
from app.services.rules import policies

HOLIDAY = "节假日"
MAKEUP = "调休上班"
KINDS = (HOLIDAY, MAKEUP)
_KIND_ALIASES = {
    "节假日": HOLIDAY,
    "放假": HOLIDAY,
    "休": HOLIDAY,
    "休息": HOLIDAY,
    "假日": HOLIDAY,
    "holiday": HOLIDAY,
    "调休上班": MAKEUP,
    "上班": MAKEUP,
    "班": MAKEUP,
    "补班": MAKEUP,
    "调休": MAKEUP,
    "workday": MAKEUP,
}

BASIS_DETERMINATION = "determination"  # 检查结果认定之日起（泽州）
BASIS_TASK_END = "task_end"  # 季度抽查任务完成后（威海）
BASIS_LABELS = {BASIS_DETERMINATION: "自检查结果认定之日起", BASIS_TASK_END: "自本季度抽查任务完成之日起"}
DEFAULT_DAYS = 20


class CalendarMissing(UserError):
    """A working-day computation reached a year with no holiday data."""

    def __init__(self, year: int):
        super().__init__(
            f"{year} 年的节假日安排尚未录入，无法计算工作日期限。请在“节假日设置”中导入国务院办公厅"
            f"关于 {year} 年部分节假日安排的通知（或用 ssj holidays import 文件 导入）。"
        )
        self.year = year


def library_supports(year: int) -> bool:
    """Whether chinese_calendar knows the year's 放假安排."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
        return True
    except NotImplementedError:
        return False


class Calendar:
    """Working-day lookups for one session (caches the table's rows per year)."""

    def __init__(self, session: Session | None = None):
        self.session = session
        self._years: dict[int, dict[date, str] | None] = {}

    def _table_year(self, year: int) -> dict[date, str] | None:
        if year not in self._years:
            rows = None
            if self.session is not None:
                found = self.session.execute(
                    select(CalendarDay.day, CalendarDay.kind).where(extract("year", CalendarDay.day) == year)
                ).all()
                rows = {d: k for d, k in found} if found else None
            self._years[year] = rows
        return self._years[year]

    def has_year(self, year: int) -> bool:
        return self._table_year(year) is not None or library_supports(year)

    def is_workday(self, day: date) -> bool:
        table = self._table_year(day.year)
        if table is not None and day in table:
            return table[day] == MAKEUP
        if table is None:
            try:
                return chinese_calendar.is_workday(day)
            except NotImplementedError:
                raise CalendarMissing(day.year) from None
        return day.weekday() < 5

    def add_workdays(self, start: date, n: int) -> date:
        """The n-th working day after `start`, with `chinese_calendar.find_workday(n, start)` semantics.

        Day 0 is the first working day on or after `start` (so a working `start` is not counted, and a
        deadline starting on a holiday starts from the next working day); then n more working days.
        """
        if n < 0:
            raise UserError(f"工作日数不能为负数（{n}）。")
        day = start
        while not self.is_workday(day):
            day += timedelta(days=1)
        count = 0
        while count < n:
            day += timedelta(days=1)
            if self.is_workday(day):
                count += 1
        return day

    def workdays_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 if end <= start)."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            if self.is_workday(day):
                count += 1
        return count


def is_workday(session: Session | None, day: date) -> bool:
    return Calendar(session).is_workday(day)


def add_workdays(session: Session | None, start: date, n: int) -> date:
    """`chinese_calendar.find_workday` semantics (start not counted), with the in-app table for later years."""
    return Calendar(session).add_workdays(start, n)


def year_status(session: Session | None, year: int) -> str:
    """'内置' (chinese_calendar), '已录入' (table), or '未录入'."""
    cal = Calendar(session)
    if cal._table_year(year) is not None:
        return "已录入"  # not-a-state: a holiday year's status
    return "内置" if library_supports(year) else "未录入"  # not-a-state: a holiday year's status


# --- the publication deadline rule --------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineRule:
    basis: str = BASIS_DETERMINATION
    days: int = DEFAULT_DAYS

    @property
    def label(self) -> str:
        return f"{BASIS_LABELS.get(self.basis, self.basis)} {self.days} 个工作日内公示"


FROM_BASIS = {"结果认定": BASIS_DETERMINATION, "季度任务完成": BASIS_TASK_END}


def rule_from(section: dict | None) -> DeadlineRule:
    """The deadline rule of a preset's ``publication`` section: ``{"workdays": 20, "from": "结果认定"}``.

    ``from`` is 结果认定 (each result, 泽州) or 季度任务完成 (the quarter's task, 威海); both keys are optional
    (20 working days from 结果认定).
    """
    section = section or {}
    basis = FROM_BASIS.get(section.get("from", "结果认定"))
    days = section.get("workdays", DEFAULT_DAYS)
    if basis is None:
        raise UserError(f"规则中的公示期限起算点“{section.get('from')}”无效，应为“结果认定”或“季度任务完成”。")
    if not isinstance(days, int) or isinstance(days, bool) or days <= 0:
        raise UserError(f"规则中的公示期限“{days}”无效，应为正整数个工作日（如 20）。")
    return DeadlineRule(basis, days)


def publication_rule(session: Session) -> DeadlineRule:
    """The active preset's publication deadline; 20 working days from determination before a preset is chosen."""
    try:
        rules = policies.active_rules(session)
    except UserError:  # no preset chosen yet
        return DeadlineRule()
    return rule_from(rules.get("publication"))


# --- the holiday table: entry, import, the notice parser ------------------------------------------


def normalise_kind(text: str) -> str | None:
    return _KIND_ALIASES.get((text or "").strip().lower()) or _KIND_ALIASES.get((text or "").strip())


def set_day(session: Session, day: date, kind: str, name: str = "") -> CalendarDay:
    permissions.require(session, "calendar.edit")
    k = normalise_kind(kind)
    if k is None:
        raise UserError(f"类型“{kind}”无效，应为“节假日”或“调休上班”。")
    row = session.get(CalendarDay, day)
    if row is None:
        row = CalendarDay(day=day, kind=k, name=name.strip())
        session.add(row)
    else:
        row.kind, row.name = k, name.strip()
    session.flush()
    return row


def remove_day(session: Session, day: date) -> None:
    permissions.require(session, "calendar.edit")
    row = session.get(CalendarDay, day)
    if row is not None:
        session.delete(row)
        session.flush()


def list_days(session: Session, year: int | None = None) -> list[CalendarDay]:
    q = select(CalendarDay).order_by(CalendarDay.day)
    if year:
        q = q.where(extract("year", CalendarDay.day) == year)
    return list(session.scalars(q))


def table_years(session: Session) -> list[int]:
    return sorted({d.year for d in session.scalars(select(CalendarDay.day))})


_PAREN = re.compile(r"[（(][^）)]*[）)]")
_DATE = re.compile(r"(?:(\d{1,2})月)?(\d{1,2})日")
_ORDINAL = re.compile(r"^\s*[一二三四五六七八九十]+[、.．]\s*")


def _dates_in(text: str, year: int) -> list[tuple[date, bool]]:
    """Dates in a sentence; each with a flag telling whether it ends a range started just before ('至')."""
    out: list[tuple[date, bool]] = []
    month = None
    pos = 0
    for m in _DATE.finditer(text):
        if m.group(1):
            month = int(m.group(1))
        if month is None:
            raise ValueError("日期缺少月份")
        between = text[pos : m.start()]
        out.append((date(year, month, int(m.group(2))), "至" in between or "-" in between or "—" in between))
        pos = m.end()
    return out


def parse_notice(text: str, year: int | None = None) -> list[tuple[date, str, str]]:
    """Parse the State Council's 放假安排 notice lines into (day, kind, name).

    Understands lines like "春节：2月15日至23日放假调休，共9天。2月14日（周六）、2月28日（周六）上班。";
    the year comes from the argument or from "2027年" in the text. Raises UserError naming the line.
    """
    if year is None:
        m = re.search(r"(20\d\d)\s*年", text)
        if not m:
            raise UserError("放假通知中找不到年份（如“2027年”）。请在命令中用 --year 指定年份。")
        year = int(m.group(1))
    out: dict[date, tuple[str, str]] = {}
    found_any = False
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip().replace("：", ":").replace(" ", "")
        if ":" not in line or "日" not in line or not ("放假" in line or "上班" in line):
            continue
        name, body = line.split(":", 1)
        name = _ORDINAL.sub("", name).strip()
        if not name or len(name) > 12:
            continue
        body = _PAREN.sub("", body)
        try:
            for sentence in re.split(r"[。；;]", body):
                if not sentence:
                    continue
                if "放假" in sentence:
                    dates = _dates_in(sentence.split("放假")[0], year)
                    i = 0
                    while i < len(dates):
                        d, _ = dates[i]
                        if i + 1 < len(dates) and dates[i + 1][1]:
                            end = dates[i + 1][0]
                            if end < d:
                                raise ValueError("结束日期早于开始日期")
                            while d <= end:
                                out[d] = (HOLIDAY, name)
                                d += timedelta(days=1)
                            i += 2
                        else:
                            out[d] = (HOLIDAY, name)
                            i += 1
                    found_any = True
                if "上班" in sentence:
                    part = sentence.split("放假")[-1] if "放假" in sentence else sentence
                    for d, _ in _dates_in(part.split("上班")[0], year):
                        out[d] = (MAKEUP, name)
                    found_any = True
        except ValueError as exc:
            raise UserError(
                f"放假通知第 {lineno} 行“{raw.strip()}”无法识别：{exc}。请检查该行或改用表格导入。"
            ) from exc
    if not found_any:
        raise UserError(
            "放假通知中没有识别到放假或上班日期。每个节日应写成一行，如“春节：2月15日至23日放假调休，共9天。"
            "2月14日（周六）、2月28日（周六）上班。”"
        )
    return [(d, k, n) for d, (k, n) in sorted(out.items())]


def _parse_date_cell(value, where: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and 20000 < float(value) < 80000:  # Excel serial date
        return date(1899, 12, 30) + timedelta(days=int(value))
    text = str(value or "").strip()
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise UserError(f"{where}：日期“{text}”无法识别，应写成 2027-01-01。")


def read_rows(path: Path) -> list[list]:
    """Rows of a CSV (UTF-8/GBK/GB18030) or an Excel sheet (python-calamine)."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls"):
        from python_calamine import CalamineWorkbook

        from app.services.pools.guard import check_workbook

        check_workbook(path)  # a hostile package (huge range, bomb) is refused before the reader allocates it
        try:
            wb = CalamineWorkbook.from_path(str(path))
            return [list(r) for r in wb.get_sheet_by_index(0).to_python()]
        except BaseException as exc:  # a Rust panic in the reader arrives as PanicException (a BaseException)
            if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
                raise
            raise UserError(f"无法读取 Excel 文件 {path.name}：{exc}。请确认文件未损坏、未加密。") from exc
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UserError(f"无法识别 {path.name} 的文字编码，请另存为 UTF-8 或 GBK 编码的 CSV。")
    return [row for row in csv.reader(io.StringIO(text))]


def _is_notice_text(path: Path) -> bool:
    if path.suffix.lower() not in (".txt", ".text", ".md", ""):
        return False
    return True


def read_calendar_file(path: str | Path, year: int | None = None) -> list[tuple[date, str, str]]:
    """Entries from a table (日期, 类型, 名称) or from the notice's text; raises with row/column on errors."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"找不到文件 {path}。")
    if _is_notice_text(path):
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("gb18030", errors="replace")
        return parse_notice(text, year)
    rows = read_rows(path)
    if not rows:
        raise UserError(f"{path.name} 是空的。第一行应为表头：日期、类型、名称。")
    header = [str(c or "").strip() for c in rows[0]]

    def col(*names):
        for i, h in enumerate(header):
            if h in names:
                return i
        return None

    ci_date, ci_kind, ci_name = (
        col("日期", "date"),
        col("类型", "kind", "类别"),
        col("名称", "节日", "name", "节日名称"),
    )
    if ci_date is None or ci_kind is None:
        raise UserError(f"{path.name} 第 1 行缺少“日期”或“类型”列。表头应为：日期、类型（节假日/调休上班）、名称。")
    out, errors = [], []
    for rno, row in enumerate(rows[1:], 2):
        if not any(str(c or "").strip() for c in row):
            continue
        cells = list(row) + [""] * (len(header) - len(row))
        try:
            d = _parse_date_cell(cells[ci_date], f"{path.name} 第 {rno} 行“日期”列")
        except UserError as exc:
            errors.append(dict(row=rno, column="日期", message=exc.message))
            continue
        kind = normalise_kind(str(cells[ci_kind] or ""))
        if kind is None:
            errors.append(
                dict(
                    row=rno,
                    column="类型",
                    message=f"{path.name} 第 {rno} 行“类型”列“{cells[ci_kind]}”无效，应为“节假日”或“调休上班”。",
                )
            )
            continue
        if year and d.year != year:
            errors.append(dict(row=rno, column="日期", message=f"{path.name} 第 {rno} 行日期 {d} 不在 {year} 年。"))
            continue
        out.append((d, kind, str(cells[ci_name] or "").strip() if ci_name is not None else ""))
    if errors:
        raise UserError(
            errors[0]["message"]
            + (f"（共 {len(errors)} 处错误，未导入任何数据）" if len(errors) > 1 else "（未导入任何数据）"),
            details=errors,
        )
    if not out:
        raise UserError(f"{path.name} 中没有数据行。")
    return out


def import_calendar(session: Session, path: str | Path, year: int | None = None, *, replace: bool = True) -> dict:
    """Import a year's 放假安排 (all or nothing); the years present are replaced by the file's rows."""
    permissions.require(session, "calendar.edit")
    entries = read_calendar_file(path, year)
    years = sorted({d.year for d, _, _ in entries})
    removed = 0
    if replace:
        for y in years:
            removed += session.execute(delete(CalendarDay).where(extract("year", CalendarDay.day) == y)).rowcount or 0
    for d, k, n in entries:
        session.add(CalendarDay(day=d, kind=k, name=n))
    session.flush()
    audit.record(
        session,
        "导入",
        "calendar_day",
        ",".join(map(str, years)),
        summary=f"导入节假日安排 {Path(path).name}：{len(entries)} 天（替换 {removed} 天）",
        after={"years": years, "count": len(entries)},
    )
    holidays = sum(1 for _, k, _ in entries if k == HOLIDAY)
    return {
        "file": str(path),
        "years": years,
        "days": len(entries),
        "holidays": holidays,
        "makeup_workdays": len(entries) - holidays,
        "replaced": removed,
    }


def count_by_year(session: Session) -> dict[int, int]:
    rows = session.execute(
        select(extract("year", CalendarDay.day), func.count()).group_by(extract("year", CalendarDay.day))
    ).all()
    return {int(y): c for y, c in rows}
