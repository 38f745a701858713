"""A compact, read-only columnar view of the events, built once per store version.

Everything a dashboard run needs that depends only on the stored events lives here, computed
once when the version changes: days as integers, each text column as integer codes into its
distinct values, place and province keys. A run then filters with boolean masks over these
arrays and draws; it never parses a date or compares a string per event. Rows in full (table
pages, popups, exports) come from the store of record by id (see rowsource). About 40 bytes
an event: a million events fit in ~50 MB, where a DataFrame of them takes gigabytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from conflictmap.store import dateperiods

NO_DAY = np.iinfo(np.int32).min
EPOCH = date(1970, 1, 1)
# Text columns kept as codes; actor1 and actor2 share one list of names ("actor").
CODED = ("event_type", "sub_event_type", "country", "admin1", "location", "origin")
ACTOR_COLUMNS = ("actor1", "actor2")
# Places at the same coordinates (to ~10 m) are one place, as on the map.
COORD_SCALE = 10_000


class RowSource(Protocol):
    """Where an event's full row comes from (the store of record, or a frame in tests)."""

    def rows(self, positions: np.ndarray, columns: tuple[str, ...]) -> pd.DataFrame:
        """The events at ``positions`` (in that order) with ``columns``: a page, a popup."""

    def search(self, text: str) -> np.ndarray:
        """Per event, whether its notes contain ``text`` (case-insensitive)."""

    def export(self, positions: np.ndarray) -> pd.DataFrame:
        """The events at ``positions`` with every column, for a download."""


@dataclass(frozen=True, eq=False)
class Places:
    """One row per distinct place (coordinates and province-level flag)."""

    lat: np.ndarray
    lon: np.ndarray
    halo: np.ndarray  # bool: a province-level location, drawn as a ring
    location: np.ndarray  # code of its most frequent location name (-1: none)
    admin1: np.ndarray
    country: np.ndarray


@dataclass(frozen=True, eq=False)
class EventView:
    """The events of one store version as arrays, one entry per event (in id order)."""

    label: str
    ids: np.ndarray  # int64
    day: np.ndarray  # int32 days since 1970-01-01, NO_DAY when unknown
    period: np.ndarray  # int8 dateperiods.DAY/WEEK/MONTH/YEAR
    lat: np.ndarray  # float64, NaN where not mappable
    lon: np.ndarray
    geo: np.ndarray  # int8 geo_precision
    fatalities: np.ndarray  # int32, never negative
    codes: Mapping[str, np.ndarray]  # column → int32 codes, -1 for empty
    names: Mapping[str, tuple[str, ...]]  # column (or "actor") → the values the codes index
    place: np.ndarray  # int32 index into places, -1 when not mappable
    places: Places
    province: np.ndarray  # int32 index into provinces
    provinces: np.ndarray  # (n, 2) int32: country code, admin1 code
    source: RowSource = field(repr=False)

    def __len__(self) -> int:
        return len(self.ids)

    def names_of(self, column: str) -> tuple[str, ...]:
        return self.names["actor" if column in ACTOR_COLUMNS else column]

    def allowed(self, column: str, wanted: tuple[str, ...]) -> np.ndarray:
        """Per code of ``column``, whether its name is in ``wanted`` (index with the codes)."""
        names = self.names_of(column)
        chosen = set(wanted)
        # One extra slot at the end answers for code -1 (empty): never wanted.
        return np.array([n in chosen for n in names] + [False], dtype=bool)

    def value(self, column: str, position: int) -> str:
        code = int(self.codes[column][position])
        return self.names_of(column)[code] if code >= 0 else ""

    def text(self, column: str, positions: np.ndarray) -> np.ndarray:
        """The names of ``column`` at ``positions`` as an object array ("" for empty)."""
        names = np.array([*self.names_of(column), ""], dtype=object)
        return names[self.codes[column][positions]]

    def dates(self, positions: np.ndarray | None = None) -> np.ndarray:
        """``day`` as datetime64[D] (NaT when unknown)."""
        days = self.day if positions is None else self.day[positions]
        out = (days.astype("int64")).astype("datetime64[D]")
        out[days == NO_DAY] = np.datetime64("NaT")
        return out


def as_day(day: date) -> int:
    return (day - EPOCH).days


def from_day(number: int) -> date:
    return date.fromordinal(EPOCH.toordinal() + int(number))


