"""Uploads: every sample file under tests/data/uploads/ against its expected report."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from conflictmap.errors import InputError
from conftest import open_test_store

UPLOADS = Path(__file__).parent / "data" / "uploads"
TODAY = date(2025, 6, 1)
SAMPLES = sorted(p for p in UPLOADS.iterdir() if not p.name.endswith(".json"))
COUNTS = (
    "rows_read",
    "accepted",
    "rejected",
    "duplicates",
    "duplicates_in_file",
    "geocoded",
    "not_geocoded",
    "blank_rows",
)


def expected_for(sample: Path) -> dict[str, Any]:
    stem = sample.name.removesuffix(".gz").removesuffix(".csv")
    return json.loads((UPLOADS / f"{stem}.expected.json").read_text(encoding="utf-8"))


def matches(row: pd.Series, wanted: dict[str, Any]) -> bool:
    for column, value in wanted.items():
        got = row.get(column)
        if isinstance(value, float):
            if got is None or not math.isclose(float(got), value, abs_tol=1e-6):
                return False
        elif got != value:
            return False
    return True


def test_every_sample_has_an_expected_report() -> None:
    assert SAMPLES, "no samples"
    for sample in SAMPLES:
        assert expected_for(sample)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_sample_gives_its_expected_report(sample: Path, tmp_path: Path) -> None:
    expected = expected_for(sample)
    store = open_test_store(tmp_path)
    if "error" in expected:
        with pytest.raises(InputError, match=expected["error"]):
            store.import_file(sample, today=TODAY)
        assert len(store) == 0
        assert store.uploads().empty
        return
    report = store.import_file(sample, today=TODAY)
    assert {c: getattr(report, c) for c in COUNTS} == {c: expected[c] for c in COUNTS}
    assert report.rows_read == report.accepted + report.rejected + report.duplicates
    assert report.rejected == len({p.line for p in report.problems})
    got = [(p.line, p.column) for p in report.problems]
    assert got == [(line, column) for line, column, _ in expected["problems"]]
    for problem, (_, _, reason) in zip(report.problems, expected["problems"], strict=True):
        assert reason in problem.reason
    for key in ("encoding", "delimiter"):
        if key in expected:
            assert getattr(report, key) == expected[key]
    events = store.events(acled=True)
    assert len(events) == report.accepted
    for wanted in expected["events"]:
        assert any(matches(row, wanted) for _, row in events.iterrows()), wanted


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_sample_twice_adds_nothing_the_second_time(sample: Path, tmp_path: Path) -> None:
    if "error" in expected_for(sample):
        return
    store = open_test_store(tmp_path)
    first = store.import_file(sample, today=TODAY)
    before = store.events(acled=True)
    second = store.import_file(sample, today=TODAY)
    assert second.accepted == 0
    assert second.duplicates == first.accepted + first.duplicates
    assert second.already_imported == first.origin or first.accepted == 0
    pd.testing.assert_frame_equal(store.events(acled=True), before)
    assert len(store.uploads()) == (1 if first.accepted else 0)
