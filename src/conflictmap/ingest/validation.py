"""Check an uploaded table row by row: the problems found, and the rows that pass as records."""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from conflictmap.errors import InputError
from conflictmap.geo.placefill import PlaceFiller, PlaceLookup
from conflictmap.ingest.celldates import (
    DateCell,
    DateOrder,
    is_ambiguous,
    parse_date_cells,
    settle_dates,
)
from conflictmap.ingest.coordinates import PointChecker
from conflictmap.ingest.csvio import RawTable
from conflictmap.ingest.textcodec import BIDI_CONTROLS
from conflictmap.models import (
    ACLED_COLUMNS,
    EVENT_TYPES,
    INTER_CODES,
    SCHEMA_COLUMNS,
    Progress,
    RowProblem,
)

# ACLED's columns that are not in our schema; stored as they come and exported again.
ACLED_ONLY: tuple[str, ...] = tuple(c for c in ACLED_COLUMNS if c not in SCHEMA_COLUMNS)
# One event as the store keeps it: the schema, ACLED's other columns, unknown columns as JSON.
RECORD_COLUMNS: tuple[str, ...] = (*SCHEMA_COLUMNS, *ACLED_ONLY, "extras")
INT_COLUMNS = frozenset({"time_precision", "geo_precision", "fatalities"})
FLOAT_COLUMNS = frozenset({"latitude", "longitude", "geo_confidence"})
# Spreadsheets hold at most 32,767 characters in a cell; longer ones are not event text.
MAX_CELL_CHARS = 32_767
# What export_csv puts before a cell a spreadsheet would run as a formula; undone on import.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_EVENT_TYPES = {t.casefold(): t for t in EVENT_TYPES}
_SUB_EVENT_TYPES = {s.casefold(): s for subs in EVENT_TYPES.values() for s in subs}
_SUB_TO_TYPE = {s: t for t, subs in EVENT_TYPES.items() for s in subs}
_PROTESTOR = re.compile(r"protestor", re.IGNORECASE)
# ACLED spelt it "protestors" for years, "protesters" now; one spelling keeps filters whole.
_PROTESTER_COLUMNS = (
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "assoc_actor_1",
    "assoc_actor_2",
    "inter1",
    "inter2",
    "interaction",
)
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
# 12,000 or 12.000 or 12 000 in a whole-number column: thousands, not a fraction.
_THOUSANDS = re.compile(r"^\d{1,3}(?:([,.\u00a0\u202f' ])\d{3})(?:\1\d{3})*$")
# More deaths than this in one event is a typing or export error, not a figure to map.
MAX_FATALITIES = 1_000_000
# Columns whose values are what an actor-based ACLED file varies between an event's rows.
ACTOR_COLUMNS = frozenset(
    {"actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2"}
)
# Columns that are not part of what an event says (bookkeeping): left out of its content hash.
_UNHASHED = frozenset({"event_id_cnty", "origin"})


@dataclass(frozen=True, slots=True)
class CheckedRows:
    """The rows of one piece of a table that passed, as records, and what happened to the others.

    ``deferred`` are rows whose numeric date (03/04/2021) only the whole file can settle:
    the caller checks them again at the end with ``final=True``.
    """

    records: list[dict[str, Any]]  # RECORD_COLUMNS + "line", "id_given", the two hashes
    rows_read: int
    rejected_lines: frozenset[int]
    problems: tuple[RowProblem, ...]
    warnings: tuple[RowProblem, ...]
    geocoded: int
    not_geocoded: int
    blank_rows: int = 0
    deferred: tuple[int, ...] = ()


def check_rows(
    table: RawTable,
    *,
    today: date,
    places: PlaceFiller | None = None,
    progress: Progress | None = None,
) -> CheckedRows:
    """Validate every row of a table held whole; geocode and fill places when ``places`` is given.

    Raises InputError only when the header lacks a date or a place column; otherwise
    never raises on bad data: each refused row gets at least one RowProblem.
    """
    checker = RowChecker(table.columns, table.header, file_name=table.file_name, today=today)
    checked = checker.check(table.rows, places=places, progress=progress, final=True)
    problems = sorted((*table.problems, *checked.problems), key=lambda p: p.line)
    return CheckedRows(
        records=checked.records,
        rows_read=len(table.rows) + len({p.line for p in table.problems}),
        rejected_lines=checked.rejected_lines | {p.line for p in table.problems},
        problems=tuple(problems),
        warnings=tuple(sorted((*table.header_notes, *checked.warnings), key=lambda p: p.line)),
        geocoded=checked.geocoded,
        not_geocoded=checked.not_geocoded,
        blank_rows=table.blank_rows,
    )


