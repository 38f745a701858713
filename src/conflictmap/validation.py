"""Check an uploaded table row by row: the problems found, and the rows that pass as records."""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from conflictmap.celldates import DateCell, resolve_date_cells
from conflictmap.csvio import RawTable
from conflictmap.errors import InputError
from conflictmap.models import ACLED_COLUMNS, EVENT_TYPES, INTER_CODES, SCHEMA_COLUMNS
from conflictmap.placefill import PlaceFiller
from conflictmap.reports import Progress, RowProblem

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
    notes: Mapping[str, Any] = field(default_factory=dict)


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
    known = set(RECORD_COLUMNS)
    extra_columns = [
        (i, table.header[i] or name) for i, name in enumerate(columns) if name not in known
    ]
    problems: list[RowProblem] = []
    warnings: list[RowProblem] = []
    records: list[dict[str, Any]] = []
    rejected: set[int] = set()

    missing = _missing_required(index)
    if missing:
        raise InputError(
            f"{table.file_name!r} {missing}; its columns are {', '.join(table.header[:12])}"
        )

    date_at = index.get("event_date")
    dates = resolve_date_cells(
        (
            _clean(cells[date_at])
            for _, cells in table.rows
            if date_at is not None and date_at < len(cells)
        ),
        today=today,
    )
    for line, cells in table.rows:
        row_problems: list[RowProblem] = []
        if len(cells) != width:
            if len(cells) > width and not any(c.strip() for c in cells[width:]):
                cells = cells[:width]
            else:
                row_problems.append(
                    RowProblem(
                        line,
                        "",
                        f"row has {len(cells)} cells but the header has {width}; "
                        "a missing or extra delimiter, or an unclosed quote?",
                    )
                )
        long_cells = [i for i, c in enumerate(cells) if len(c) > MAX_CELL_CHARS]
        for i in long_cells:
            row_problems.append(
                RowProblem(
                    line,
                    columns[i] if i < width else "",
                    f"cell is {len(cells[i]):,} characters long; the most a spreadsheet cell "
                    f"holds is {MAX_CELL_CHARS:,}",
                )
            )
        if row_problems:
            problems.extend(row_problems)
            rejected.add(line)
            continue
        record = _record(
            line, cells, index=index, dates=dates, problems=row_problems, warnings=warnings
        )
        if row_problems:
            problems.extend(row_problems)
            rejected.add(line)
            continue
        extras = {name: cells[i].strip() for i, name in extra_columns if cells[i].strip()}
        record["extras"] = (
            json.dumps(extras, ensure_ascii=False, sort_keys=True) if extras else None
        )
        records.append(record)

    geocoded = not_geocoded = 0
    if places is not None:
        outcome = places.fill(records, progress=progress)
        geocoded, not_geocoded = outcome.geocoded, outcome.not_geocoded
        for problem in outcome.problems:
            problems.append(problem)
            rejected.add(problem.line)
        warnings.extend(outcome.warnings)
        records = [r for r in records if r["line"] not in rejected]
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


_clean = clean_text


