"""Uploads: every sample file under tests/data/uploads/ against its expected report."""

from __future__ import annotations

import gzip
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
SAMPLES = sorted(p for p in UPLOADS.iterdir() if p.is_file() and not p.name.endswith(".json"))
COUNTS = (
    "rows_read",
    "accepted",
    "updated",
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
    assert report.rows_read == (
        report.accepted + report.updated + report.rejected + report.duplicates
    )
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


def _same_rows_other_bytes(sample: Path, encoding: str) -> bytes:
    """The sample's rows with a blank line after them: other bytes, so no checksum shortcut."""
    raw = sample.read_bytes()
    gzipped = raw.startswith(b"\x1f\x8b")
    if gzipped:
        raw = gzip.decompress(raw)
    codec = {"utf-16": "utf-16-le" if raw.startswith(b"\xff\xfe") else "utf-16-be"}.get(
        encoding, encoding.removesuffix("-sig")
    )
    raw += "\n".encode(codec)
    return gzip.compress(raw) if gzipped else raw


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_sample_twice_adds_nothing_the_second_time(sample: Path, tmp_path: Path) -> None:
    store = open_test_store(tmp_path)
    if "error" in expected_for(sample):
        for _ in range(2):
            with pytest.raises(InputError):
                store.import_file(sample, today=TODAY)
        assert len(store) == 0 and store.uploads().empty
        return
    first = store.import_file(sample, today=TODAY)
    before = store.events(acled=True)
    again = store.import_file(sample, today=TODAY)
    other = store.import_file(
        _same_rows_other_bytes(sample, first.encoding), file_name=sample.name, today=TODAY
    )
    for second in (again, other):
        assert (second.accepted, second.updated) == (0, 0), second.updates
        assert second.rows_read == first.rows_read
        assert second.rejected == first.rejected
        assert second.duplicates == first.rows_read - first.rejected
        assert [(p.line, p.column) for p in second.problems] == [
            (p.line, p.column) for p in first.problems
        ]
    if first.accepted:
        assert again.already_imported == first.origin
    else:
        assert not again.already_imported, "nothing was stored, so nothing was imported before"
    # Every repeat of the other bytes names its line and a stored event (or an earlier line).
    assert len({r.line for r in other.repeats}) == other.duplicates
    stored = set(before["event_id_cnty"])
    assert all(r.event_id in stored for r in other.repeats)
    pd.testing.assert_frame_equal(store.events(acled=True), before)
    assert len(store.uploads()) == (1 if first.accepted or first.updated else 0)