class RowChecker:
    """Checks a table's rows piece by piece, remembering what the file has shown so far.

    Raises InputError on construction when the header lacks a date or a place column.
    """

    def __init__(
        self,
        columns: tuple[str, ...],
        header: tuple[str, ...],
        *,
        file_name: str,
        today: date,
    ) -> None:
        self.columns = columns
        self.header = header
        self.today = today
        self.index = {name: i for i, name in enumerate(columns)}
        missing = _missing_required(self.index)
        if missing:
            raise InputError(f"{file_name!r} {missing}; its columns are {', '.join(header[:12])}")
        self.date_order = DateOrder()
        self.points: PointChecker | None = None

    def use_gazetteer(self, lookup: PlaceLookup | None) -> None:
        """Check coordinates against ``lookup`` (swapped, a sign lost, outside the country)."""
        self.points = PointChecker(lookup) if lookup is not None else None

    def check(
        self,
        rows: Sequence[tuple[int, Sequence[str]]],
        *,
        places: PlaceFiller | None = None,
        progress: Progress | None = None,
        final: bool = False,
    ) -> CheckedRows:
        """Validate ``rows``; ``final``: settle ambiguous dates with what the file showed."""
        columns = self.columns
        width = len(columns)
        index = self.index
        problems: list[RowProblem] = []
        warnings: list[RowProblem] = []
        rejected: set[int] = set()

        lines: list[int] = []
        kept: list[Sequence[str]] = []
        for line, cells in rows:
            if len(cells) != width or max(map(len, cells)) > MAX_CELL_CHARS:
                shape = _shape_problems(line, cells, columns=columns)
                if shape:
                    problems.extend(shape)
                    rejected.add(line)
                    continue
            lines.append(line)
            kept.append(cells[:width] if len(cells) > width else cells)

        # Column by column: files repeat values (dates, places, actors), so each distinct cell
        # is cleaned and checked once.
        transposed: list[Sequence[str]] = list(zip(*kept, strict=True)) if kept else [()] * width
        blank: Sequence[str] = [""] * len(kept)
        cleaned = {
            name: _cleaned_column(transposed[index[name]]) if name in index else blank
            for name in _FIELDS
        }
        parsed = parse_date_cells(cleaned["event_date"], today=self.today)
        self.date_order.learn(parsed.values())
        deferred: list[int] = []
        if not final and any(map(is_ambiguous, parsed.values())):
            wait = [is_ambiguous(parsed[c]) for c in cleaned["event_date"]]
            deferred = [line for line, w in zip(lines, wait, strict=True) if w]
            keep = [not w for w in wait]
            lines = [v for v, k in zip(lines, keep, strict=True) if k]
            cleaned = {
                n: [v for v, k in zip(c, keep, strict=True) if k] for n, c in cleaned.items()
            }
            transposed = [[v for v, k in zip(c, keep, strict=True) if k] for c in transposed]
        dates = settle_dates(parsed, today=self.today, order=self.date_order)
        extra = [
            (name, _cleaned_column(transposed[i]))
            for i, name in enumerate(columns)
            if name not in _KNOWN
        ]
        typed = _typed_columns(cleaned, dates=dates)
        # What each row says, as text, built column by column (each distinct value once).
        core_texts = _row_texts(typed, _CORE_NAMES)
        actor_texts = _row_texts(typed, _ACTOR_NAMES)
        records: list[dict[str, Any]] = []
        for position, values in enumerate(zip(*(typed[n] for n in _FIELDS), strict=True)):
            record = dict(zip(_FIELDS, values, strict=True))
            line = record["line"] = lines[position]
            issues = typed["issues"][position]
            if issues:
                problems.extend(RowProblem(line, column, reason) for column, reason in issues)
                rejected.add(line)
                continue
            for column, note in typed["row_notes"][position]:
                warnings.append(RowProblem(line, column, note))
            found = {name: column[position] for name, column in extra if column[position]}
            record["extras"] = (
                json.dumps(found, ensure_ascii=False, sort_keys=True) if found else None
            )
            core = f"{core_texts[position]}\x1f{record['extras']}".encode()
            record["core_hash"] = _hash64(core)
            record["content_hash"] = _hash64(core + b"\x1e" + actor_texts[position].encode())
            record["id_given"] = bool(record["event_id_cnty"])
            if not record["event_id_cnty"]:
                record["event_id_cnty"] = made_event_id(record["content_hash"])
            records.append(record)

        if self.points is not None:
            wrong, doubtful = self.points.check(records)
            problems.extend(wrong)
            warnings.extend(doubtful)
            if wrong:
                rejected.update(p.line for p in wrong)
                records = [r for r in records if r["line"] not in rejected]
        geocoded = not_geocoded = 0
        if places is not None:
            outcome = places.fill(records, progress=progress)
            geocoded, not_geocoded = outcome.geocoded, outcome.not_geocoded
            problems.extend(outcome.problems)
            rejected.update(p.line for p in outcome.problems)
            warnings.extend(outcome.warnings)
        else:
            for r in records:
                if r["latitude"] is None:
                    problems.append(
                        RowProblem(
                            r["line"],
                            "location",
                            f"no coordinates, and no geocoder to place {r['location']!r}",
                        )
                    )
                    rejected.add(r["line"])
                    not_geocoded += 1
        if rejected:
            records = [r for r in records if r["line"] not in rejected]
        problems.sort(key=lambda p: p.line)
        return CheckedRows(
            records=records,
            rows_read=len(rows) - len(deferred),
            rejected_lines=frozenset(rejected),
            problems=tuple(problems),
            warnings=tuple(sorted(warnings, key=lambda p: p.line)),
            geocoded=geocoded,
            not_geocoded=not_geocoded,
            deferred=tuple(deferred),
        )


