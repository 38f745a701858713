"""Date cells of uploads: ISO, "16 May 2025", dd-mm-yyyy…; the file settles day/month order.

Solar Hijri dates written in Persian digits (۱۴۰۰/۰۵/۲۱) are converted to the Gregorian
calendar; a Hijri-looking year in other digits is reported, never read as the year 1400.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

EARLIEST = date(1900, 1, 1)
# Dates software writes for "no date": Excel's and the Unix epoch. Kept, with a warning.
PLACEHOLDER_DATES = {
    date(1900, 1, 1): "Excel's first day",
    date(1970, 1, 1): "the Unix epoch",
}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_ABBR = {w[:3]: i for i, w in enumerate(WEEKDAYS)} | {w: i for i, w in enumerate(WEEKDAYS)}
# Persian (U+06F0…) and Arabic-Indic (U+0660…) digits to ASCII.
_PERSIAN_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")
_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")
# Years that are Hijri rather than Gregorian when they head a date (1300-1499 AH).
_HIJRI_YEARS = range(1300, 1500)

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
_COMPACT = re.compile(r"^((?:19|20)\d{2})(\d{2})(\d{2})$")
_LEADING_WEEKDAY = re.compile(r"^([a-z]+)\.?,?\s+(?=\d|[a-z]+\.?\s+\d)")


@dataclass(frozen=True, slots=True)
class DateCell:
    """What one date cell means: a date and its ACLED time precision, or why it has none."""

    value: date | None
    precision: int = 1  # ACLED time_precision: 1 day, 3 month or year
    problem: str = ""
    note: str = ""  # kept, with a warning (a placeholder date, a converted calendar)


@dataclass(frozen=True, slots=True)
class _Numeric:
    first: int
    second: int
    year: int
    dotted: bool = False  # 12.08.2021: dots are only ever written day-first


@dataclass(slots=True)
class DateOrder:
    """Which orders a file's numeric dates were seen in: 25/03/2021 is day-first."""

    day_first: bool = False
    month_first: bool = False

    def learn(self, parsed: Iterable[DateCell | _Numeric]) -> None:
        for p in parsed:
            if isinstance(p, _Numeric):
                self.day_first = self.day_first or p.first > 12 >= p.second
                self.month_first = self.month_first or p.second > 12 >= p.first


def parse_date_cells(cells: Iterable[str], *, today: date) -> dict[str, DateCell | _Numeric]:
    """Every distinct cell → its DateCell, or a numeric date whose order the file must settle."""
    return {c: _parse(c, today=today) for c in set(cells)}


def is_ambiguous(parsed: DateCell | _Numeric) -> bool:
    """True for a numeric date whose day and month could be either way round (03/04/2021)."""
    return isinstance(parsed, _Numeric) and not (
        parsed.first > 12 or parsed.second > 12 or parsed.first == parsed.second
    )


def resolve_date_cells(
    cells: Iterable[str], *, today: date, order: DateOrder | None = None
) -> dict[str, DateCell]:
    """Every distinct date cell of a file → its DateCell.

    A numeric date such as 03/04/2021 can be day-first or month-first; the file decides:
    when its other rows only ever use one order (13/04/2021 is day-first), the ambiguous
    ones follow it; otherwise they are reported, never guessed. ``order`` is what the whole
    file showed, when the cells are only a piece of it.
    """
    return settle_dates(parse_date_cells(cells, today=today), today=today, order=order)


