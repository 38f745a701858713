"""Toponyms as `conflictmap places` writes them: JSON, CSV (spreadsheet-safe), GeoJSON."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

from conflictmap.extract.toponyms import Toponym
from conflictmap.ingest.validation import FORMULA_STARTS

# The record's fields in the order the CSV shows them, after the file it came from.
FIELDS: tuple[str, ...] = (
    "file", "surface", "start", "end", "name", "kind", "country", "admin1", "geonameid",
    "latitude", "longitude", "confidence", "role", "status", "suggestion",
)  # fmt: skip
_NUMERIC = frozenset({"start", "end", "geonameid", "latitude", "longitude", "confidence"})


def toponym_rows(file: str, toponyms: Iterable[Toponym]) -> list[dict[str, Any]]:
    """One plain dict per toponym (no candidate lists), with the file it was found in."""
    return [{"file": file, **{f: getattr(t, f) for f in FIELDS if f != "file"}} for t in toponyms]


def toponyms_json(rows: Sequence[dict[str, Any]]) -> str:
    return json.dumps(list(rows), ensure_ascii=False, indent=2) + "\n"


def toponyms_csv(rows: Sequence[dict[str, Any]]) -> str:
    """CSV with a leading apostrophe on text cells a spreadsheet would run as a formula."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(FIELDS), lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _safe(k, v) for k, v in row.items()})
    return out.getvalue()


def toponyms_geojson(rows: Sequence[dict[str, Any]]) -> str:
    """A FeatureCollection of the toponyms that have coordinates (names not found have none)."""
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [r["longitude"], r["latitude"]]},
            "properties": {k: v for k, v in r.items() if k not in {"latitude", "longitude"}},
        }
        for r in rows
        if r["latitude"] is not None and r["longitude"] is not None
    ]
    collection = {"type": "FeatureCollection", "features": features}
    return json.dumps(collection, ensure_ascii=False) + "\n"


def _safe(field: str, value: Any) -> Any:
    if value is None:
        return ""
    if field in _NUMERIC:
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