_FIELDS: tuple[str, ...] = tuple(c for c in RECORD_COLUMNS if c != "extras")
_KNOWN = frozenset(RECORD_COLUMNS)


def _shape_problems(line: int, cells: Sequence[str], *, columns: Sequence[str]) -> list[RowProblem]:
    width = len(columns)
    found: list[RowProblem] = []
    if len(cells) != width and (len(cells) < width or any(c.strip() for c in cells[width:])):
        found.append(
            RowProblem(
                line,
                "",
                f"row has {len(cells)} cells but the header has {width}; "
                "a missing or extra delimiter, or an unclosed quote?",
            )
        )
    if cells and max(map(len, cells)) > MAX_CELL_CHARS:
        found.extend(
            RowProblem(
                line,
                columns[i] if i < width else "",
                f"cell is {len(c):,} characters long; the most a spreadsheet cell "
                f"holds is {MAX_CELL_CHARS:,}",
            )
            for i, c in enumerate(cells)
            if len(c) > MAX_CELL_CHARS
        )
    return found


def _cleaned_column(values: Sequence[str]) -> Sequence[str]:
    if not _may_need_cleaning(values):
        return values
    distinct = {v: clean_text(v) for v in set(values)}
    if all(k == v for k, v in distinct.items()):
        return values
    return [distinct[v] for v in values]


def _may_need_cleaning(values: Sequence[str]) -> bool:
    """False when no cell has space at either end, a leading apostrophe or a bidi control.

    Most columns need nothing; the checks are substring searches over the column joined
    with NUL (which no cell holds: such rows are refused on reading), all at C speed.
    """
    joined = "\x00" + "\x00".join(values) + "\x00"
    if not joined.isascii():
        return True  # other scripts, bidi controls, Unicode spaces: each distinct cell checked
    if "\x00'" in joined or any(c in joined for c in _RARE_SPACE):
        return True
    return any(f"\x00{c}" in joined or f"{c}\x00" in joined for c in " \t\n\r")


# What else str.strip() removes among ASCII characters; rare in cells, so looked for anywhere.
_RARE_SPACE = "\x0b\x0c\x1c\x1d\x1e\x1f"


def _missing_required(index: Mapping[str, int]) -> str:
    """What the header lacks to be an event table, or ""."""
    if "event_date" not in index:
        return "has no date column (event_date, date or Event Date)"
    if "location" not in index and not {"latitude", "longitude"} <= index.keys():
        return "has no place column (location, place or city) and no latitude and longitude columns"
    return ""


def clean_text(value: str) -> str:
    """A cell without surrounding space, without bidi embedding/override controls (they
    reverse what follows on a page), and without the apostrophe our exports put before a
    cell a spreadsheet would run as a formula."""
    value = BIDI_CONTROLS.sub("", value).strip()
    if value.startswith("'") and value[1:2] and value[1] in FORMULA_STARTS:
        return value[1:]
    return value


