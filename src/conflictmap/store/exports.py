"""Exports of the event table: CSV with ACLED's headers first (safe for spreadsheets), GeoJSON."""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd

from conflictmap.ingest.validation import FORMULA_STARTS
from conflictmap.models import ACLED_COLUMNS, OUR_COLUMNS

# Columns whose numbers stay numbers in a CSV export (-12.5 is a latitude, not a formula).
NUMERIC_COLUMNS = frozenset(
    {
        "latitude",
        "longitude",
        "fatalities",
        "time_precision",
        "geo_precision",
        "geo_confidence",
        "year",
        "iso",
        "inter1",
        "inter2",
        "interaction",
        "civilian_targeting",
        "timestamp",
    }
)
# What is left out of exports: bookkeeping columns a store or a view may add.
INTERNAL_COLUMNS = frozenset({"id", "natural_key", "extras"})


def export_columns(df: pd.DataFrame) -> list[str]:
    """ACLED's 31 columns, then ours, then every other column of ``df`` in its own order."""
    first = [*ACLED_COLUMNS, *OUR_COLUMNS]
    rest = [c for c in df.columns if c not in first and c not in INTERNAL_COLUMNS]
    return first + [str(c) for c in rest]


def export_csv(df: pd.DataFrame, *, bom: bool = False) -> str:
    """The events as CSV text, ready for a spreadsheet.

    Cells that start with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return get a leading
    apostrophe so a spreadsheet shows them instead of running them; numbers in numeric
    columns are left alone. Importing the file again removes the apostrophes.
    ``bom=True`` starts the text with a byte-order mark (Excel then reads UTF-8 correctly).
    """
    columns = export_columns(df)
    out = pd.DataFrame(index=df.index)
    for column in columns:
        out[column] = _neutralised(_cells(df, column), numeric=column in NUMERIC_COLUMNS)
    # CRLF as RFC 4180 has it; with "\n" alone, csv would leave a lone "\r" in a cell unquoted.
    text = out.to_csv(index=False, lineterminator="\r\n")
    return ("\ufeff" + text) if bom else text


def _cells(df: pd.DataFrame, column: str) -> pd.Series:
    if column not in df:
        return pd.Series("", index=df.index, dtype="object")
    values = df[column]
    if column == "event_date" and pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.strftime("%Y-%m-%d").fillna("").astype("object")
    return values.astype("object").map(_text)


def _text(value: Any) -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return repr(value)
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return str(value)


def _neutralised(cells: pd.Series, *, numeric: bool) -> pd.Series:
    risky = cells.str.startswith(FORMULA_STARTS)
    if numeric and risky.any():
        risky &= pd.to_numeric(cells.where(risky, ""), errors="coerce").isna()
    return cells.where(~risky, "'" + cells)


def export_geojson(df: pd.DataFrame) -> str:
    """The events as a GeoJSON FeatureCollection (points; rows without coordinates left out)."""
    features = []
    columns = [c for c in export_columns(df) if c in df and c not in ("latitude", "longitude")]
    for record in df.to_dict("records"):
        lat, lon = record.get("latitude"), record.get("longitude")
        if not _finite(lat) or not _finite(lon):
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [float(lon), float(lat)]},
                "properties": {c: _json_value(record.get(c)) for c in columns},
            }
        )
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


def _finite(value: Any) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value
