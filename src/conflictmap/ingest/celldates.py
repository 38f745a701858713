"""Date cells of uploads: ISO, "16 May 2025", dd-mm-yyyy…; the file settles day/month order."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

EARLIEST = date(1900, 1, 1)

MONTHS: dict[str, int] = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# A time of day after the date, as spreadsheets and databases write it; ignored.
# Cells are lower-cased before matching, hence "t" and "z".
_TIME = r"(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?"
_ISO = re.compile(rf"^(\d{{4}})[-/.](\d{{1,2}})[-/.](\d{{1,2}}){_TIME}$")
_NUMERIC = re.compile(rf"^(\d{{1,2}})([-/.])(\d{{1,2}})\2(\d{{4}}|\d{{2}}){_TIME}$")
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[\s-]+([a-z]+)\.?,?[\s-]+(\d{4}|\d{2})$")
_MONTH_DAY_YEAR = re.compile(r"^([a-z]+)\.?[\s-]+(\d{1,2})(?:st|nd|rd|th)?,?[\s-]+(\d{4})$")
_MONTH_YEAR = re.compile(r"^([a-z]+)\.?,?[\s-]+(\d{4})$")
_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True, slots=True)
class DateCell:
    """What one date cell means: a date and its ACLED time precision, or why it has none."""

    value: date | None
    precision: int = 1  # ACLED time_precision: 1 day, 3 month or year
    problem: str = ""


@dataclass(frozen=True, slots=True)
class _Numeric:
    first: int
    second: int
    year: int


def resolve_date_cells(cells: Iterable[str], *, today: date) -> dict[str, DateCell]:
    """Every distinct date cell of a file → its DateCell.

    A numeric date such as 03/04/2021 can be day-first or month-first; the file decides:
    when its other rows only ever use one order (13/04/2021 is day-first), the ambiguous
    ones follow it; otherwise they are reported, never guessed.
    """
    parsed: dict[str, DateCell | _Numeric] = {c: _parse(c, today=today) for c in set(cells)}
    day_first = any(isinstance(p, _Numeric) and p.first > 12 >= p.second for p in parsed.values())
    month_first = any(isinstance(p, _Numeric) and p.second > 12 >= p.first for p in parsed.values())
    out: dict[str, DateCell] = {}
    for cell, p in parsed.items():
        if isinstance(p, DateCell):
            out[cell] = p
            continue
        if p.first > 12 or p.second > 12 or p.first == p.second:
            order = "day" if p.first > 12 or p.first == p.second else "month"
        elif day_first and not month_first:
            order = "day"
        elif month_first and not day_first:
            order = "month"
        else:
            why = (
                "other rows use both orders"
                if day_first and month_first
                else "no other row settles the order"
            )
            out[cell] = DateCell(
                None,
                problem=(
                    f"{cell!r} could be {_spell(p.first, p.second, p.year)} or "
                    f"{_spell(p.second, p.first, p.year)}, and {why}; write dates as YYYY-MM-DD"
                ),
            )
            continue
        day, month = (p.first, p.second) if order == "day" else (p.second, p.first)
        out[cell] = _checked(cell, p.year, month, day, today=today)
    return out


def _spell(day: int, month: int, year: int) -> str:
    if not 1 <= month <= 12:
        return "an impossible date"
    return f"{day} {MONTH_NAMES[month - 1]} {year}"


def _parse(cell: str, *, today: date) -> DateCell | _Numeric:
    text = cell.strip().lower()
    if not text:
        return DateCell(None, problem="no date given")
    if m := _ISO.match(text):
        return _checked(cell, int(m[1]), int(m[2]), int(m[3]), today=today)
    if m := _NUMERIC.match(text):
        return _Numeric(int(m[1]), int(m[3]), _full_year(m[4], today=today))
    if m := _DAY_MONTH_YEAR.match(text):
        return _named(cell, m[2], int(m[1]), _full_year(m[3], today=today), today=today)
    if m := _MONTH_DAY_YEAR.match(text):
        return _named(cell, m[1], int(m[2]), int(m[3]), today=today)
    if m := _MONTH_YEAR.match(text):
        return _named(cell, m[1], 15, int(m[2]), today=today, precision=3)
    if m := _YEAR_MONTH.match(text):
        return _checked(cell, int(m[1]), int(m[2]), 15, today=today, precision=3)
    if m := _YEAR.match(text):
        return _checked(cell, int(m[1]), 7, 1, today=today, precision=3)
    return DateCell(
        None,
        problem=f"{_short(cell)} is not a date; use YYYY-MM-DD (e.g. 2021-08-12) or 12 August 2021",
    )


def _full_year(text: str, *, today: date) -> int:
    if len(text) == 4:
        return int(text)
    # Two-digit years: this century unless that would be in the future.
    year = 2000 + int(text)
    return year if year <= today.year else year - 100


def _named(
    cell: str, month_name: str, day: int, year: int, *, today: date, precision: int = 1
) -> DateCell:
    month = MONTHS.get(month_name)
    if month is None:
        return DateCell(None, problem=f"{_short(cell)}: {month_name!r} is not an English month")
    return _checked(cell, year, month, day, today=today, precision=precision)


def _checked(
    cell: str, year: int, month: int, day: int, *, today: date, precision: int = 1
) -> DateCell:
    try:
        value = date(year, month, day)
    except ValueError as exc:
        return DateCell(None, problem=f"{_short(cell)} is not a real date ({exc})")
    if value > today:
        return DateCell(
            None, problem=f"{_short(cell)} is in the future (today is {today.isoformat()})"
        )
    if value < EARLIEST:
        return DateCell(None, problem=f"{_short(cell)} is before 1900; is the year right?")
    return DateCell(value, precision=precision)


def _short(cell: str) -> str:
    return repr(cell if len(cell) <= 40 else cell[:37] + "...")