Issue = tuple[str, str]  # (column, reason)


def _typed_columns(
    cleaned: Mapping[str, Sequence[str]], *, dates: Mapping[str, DateCell]
) -> dict[str, Sequence[Any]]:
    """Cleaned text columns → typed columns, plus per row its problems ("issues") and notes.

    Each distinct value (or pair of values) is checked once: files repeat them.
    """
    typed: dict[str, Sequence[Any]] = dict(cleaned)
    count = len(cleaned["event_date"])
    issues: list[list[Issue]] = [[] for _ in range(count)]
    notes: list[list[Issue]] = [[] for _ in range(count)]

    def collect(position: int, found: Issue | list[Issue] | None) -> None:
        if found:
            issues[position].extend(found if isinstance(found, list) else [found])

    cells = [dates[v] for v in cleaned["event_date"]]
    typed["event_date"] = [c.value.isoformat() if c.value else "" for c in cells]
    typed["year"] = [y or d[:4] for y, d in zip(cleaned["year"], typed["event_date"], strict=True)]
    for position, cell in enumerate(cells):
        if cell.value is None:
            collect(position, ("event_date", cell.problem))
        elif cell.note:
            notes[position].append(("event_date", cell.note))

    for column, defaults, allowed in (
        ("time_precision", [c.precision for c in cells], (1, 2, 3)),
        ("geo_precision", [1] * count, (1, 2, 3)),
        ("fatalities", [0] * count, None),
    ):
        pairs = _each(
            lambda text, default, c=column, a=allowed: _whole(text, c, default, a),
            cleaned[column],
            defaults,
        )
        typed[column] = [value for value, _ in pairs]
        for position, (_, problem) in enumerate(pairs):
            collect(position, problem)

    places = _each(_coordinates, cleaned["latitude"], cleaned["longitude"])
    typed["latitude"] = [lat for lat, _, _ in places]
    typed["longitude"] = [lon for _, lon, _ in places]
    for position, (lat, _, problems) in enumerate(places):
        collect(position, problems)
        if lat is None and not problems and not cleaned["location"][position]:
            collect(
                position, ("location", "no place name and no coordinates; give one or the other")
            )
    confidences = _each(_confidence, cleaned["geo_confidence"])
    typed["geo_confidence"] = [value for value, _ in confidences]
    for position, (_, problem) in enumerate(confidences):
        collect(position, problem)

    for column in _PROTESTER_COLUMNS:
        typed[column] = _each(lambda v, c=column: _taxonomy_text(c, v) if v else v, cleaned[column])
    kinds = _each(_event_type, typed["event_type"], typed["sub_event_type"])
    typed["event_type"] = [t for t, _, _ in kinds]
    typed["sub_event_type"] = [s for _, s, _ in kinds]
    typed["issues"] = issues
    for position, (_, _, note) in enumerate(kinds):
        if note:
            notes[position].append(("event_type", note))
    typed["row_notes"] = notes
    return typed


def _each(func: Any, *columns: Sequence[Any]) -> list[Any]:
    """func applied row by row to ``columns``, once per distinct tuple of values."""
    memo: dict[tuple[Any, ...], Any] = {}
    out: list[Any] = []
    append = out.append
    for key in zip(*columns, strict=True):
        try:
            append(memo[key])
        except KeyError:
            memo[key] = value = func(*key)
            append(value)
    return out


def _number(text: str) -> float | None:
    if not text:
        return None
    if _DECIMAL_COMMA.match(text):
        text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _whole(
    text: str, column: str, default: int, allowed: tuple[int, ...] | None
) -> tuple[int, Issue | None]:
    if not text:
        return default, None
    if text.isdigit() and text.isascii():
        whole = int(text)
    else:
        if _THOUSANDS.match(text):
            digits = re.sub(r"\D", "", text)
            whole = int(digits)
        else:
            value = _number(text)
            if value is None or value != int(value) or value < 0:
                return default, (column, f"{_short(text)} is not a whole number of 0 or more")
            whole = int(value)
    if allowed is not None and whole not in allowed:
        return default, (column, f"{_short(text)} is not one of {', '.join(map(str, allowed))}")
    if whole > MAX_FATALITIES:
        return default, (
            column,
            f"{_short(text)} is more than {MAX_FATALITIES:,}: a typing or export error? "
            "correct the figure",
        )
    return whole, None


