"""Check an uploaded table row by row: the problems found, and the rows that pass as records."""

from __future__ import annotations

import hashlib
import json
import math
import operator
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from conflictmap.errors import InputError
from conflictmap.geo.placefill import PlaceFiller
from conflictmap.ingest.celldates import resolve_date_cells
from conflictmap.ingest.csvio import RawTable
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


@dataclass(frozen=True, slots=True)
class CheckedRows:
    """The rows of one table that passed, as records, and what happened to the others."""

    records: list[dict[str, Any]]  # RECORD_COLUMNS + "line", "key", "id_given"
    rows_read: int
    rejected_lines: frozenset[int]
    problems: tuple[RowProblem, ...]
    warnings: tuple[RowProblem, ...]
    duplicates_in_file: int
    geocoded: int
    not_geocoded: int
    blank_rows: int = 0


def check_rows(
    table: RawTable,
    *,
    today: date,
    places: PlaceFiller | None = None,
    progress: Progress | None = None,
) -> CheckedRows:
    """Validate every row of ``table``; geocode and fill places when ``places`` is given.

    Raises InputError only when the header lacks a date or a place column; otherwise
    never raises on bad data: each refused row gets at least one RowProblem.
    """
    columns = table.columns
    width = len(columns)
    index = {name: i for i, name in enumerate(columns)}
    missing = _missing_required(index)
    if missing:
        raise InputError(
            f"{table.file_name!r} {missing}; its columns are {', '.join(table.header[:12])}"
        )
    problems: list[RowProblem] = []
    warnings: list[RowProblem] = []
    rejected: set[int] = set()

    lines: list[int] = []
    kept: list[tuple[str, ...]] = []
    for line, cells in table.rows:
        shape = _shape_problems(line, cells, columns=columns)
        if shape:
            problems.extend(shape)
            rejected.add(line)
            continue
        lines.append(line)
        kept.append(cells[:width])

    # Column by column: files repeat values (dates, places, actors), so each distinct cell
    # is cleaned and checked once.
    transposed = list(zip(*kept, strict=True)) if kept else [()] * width
    blank: Sequence[str] = [""] * len(kept)
    cleaned = {
        name: _cleaned_column(transposed[index[name]]) if name in index else blank
        for name in _FIELDS
    }
    extra = [
        (table.header[i] or name, _cleaned_column(transposed[i]))
        for i, name in enumerate(columns)
        if name not in _KNOWN
    ]
    typed = _typed_columns(cleaned, today=today)
    records: list[dict[str, Any]] = []
    for position, values in enumerate(zip(*(typed[n] for n in _FIELDS), strict=True)):
        record = dict(zip(_FIELDS, values, strict=True))
        line = record["line"] = lines[position]
        issues = typed["issues"][position]
        if issues:
            problems.extend(RowProblem(line, column, reason) for column, reason in issues)
            rejected.add(line)
            continue
        note = typed["type_notes"][position]
        if note:
            warnings.append(RowProblem(line, "event_type", note))
        record["id_given"] = bool(record["event_id_cnty"])
        record["key"] = natural_key(record)
        if not record["event_id_cnty"]:
            record["event_id_cnty"] = made_event_id(record["key"])
        found = {name: column[position] for name, column in extra if column[position]}
        record["extras"] = json.dumps(found, ensure_ascii=False, sort_keys=True) if found else None
        records.append(record)

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

    records, repeats = collapse_repeats(records)
    problems.sort(key=lambda p: p.line)
    return CheckedRows(
        records=records,
        rows_read=len(table.rows),
        rejected_lines=frozenset(rejected),
        problems=tuple(problems),
        warnings=tuple(sorted(warnings, key=lambda p: p.line)),
        duplicates_in_file=repeats,
        geocoded=geocoded,
        not_geocoded=not_geocoded,
        blank_rows=table.blank_rows,
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
    """False when no cell has space at either end or a leading apostrophe.

    Most columns need nothing; both checks run at C speed (``str.strip`` returns the very
    same string when there is nothing to strip, so the comparison is by identity).
    """
    if any(map(operator.ne, values, map(str.strip, values))):
        return True
    return "\x00'" in "\x00" + "\x00".join(values)


def _missing_required(index: Mapping[str, int]) -> str:
    """What the header lacks to be an event table, or ""."""
    if "event_date" not in index:
        return "has no date column (event_date, date or Event Date)"
    if "location" not in index and not {"latitude", "longitude"} <= index.keys():
        return "has no place column (location, place or city) and no latitude and longitude columns"
    return ""


def clean_text(value: str) -> str:
    """A cell without surrounding space, and without the apostrophe our exports put before
    a cell a spreadsheet would run as a formula."""
    value = value.strip()
    if value.startswith("'") and value[1:2] and value[1] in FORMULA_STARTS:
        return value[1:]
    return value


Issue = tuple[str, str]  # (column, reason)


def _typed_columns(
    cleaned: Mapping[str, Sequence[str]], *, today: date
) -> dict[str, Sequence[Any]]:
    """Cleaned text columns → typed columns, plus per row its problems ("issues") and notes.

    Each distinct value (or pair of values) is checked once: files repeat them.
    """
    typed: dict[str, Sequence[Any]] = dict(cleaned)
    count = len(cleaned["event_date"])
    issues: list[list[Issue]] = [[] for _ in range(count)]

    def collect(position: int, found: Issue | list[Issue] | None) -> None:
        if found:
            issues[position].extend(found if isinstance(found, list) else [found])

    dates = resolve_date_cells(cleaned["event_date"], today=today)
    cells = [dates[v] for v in cleaned["event_date"]]
    typed["event_date"] = [c.value.isoformat() if c.value else "" for c in cells]
    typed["year"] = [y or d[:4] for y, d in zip(cleaned["year"], typed["event_date"], strict=True)]
    for position, cell in enumerate(cells):
        if cell.value is None:
            collect(position, ("event_date", cell.problem))

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
    typed["type_notes"] = [note for _, _, note in kinds]
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
    value = _number(text)
    if value is None or value != int(value) or value < 0:
        return default, (column, f"{text!r} is not a whole number of 0 or more")
    if allowed is not None and int(value) not in allowed:
        return default, (column, f"{text!r} is not one of {', '.join(map(str, allowed))}")
    return int(value), None


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


def natural_key(record: Mapping[str, Any]) -> str:
    """date + place + event type + actor: what makes two rows without an id the same event."""
    place = str(record["location"]).casefold()
    if not place and record["latitude"] is not None:
        place = f"{record['latitude']:.4f},{record['longitude']:.4f}"
    parts = (
        record["event_date"],
        place,
        str(record["event_type"]).casefold(),
        str(record["actor1"]).casefold(),
    )
    return "|".join(parts)


def made_event_id(key: str) -> str:
    """A stable id for a row that came without one, so the same row always gets the same id."""
    return "CM" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:14].upper()


def collapse_repeats(records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """One record per event: later rows with the same id (or key, without an id) are dropped.

    ACLED's actor-based exports give each event one row per actor; the second actor of the
    event is taken from the repeat when the first row has none.
    """
    first: dict[str, dict[str, Any]] = {}
    kept: list[dict[str, Any]] = []
    for record in records:
        key = record["event_id_cnty"] if record["id_given"] else "key:" + record["key"]
        seen = first.get(key)
        if seen is None:
            first[key] = record
            kept.append(record)
            continue
        actor = record["actor1"]
        if actor and not seen["actor2"] and actor != seen["actor1"]:
            seen["actor2"] = actor
            seen["inter2"] = seen["inter2"] or record["inter1"]
            seen["assoc_actor_2"] = seen["assoc_actor_2"] or record["assoc_actor_1"]
    return kept, len(records) - len(kept)