def _record(
    line: int,
    cells: Sequence[str],
    *,
    index: Mapping[str, int],
    dates: Mapping[str, DateCell],
    problems: list[RowProblem],
    warnings: list[RowProblem],
) -> dict[str, Any]:
    def get(name: str) -> str:
        i = index.get(name)
        return _clean(cells[i]) if i is not None else ""

    record: dict[str, Any] = {name: get(name) for name in RECORD_COLUMNS if name != "extras"}
    record["line"] = line

    cell = dates[get("event_date")]
    if cell.value is None:
        problems.append(RowProblem(line, "event_date", cell.problem))
    record["event_date"] = cell.value.isoformat() if cell.value else ""
    record["year"] = record["year"] or (str(cell.value.year) if cell.value else "")

    record["time_precision"] = _whole(
        record["time_precision"],
        "time_precision",
        line,
        problems,
        default=cell.precision,
        allowed=(1, 2, 3),
    )
    record["geo_precision"] = _whole(
        record["geo_precision"], "geo_precision", line, problems, default=1, allowed=(1, 2, 3)
    )
    record["fatalities"] = _whole(record["fatalities"], "fatalities", line, problems, default=0)
    _coordinates(record, line, problems)
    confidence = _number(record["geo_confidence"])
    if record["geo_confidence"] and (confidence is None or not 0 <= confidence <= 1):
        problems.append(
            RowProblem(
                line, "geo_confidence", f"{record['geo_confidence']!r} is not a number from 0 to 1"
            )
        )
    record["geo_confidence"] = confidence if confidence is not None else 1.0
    if not record["location"] and record["latitude"] is None:
        problems.append(
            RowProblem(line, "location", "no place name and no coordinates; give one or the other")
        )
    _taxonomy(record, line, warnings)
    record["id_given"] = bool(record["event_id_cnty"])
    record["key"] = natural_key(record)
    if not record["event_id_cnty"]:
        record["event_id_cnty"] = made_event_id(record["key"])
    return record


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
    text: str,
    column: str,
    line: int,
    problems: list[RowProblem],
    *,
    default: int,
    allowed: tuple[int, ...] | None = None,
) -> int:
    if not text:
        return default
    value = _number(text)
    if value is None or value != int(value) or value < 0:
        problems.append(RowProblem(line, column, f"{text!r} is not a whole number of 0 or more"))
        return default
    if allowed is not None and int(value) not in allowed:
        problems.append(
            RowProblem(line, column, f"{text!r} is not one of {', '.join(map(str, allowed))}")
        )
        return default
    return int(value)


def _coordinates(record: dict[str, Any], line: int, problems: list[RowProblem]) -> None:
    lat_text, lon_text = record["latitude"], record["longitude"]
    lat, lon = _number(lat_text), _number(lon_text)
    record["latitude"] = record["longitude"] = None
    if not lat_text and not lon_text:
        return
    for text, value, column in ((lat_text, lat, "latitude"), (lon_text, lon, "longitude")):
        if not text:
            other = "longitude" if column == "latitude" else "latitude"
            problems.append(RowProblem(line, column, f"{other} is given but {column} is not"))
        elif value is None:
            problems.append(RowProblem(line, column, f"{text!r} is not a number"))
    if lat is None or lon is None:
        return
    if abs(lat) > 90:
        if abs(lon) <= 90 and abs(lat) <= 180:
            problems.append(
                RowProblem(
                    line,
                    "latitude",
                    f"latitude {lat_text} is out of range -90..90; the pair looks swapped "
                    f"(did you mean latitude {lon_text}, longitude {lat_text}?)",
                )
            )
        else:
            problems.append(
                RowProblem(line, "latitude", f"latitude {lat_text} is out of range -90..90")
            )
        return
    if abs(lon) > 180:
        problems.append(
            RowProblem(line, "longitude", f"longitude {lon_text} is out of range -180..180")
        )
        return
    if lat == 0 and lon == 0:
        problems.append(
            RowProblem(
                line, "latitude", "latitude and longitude are both 0: a blank cell written as 0?"
            )
        )
        return
    record["latitude"], record["longitude"] = lat, lon


def _taxonomy(record: dict[str, Any], line: int, warnings: list[RowProblem]) -> None:
    for column in _PROTESTER_COLUMNS:
        if "protestor" in record[column].lower():
            record[column] = _PROTESTOR.sub(
                lambda m: "Protester" if m[0][0] == "P" else "protester", record[column]
            )
    typ, sub = record["event_type"], record["sub_event_type"]
    if sub:
        record["sub_event_type"] = sub = _SUB_EVENT_TYPES.get(sub.casefold(), sub)
    if typ:
        canonical = _EVENT_TYPES.get(typ.casefold())
        if canonical is None:
            warnings.append(
                RowProblem(
                    line, "event_type", f"{typ!r} is not one of ACLED's six event types; kept"
                )
            )
        record["event_type"] = canonical or typ
    elif sub in _SUB_TO_TYPE:
        record["event_type"] = _SUB_TO_TYPE[sub]
    for column in ("inter1", "inter2"):
        record[column] = inter_text(record[column])
    record["interaction"] = interaction_text(record["interaction"])


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