def _short(text: str) -> str:
    return repr(text if len(text) <= 30 else text[:27] + "...")


def _confidence(text: str) -> tuple[float, Issue | None]:
    value = _number(text)
    if not text:
        return 1.0, None
    if value is None or not 0 <= value <= 1:
        return 1.0, ("geo_confidence", f"{text!r} is not a number from 0 to 1")
    return value, None


def _coordinates(lat_text: str, lon_text: str) -> tuple[float | None, float | None, list[Issue]]:
    """Latitude and longitude from text, or None and None with the reasons."""
    if not lat_text and not lon_text:
        return None, None, []
    lat, lon = _number(lat_text), _number(lon_text)
    issues: list[Issue] = []
    for text, value, column in ((lat_text, lat, "latitude"), (lon_text, lon, "longitude")):
        if not text:
            other = "longitude" if column == "latitude" else "latitude"
            issues.append((column, f"{other} is given but {column} is not"))
        elif value is None:
            issues.append((column, f"{text!r} is not a number"))
    if lat is None or lon is None:
        return None, None, issues
    if abs(lat) > 90:
        if abs(lon) <= 90 and abs(lat) <= 180:
            reason = (
                f"latitude {lat_text} is out of range -90..90; the pair looks swapped "
                f"(did you mean latitude {lon_text}, longitude {lat_text}?)"
            )
        else:
            reason = f"latitude {lat_text} is out of range -90..90"
        return None, None, [("latitude", reason)]
    if abs(lon) > 180:
        return None, None, [("longitude", f"longitude {lon_text} is out of range -180..180")]
    if lat == 0 and lon == 0:
        return (
            None,
            None,
            [("latitude", "latitude and longitude are both 0: a blank cell written as 0?")],
        )
    return lat, lon, []


def _taxonomy_text(column: str, value: str) -> str:
    if "protestor" in value.lower():
        value = _PROTESTOR.sub(lambda m: "Protester" if m[0][0] == "P" else "protester", value)
    if column in ("inter1", "inter2"):
        return inter_text(value)
    if column == "interaction":
        return interaction_text(value)
    return value


def _event_type(typ: str, sub: str) -> tuple[str, str, str]:
    """ACLED's spelling of an event type and sub-event type; a note when the type is unknown."""
    if sub:
        sub = _SUB_EVENT_TYPES.get(sub.casefold(), sub)
    if not typ:
        return _SUB_TO_TYPE.get(sub, ""), sub, ""
    canonical = _EVENT_TYPES.get(typ.casefold())
    if canonical is None:
        return typ, sub, f"{typ!r} is not one of ACLED's six event types; kept"
    return canonical, sub, ""


def inter_text(value: str) -> str:
    """ACLED's actor category as text: older exports write 1-8, newer ones the name."""
    if value.isdigit() and int(value) in INTER_CODES:
        return INTER_CODES[int(value)]
    return value


def interaction_text(value: str) -> str:
    """ACLED's interaction as text: older exports write two digits (12 = state forces vs rebels)."""
    if len(value) == 2 and value.isdigit():
        first, second = int(value[0]), int(value[1])
        if first in INTER_CODES and second in INTER_CODES and first:
            if second == 0:
                return f"{INTER_CODES[first]} only"
            return f"{INTER_CODES[first]}-{INTER_CODES[second]}"
    return value


# What a row says, hashed: every event field (not the id or the origin), extras last. Two
# rows with the same full hash are the same event; the core hash leaves the actors out, to
# see an actor-based file's second row of an event.
_CORE_NAMES = tuple(
    c for c in RECORD_COLUMNS if c not in _UNHASHED and c not in ACTOR_COLUMNS and c != "extras"
)
_ACTOR_NAMES = tuple(c for c in RECORD_COLUMNS if c in ACTOR_COLUMNS)


def _row_texts(typed: Mapping[str, Sequence[Any]], names: Sequence[str]) -> list[str]:
    """Per row, the values of ``names`` as text joined by U+001F."""
    columns = []
    for name in names:
        values = typed[name]
        text = {v: str(v) for v in set(values)}
        columns.append([text[v] for v in values])
    return list(map("\x1f".join, zip(*columns, strict=True)))


def _hash64(data: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big", signed=True)


def made_event_id(digest: int) -> str:
    """A stable id for a row that came without one: the same row always gets the same id."""
    return f"CM{digest & 0xFFFFFFFFFFFFFFFF:016X}"
