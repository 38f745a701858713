"""`conflictmap extract`: formats, the publication date's sources, warnings and errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from click.testing import CliRunner

from conflictmap.cli import main

ROOT = Path(__file__).parents[1]
SEED = ROOT / "data" / "000_7a287e12d804a890.txt"
FILES = Path(__file__).parent / "data" / "article_files"


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["extract", *args])
    return result.exit_code, result.stdout, result.stderr


def test_csv_on_stdout_by_default() -> None:
    code, out, _ = _run(str(SEED))
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    ghazni = [r for r in rows if r["location"] == "Ghazni" and r["event_type"] == "Battles"]
    assert ghazni and ghazni[0]["event_date"] == "2021-08-12"  # from the .meta.json
    assert {r["origin"] for r in rows} == {SEED.name}


def test_json_and_geojson() -> None:
    code, out, _ = _run(str(SEED), "--format", "json")
    assert code == 0
    records = json.loads(out)
    assert records and {"event_id_cnty", "notes", "place_mention"} <= set(records[0])
    code, out, _ = _run(str(SEED), "--format", "geojson")
    collection = json.loads(out)
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == len(records)
    assert collection["features"][0]["geometry"]["type"] == "Point"


def test_output_file_and_overrides(tmp_path: Path) -> None:
    target = tmp_path / "events.csv"
    code, _, err = _run(
        str(FILES / "dateline_no_year.txt"), "--published", "2021-08-16", "--source", "Wire",
        "-o", str(target),
    )  # fmt: skip
    assert code == 0 and "Wrote" in err
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert rows and {r["source"] for r in rows} == {"Wire"}
    assert {r["event_date"] for r in rows} == {"2021-08-15"}  # "on Sunday" before 16 August


def test_no_reference_date_warns_and_says_so() -> None:
    code, out, err = _run(str(FILES / "dateline_no_year.txt"), "--format", "json")
    assert code == 0
    assert "no publication date" in err
    records = json.loads(out)
    assert records and all(r["event_date"] == "" for r in records)
    assert all("no publication date" in r["date_text"] for r in records)


def test_errors_are_one_line() -> None:
    for bad in ("missing.txt", "binary.txt", "empty.txt"):
        code, out, err = _run(str(FILES / bad))
        assert code == 2, bad
        assert out == ""
        assert err.startswith("Error: ") and err.count("\n") == 1


def test_an_unexpected_failure_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text("Fighting spread last week.", encoding="utf-8")
    code, out, err = _run(str(article), "--published", "0001-01-01")
    assert code == 2
    assert err.startswith("Error: unexpected ") and len(err.strip().splitlines()) == 1
    assert "Traceback" not in out + err