def build_view(columns: Mapping[str, Any], *, label: str, source: RowSource) -> EventView:
    """The view of events given as columns (arrays or lists, one entry per event, id order).

    Expected: ``id``, ``event_date`` (ISO text), ``time_precision``, ``latitude``,
    ``longitude``, ``geo_precision``, ``fatalities``, ``date_text``, the CODED columns and the
    actors; a missing column counts as empty.
    """
    n = len(columns["id"])
    text = {c: _text_array(columns.get(c), n) for c in (*CODED, *ACTOR_COLUMNS)}
    codes: dict[str, np.ndarray] = {}
    names: dict[str, tuple[str, ...]] = {}
    for column in CODED:
        codes[column], names[column] = _encode(text[column])
    both, names["actor"] = _encode(pa.concat_arrays([text["actor1"], text["actor2"]]))
    codes["actor1"], codes["actor2"] = both[:n], both[n:]
    day = _days(columns.get("event_date"), n)
    precision = _numbers(columns.get("time_precision"), n, default=1).astype(np.int8)
    period = _periods(day, precision, columns.get("date_text"), n)
    lat = _numbers(columns.get("latitude"), n, default=np.nan, dtype=np.float64)
    lon = _numbers(columns.get("longitude"), n, default=np.nan, dtype=np.float64)
    ok = (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    lat[~ok], lon[~ok] = np.nan, np.nan
    geo = _numbers(columns.get("geo_precision"), n, default=1).astype(np.int8)
    deaths = np.clip(_numbers(columns.get("fatalities"), n, default=0), 0, None).astype(np.int32)
    place, places = _places(lat, lon, geo >= 3, codes)
    province, provinces = _provinces(codes)
    ids = np.asarray(columns["id"], dtype=np.int64)
    arrays = (ids, day, period, lat, lon, geo, deaths, place, province, provinces)
    for array in (*arrays, *codes.values()):
        array.setflags(write=False)
    return EventView(
        label=label,
        ids=ids,
        day=day,
        period=period,
        lat=lat,
        lon=lon,
        geo=geo,
        fatalities=deaths,
        codes=codes,
        names=names,
        place=place,
        places=places,
        province=province,
        provinces=provinces,
        source=source,
    )


def _text_array(values: Any, n: int) -> pa.Array:
    if values is None:
        return pa.array([""] * n, type=pa.string())
    if not isinstance(values, pa.ChunkedArray | pa.Array):
        series = pd.Series(values, dtype="object")
        values = pa.array(series.where(series.notna(), "").astype(str).tolist(), type=pa.string())
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not pa.types.is_string(values.type) and not pa.types.is_large_string(values.type):
        values = pc.cast(values, pa.string())
    return pc.utf8_trim_whitespace(pc.fill_null(values, ""))


def _encode(array: pa.Array) -> tuple[np.ndarray, tuple[str, ...]]:
    """Codes into the distinct non-empty values (-1 for ""), and those values."""
    encoded = pc.dictionary_encode(array)
    values = encoded.dictionary.to_pylist()
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int32)
    if "" in values:
        empty = values.index("")
        remap = np.arange(len(values), dtype=np.int32)
        remap[empty] = -1
        remap[empty + 1 :] -= 1
        codes = remap[codes]
        values.pop(empty)
    return codes, tuple(values)


def _numbers(values: Any, n: int, *, default: float, dtype: Any = np.int64) -> np.ndarray:
    if values is None:
        return np.full(n, default, dtype=dtype)
    if isinstance(values, pa.ChunkedArray | pa.Array):
        values = values.to_pandas()
    numbers = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(
        dtype=np.float64, copy=True
    )
    numbers[~np.isfinite(numbers)] = default
    return numbers.astype(dtype)


def _days(values: Any, n: int) -> np.ndarray:
    if values is None:
        return np.full(n, NO_DAY, dtype=np.int32)
    parsed = pc.strptime(
        pc.utf8_slice_codeunits(_text_array(values, n), 0, 10),
        format="%Y-%m-%d",
        unit="s",
        error_is_null=True,
    )
    days = pc.cast(pc.cast(parsed, pa.date32()), pa.int32())
    return pc.fill_null(days, NO_DAY).to_numpy(zero_copy_only=False).astype(np.int32)


def _periods(day: np.ndarray, precision: np.ndarray, date_text: Any, n: int) -> np.ndarray:
    period = np.full(n, dateperiods.DAY, dtype=np.int8)
    period[precision == 2] = dateperiods.WEEK
    coarse = np.flatnonzero((precision >= 3) & (day != NO_DAY))
    if len(coarse):
        words = _text_array(date_text, n).take(pa.array(coarse)).to_pylist()
        period[coarse] = [
            dateperiods.period_kind(from_day(day[i]), 3, w)
            for i, w in zip(coarse, words, strict=True)
        ]
    return period


def _places(
    lat: np.ndarray, lon: np.ndarray, halo: np.ndarray, codes: Mapping[str, np.ndarray]
) -> tuple[np.ndarray, Places]:
    mappable = np.flatnonzero(~np.isnan(lat))
    key = (np.round(lat[mappable] * COORD_SCALE).astype(np.int64) + 90 * COORD_SCALE) * (
        360 * COORD_SCALE + 1
    ) + (np.round(lon[mappable] * COORD_SCALE).astype(np.int64) + 180 * COORD_SCALE)
    key = key * 2 + halo[mappable]
    inverse, first = _factorize(key)
    place = np.full(len(lat), -1, dtype=np.int32)
    place[mappable] = inverse
    at = mappable[first]
    location = np.full(len(first), -1, dtype=np.int32)
    named = mappable[codes["location"][mappable] >= 0]
    if len(named):
        pairs = pd.DataFrame({"p": place[named], "l": codes["location"][named]})
        best = pairs.value_counts(sort=True).reset_index().drop_duplicates("p")
        location[best["p"].to_numpy()] = best["l"].to_numpy()
    places = Places(
        lat=lat[at],
        lon=lon[at],
        halo=halo[at],
        location=location,
        admin1=codes["admin1"][at],
        country=codes["country"][at],
    )
    return place, places


def _provinces(codes: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    country, admin1 = codes["country"], codes["admin1"]
    key = (country.astype(np.int64) + 1) * (int(admin1.max(initial=0)) + 2) + admin1 + 1
    inverse, first = _factorize(key)
    return inverse, np.stack([country[first], admin1[first]], axis=1).astype(np.int32)


def _factorize(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes of ``key``'s distinct values (by first appearance) and where each first appears."""
    codes, uniques = pd.factorize(key)
    first = np.zeros(len(uniques), dtype=np.int64)
    # Written backwards: for a repeated code the first position is written last and stays.
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)
    return codes.astype(np.int32), first
