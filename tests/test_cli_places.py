"""`conflictmap places`: the geoparser on files, as JSON, CSV and GeoJSON."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from click.testing import CliRunner

from conflictmap.cli import main


def _article(tmp_path: Path) -> Path:
    path = tmp_path / "report.txt"
    path.write_text(
        "Shelling hit Kharkiv on Tuesday. =HYPERLINK officials in Ukraine said.\n", encoding="utf-8"
    )
    return path


def test_places_as_json_in_order_with_offsets(tmp_path: Path) -> None:
    path = _article(tmp_path)
    result = CliRunner().invoke(main, ["places", str(path), "--no-ner"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    text = path.read_text(encoding="utf-8")
    assert [r["surface"] for r in rows] == ["Kharkiv", "Ukraine"]
    assert all(text[r["start"] : r["end"]] == r["surface"] for r in rows)
    assert rows[0]["kind"] == "place" and rows[0]["country"] == "Ukraine"
    assert rows[1]["kind"] == "country" and rows[0]["file"] == "report.txt"


def test_places_as_csv_and_geojson(tmp_path: Path) -> None:
    path = _article(tmp_path)
    out = CliRunner().invoke(main, ["places", str(path), "--no-ner", "--format", "csv"])
    table = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [r["surface"] for r in table] == ["Kharkiv", "Ukraine"]
    geo = CliRunner().invoke(main, ["places", str(path), "--no-ner", "--format", "geojson"])
    features = json.loads(geo.stdout)["features"]
    lon, lat = features[0]["geometry"]["coordinates"]
    assert 49 < lat < 51 and 35 < lon < 37


def test_a_missing_file_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["places", str(tmp_path / "nope.txt")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output and result.stderr.count("\n") == 1