def settle_dates(
    parsed: dict[str, DateCell | _Numeric], *, today: date, order: DateOrder | None = None
) -> dict[str, DateCell]:
    """Parsed cells → DateCells, ambiguous numeric dates following ``order`` (or the cells')."""
    if order is None:
        order = DateOrder()
        order.learn(parsed.values())
    day_first, month_first = order.day_first, order.month_first
    out: dict[str, DateCell] = {}
    for cell, p in parsed.items():
        if isinstance(p, DateCell):
            out[cell] = p
            continue
        if not is_ambiguous(p):
            order_ = "day" if p.first > 12 or p.first == p.second else "month"
            day, month = (p.first, p.second) if order_ == "day" else (p.second, p.first)
            out[cell] = _checked(cell, p.year, month, day, today=today)
            continue
        if p.dotted or (day_first and not month_first):
            way = "day"
        elif month_first and not day_first:
            way = "month"
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
        day, month = (p.first, p.second) if way == "day" else (p.second, p.first)
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
    if not text.isascii():
        return _other_digits(cell, text, today=today)
    weekday = None
    if text[0].isalpha() and (m := _LEADING_WEEKDAY.match(text)) and m[1] in _WEEKDAY_ABBR:
        weekday, text = _WEEKDAY_ABBR[m[1]], text[m.end() :]
    found = _parse_text(cell, text, today=today)
    if (
        weekday is not None
        and isinstance(found, DateCell)
        and found.value is not None
        and found.precision == 1
        and found.value.weekday() != weekday
    ):
        return DateCell(
            None,
            problem=(
                f"{_short(cell)}: {found.value:%d %B %Y} was a "
                f"{WEEKDAYS[found.value.weekday()].title()}, not a "
                f"{WEEKDAYS[weekday].title()}; check the date"
            ),
        )
    return found


def _parse_text(cell: str, text: str, *, today: date) -> DateCell | _Numeric:
    if m := _ISO.match(text):
        year = int(m[1])
        if year in _HIJRI_YEARS:
            return _hijri_problem(cell)
        return _checked(cell, year, int(m[2]), int(m[3]), today=today)
    if m := _NUMERIC.match(text):
        return _Numeric(int(m[1]), int(m[3]), _full_year(m[4], today=today), dotted=m[2] == ".")
    if m := _COMPACT.match(text):
        return _checked(cell, int(m[1]), int(m[2]), int(m[3]), today=today)
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


def _other_digits(cell: str, text: str, *, today: date) -> DateCell:
    """A date in Persian digits is Solar Hijri (Iran, Afghanistan): converted. Arabic-Indic
    digits may be either Hijri calendar: reported."""
    persian = text.translate(_PERSIAN_DIGITS)
    if persian != text and persian.isascii() and (m := _ISO.match(persian)):
        return _solar_hijri(cell, int(m[1]), int(m[2]), int(m[3]), today=today)
    arabic = text.translate(_ARABIC_DIGITS)
    if arabic != text and arabic.isascii():
        return DateCell(
            None,
            problem=(
                f"{_short(cell)} is written in Arabic-Indic digits, and its calendar "
                "(Gregorian, Hijri or Solar Hijri) cannot be told; write dates as YYYY-MM-DD"
            ),
        )
    return DateCell(
        None,
        problem=f"{_short(cell)} is not a date; use YYYY-MM-DD (e.g. 2021-08-12) or 12 August 2021",
    )


def _solar_hijri(cell: str, year: int, month: int, day: int, *, today: date) -> DateCell:
    import jdatetime

    try:
        value = jdatetime.date(year, month, day).togregorian()
    except ValueError as exc:
        return DateCell(None, problem=f"{_short(cell)} is not a real Solar Hijri date ({exc})")
    found = _checked(cell, value.year, value.month, value.day, today=today)
    if found.value is None:
        return found
    return DateCell(
        found.value,
        note=f"{_short(cell)} read as the Solar Hijri date {year}/{month:02}/{day:02}, "
        f"{found.value.isoformat()} in the Gregorian calendar",
    )


def _hijri_problem(cell: str) -> DateCell:
    return DateCell(
        None,
        problem=(
            f"{_short(cell)} has a year of the Hijri or Solar Hijri calendar, not the Gregorian "
            "one; convert it (e.g. 1400/05/21 is 2021-08-12) or write it in Persian digits"
        ),
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
    if value in PLACEHOLDER_DATES and precision == 1:
        return DateCell(
            value,
            note=f"{_short(cell)} is {PLACEHOLDER_DATES[value]}, which software writes for a "
            "missing date; check the event's real date",
        )
    return DateCell(value, precision=precision)


def _short(cell: str) -> str:
    return repr(cell if len(cell) <= 40 else cell[:37] + "...")
