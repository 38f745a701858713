"""CLI over the store: import exit statuses and reports, uploads, remove, export with filters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conflictmap.cli import main
from conflictmap.models import ACLED_COLUMNS

UPLOADS = Path(__file__).parent / "data" / "uploads"


@pytest.fixture()
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # A data folder and no sample events to seed: each test starts from an empty store.
    monkeypatch.setenv("CONFLICTMAP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CONFLICTMAP_SAMPLE_FILE", str(tmp_path / "no-sample.csv"))
    return tmp_path / "events.db"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    # stdout_bytes: Result.stdout would turn CRLF into LF.
    return result.exit_code, result.stdout_bytes.decode("utf-8"), result.stderr


def test_import_exits_0_when_every_row_is_taken(db: Path) -> None:
    code, out, _ = run("import", str(UPLOADS / "acled_current.csv"), "--db", str(db))
    assert code == 0
    assert "3 rows read, 3 accepted, 0 rejected, 0 duplicates" in out


def test_import_exits_1_and_lists_rejected_rows(db: Path) -> None:
    code, out, _ = run("import", str(UPLOADS / "fatalities.csv"), "--db", str(db))
    assert code == 1
    assert "rejected line 4, fatalities: '2.5' is not a whole number" in out


def test_import_exits_2_for_an_unreadable_file_but_imports_the_others(db: Path) -> None:
    code, out, err = run(
        "import", str(UPLOADS / "random_bytes.csv"), str(UPLOADS / "tabs.csv"), "--db", str(db)
    )
    assert code == 2
    assert "not a text file" in err and "Traceback" not in err + out
    assert "tabs.csv: 2 rows read, 2 accepted" in out


def test_import_json_reports_every_file(db: Path) -> None:
    code, out, _ = run(
        "import",
        str(UPLOADS / "coordinates.csv"),
        str(UPLOADS / "empty.csv"),
        "--db",
        str(db),
        "--json",
    )
    assert code == 2
    reports = json.loads(out)
    assert reports[0]["rows_read"] == 9 and reports[0]["rejected"] == 7
    assert {"line": 6, "column": "latitude"}.items() <= reports[0]["problems"][3].items()
    assert reports[1] == {"file_name": "empty.csv", "error": reports[1]["error"]}
    assert "is empty" in reports[1]["error"]


def test_uploads_and_remove(db: Path) -> None:
    run("import", str(UPLOADS / "acled_current.csv"), str(UPLOADS / "tabs.csv"), "--db", str(db))
    code, out, _ = run("uploads", "--db", str(db))
    assert code == 0 and "file:acled_current.csv" in out and "file:tabs.csv" in out
    code, out, _ = run("remove", "file:tabs.csv", "--db", str(db))
    assert code == 0 and "2 events" in out
    code, _, err = run("remove", "file:tabs.csv", "--db", str(db))
    assert code == 2 and "no upload with origin 'file:tabs.csv'" in err


def test_export_filters_and_formats(db: Path, tmp_path: Path) -> None:
    run(
        "import",
        str(UPLOADS / "acled_current.csv"),
        str(UPLOADS / "coordinates.csv"),
        "--db",
        str(db),
    )
    out_csv = tmp_path / "out.csv"
    code, _, _ = run(
        "export",
        "--db",
        str(db),
        "--since",
        "2021-08-12",
        "--country",
        "Afghanistan",
        "-o",
        str(out_csv),
    )
    assert code == 0
    lines = out_csv.read_text(encoding="utf-8").splitlines()
    assert lines[0].split(",")[:31] == list(ACLED_COLUMNS)
    assert len(lines) == 1 + 3  # AFG50001, AFG50002 and the Kabul row; not Brazil, not 8 August
    code, out, _ = run(
        "export", "--db", str(db), "--format", "geojson", "--admin1", "Kunduz", "-o", "-"
    )
    features = json.loads(out)["features"]
    assert [f["properties"]["event_id_cnty"] for f in features] == ["AFG50003"]
    code, out, _ = run("export", "--db", str(db), "--event-type", "Protests", "-o", "-")
    assert out.count("\r\n") == 2 and "AFG50002" in out  # CRLF kept on standard output too


def test_import_progress_goes_to_stderr_a_line_a_quarter_after_five_seconds(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from conflictmap import cli

    clock = iter([0.0, 1.0, 6.0, 7.0, 8.0, 9.0])
    monkeypatch.setattr(cli.time, "monotonic", lambda: next(clock))
    progress = cli._ProgressLine("big.csv")  # started at 0 s; stderr is no terminal here
    progress(0.1, "Writing events: 2,000 rows done")  # 1 s: too soon to say anything
    progress(0.3, "Writing events: 6,000 rows done")  # 6 s: a quarter is passed
    progress(0.4, "Writing events: 8,000 rows done")  # same quarter: nothing new
    progress(1.0, "Done")
    progress.close()
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "big.csv: 30% Writing events: 6,000 rows done",
        "big.csv: 100% Done",
    ]
