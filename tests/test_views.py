"""The per-version view: built from the store (ADBC in a child, or sqlite3) as from a frame."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conflictmap.app import table
from conflictmap.app.filters import Filters, filter_choices, select
from conflictmap.config import Settings
from conflictmap.store import dateperiods, rowsource
from conflictmap.store.eventstore import EventStore
from conflictmap.store.views import NO_DAY
from conftest import DATA

FIXTURE = DATA / "app" / "events.csv"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "events.db"
    with EventStore.open(Settings(db_path=path)) as store:
        store.import_file(FIXTURE)
    return path


@pytest.mark.parametrize("reader", ["arrow", "sqlite"])
def test_the_store_view_holds_what_the_store_does(
    db: Path, reader: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if reader == "sqlite":
        monkeypatch.setattr(rowsource, "_read_arrow", lambda path: None)
    else:
        monkeypatch.setattr(rowsource, "SMALL_STORE_BYTES", 0)
    view = rowsource.store_view(db)
    with EventStore.open(Settings(db_path=db)) as store:
        assert view.label == store.version()
        frame = store.events()
    assert len(view) == len(frame)
    assert sorted(view.text("admin1", np.arange(len(view)))) == sorted(frame["admin1"])
    assert int(view.fatalities.sum()) == pd.to_numeric(frame["fatalities"]).sum()
    assert (view.day != NO_DAY).all()
    # The "in 2015" event is dated to its year; the choices are those of the frame's view.
    assert dateperiods.YEAR in set(view.period.tolist())
    assert filter_choices(view) == filter_choices(frame)


def test_rows_come_back_by_id_in_the_order_asked(db: Path) -> None:
    view = rowsource.store_view(db)
    order = table.sort_positions(view, np.arange(len(view)), key="fatalities")
    rows = view.source.rows(order, ("fatalities", "location"))
    assert rows["fatalities"].tolist() == sorted(rows["fatalities"].tolist(), reverse=True)
    assert view.source.search("stormed").sum() == 1
    exported = pd.concat(list(rowsource.export_chunks(view, order)))
    assert len(exported) == len(view)


def test_pages_reach_every_event() -> None:
    frame = pd.concat([pd.read_csv(FIXTURE, dtype=str, keep_default_na=False)] * 20)
    view = rowsource.frame_view(frame)
    shown = select(view, Filters())
    ordered = table.sort_positions(view, shown, key="date", descending=False)
    pages = table.page_count(len(ordered), per_page=40)
    assert pages == 8
    seen = pd.concat([table.page_rows(view, ordered, p, per_page=40) for p in range(1, pages + 1)])
    assert len(seen) == len(frame)
    assert seen["event_date"].iloc[0] == "2015"
