"""Tables in and out of the store: store rows → the app's DataFrame, a DataFrame → an upload."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import pandas as pd

from conflictmap.ingest.csvio import RawTable, canonical_columns
from conflictmap.ingest.validation import FLOAT_COLUMNS, INT_COLUMNS


def events_frame(rows: list[tuple[Any, ...]], columns: Sequence[str]) -> pd.DataFrame:
    """Store rows → the app's table: typed numeric columns, text as str, extras as columns."""
    if not rows:
        frame = pd.DataFrame({c: pd.Series(dtype=_dtype(c)) for c in columns})
    else:
        values = list(zip(*rows, strict=True))
        frame = pd.DataFrame(
            {
                c: pd.array(v, dtype=_dtype(c)) if c != "extras" else v
                for c, v in zip(columns, values, strict=True)
            }
        )
    if "extras" in frame:
        extras = frame.pop("extras")
        if extras.notna().any():
            unpacked = pd.DataFrame(
                [json.loads(x) if isinstance(x, str) else {} for x in extras], index=frame.index
            )
            for column in unpacked.columns:
                if column not in frame:
                    frame[column] = unpacked[column].fillna("").astype("str")
    return frame


def _dtype(column: str) -> str:
    if column in INT_COLUMNS:
        return "int64"
    if column in FLOAT_COLUMNS:
        return "float64"
    return "str"


def table_from_frame(df: pd.DataFrame, *, file_name: str, sha256: str | None = None) -> RawTable:
    """A DataFrame as the text table an upload of it would be (dates ISO, missing values empty)."""
    header = tuple(str(c) for c in df.columns)
    columns_text = [df[c].map(_cell_text).tolist() for c in df.columns]
    rows = tuple(
        (line, tuple(cells)) for line, cells in enumerate(zip(*columns_text, strict=True), start=2)
    )
    digest = (
        sha256
        or hashlib.sha256(
            json.dumps([header, [r for _, r in rows]], ensure_ascii=False).encode("utf-8")
        ).hexdigest()
    )
    return RawTable(
        file_name=file_name,
        sha256=digest,
        encoding="utf-8",
        delimiter=",",
        header=header,
        columns=canonical_columns(header),
        rows=rows,
        blank_rows=0,
    )


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if value != value else repr(float(value))  # NaN is missing
    if isinstance(value, int) and not isinstance(value, bool):
        return str(int(value))
    if isinstance(value, pd.Timestamp | datetime):
        return value.date().isoformat() if not pd.isna(value) else ""
    if isinstance(value, date):
        return value.isoformat()
    if value is pd.NA or value is pd.NaT:
        return ""
    return str(value)
