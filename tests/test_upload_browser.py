"""The "Upload events" page in Debian's Chromium: choose files, import, read the report, remove."""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from apptab import AppTab
from conflictmap.config import Settings
from conflictmap.store.eventstore import EventStore
from conftest import DATA, AppServer

pytestmark = pytest.mark.browser

UPLOADS = DATA / "uploads"
TOTAL = 15  # events in the app fixture store (tests/appstore.py)


class Tab(AppTab):
    """One tab on the app (see tests/apptab.py) with what these tests need."""

    def grid_rows(self, grid: int, *, columns: int) -> list[list[str]]:
        """The text of data grid number ``grid`` on the page, row by row (grids are canvases:
        their text is in an accessibility table)."""
        rows = self.page.evaluate(
            "([g, n]) => { const t = document.querySelectorAll("
            "'[data-testid=stDataFrame] table')[g]; if (!t) return [];"
            " return [...t.querySelectorAll('tbody tr')].map(r => [...r.querySelectorAll('td')]"
            ".slice(0, n).map(c => c.textContent)); }",
            [grid, columns],
        )
        return [list(map(str, r)) for r in rows]


@pytest.fixture
def tab(app_browser: Any, app_server: AppServer) -> Iterator[Tab]:
    opened = Tab(app_browser, app_server.url + "/upload")
    yield opened
    opened.close()


def _origins(app_server: AppServer) -> set[str]:
    with EventStore.open(Settings.from_env(app_server.env)) as store:
        return set(store.uploads()["origin"])


def test_upload_read_the_report_remove_and_the_map_follows(
    tab: Tab, app_server: AppServer, tmp_path: Path
) -> None:
    page = tab.page
    page.get_by_role("heading", name="Upload events").wait_for(timeout=60_000)
    limit = Settings().max_upload_mb
    assert f"up to {limit:,} MB each" in page.get_by_test_id("stMarkdown").first.inner_text()
    # One plain CSV with a place the gazetteer does not know, one gzipped ACLED export.
    packed = tmp_path / "acled_current.csv.gz"
    packed.write_bytes(gzip.compress((UPLOADS / "acled_current.csv").read_bytes()))
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        [str(UPLOADS / "minimal_place.csv"), str(packed)]
    )
    page.get_by_text("acled_current.csv.gz").first.wait_for(timeout=30_000)
    tab.idle()
    page.get_by_role("button", name="Import", exact=True).click()
    page.get_by_text("Rejected rows").wait_for(timeout=60_000)
    tab.idle()

    alerts = page.get_by_test_id("stAlertContainer").all_inner_texts()
    assert any(
        a.startswith("Imported 3 new events as file:minimal_place.csv; 1 row rejected")
        for a in alerts
    ), alerts
    assert any(a.startswith("Imported 3 new events as file:acled_current.csv.gz.") for a in alerts)
    metrics = page.get_by_test_id("stMetric").all_inner_texts()
    assert [m.split("\n")[0] for m in metrics[:7]] == [
        "Rows read",
        "Accepted",
        "Updated (corrections)",
        "Rejected",
        "Duplicates skipped",
        "Geocoded",
        "Not geocoded",
    ]
    assert [int(m.split("\n")[-1]) for m in metrics[:7]] == [4, 3, 0, 1, 0, 3, 1]
    rejected = tab.grid_rows(0, columns=3)
    assert [r[:2] for r in rejected] == [["5", "location"]]
    assert rejected[0][2].startswith("'Atlantis Nowhere' was not found in the offline gazetteer")
    assert page.get_by_role("button", name="Import", exact=True).is_disabled()
    assert {"file:minimal_place.csv", "file:acled_current.csv.gz"} <= _origins(app_server)
    shot = tab.screenshot("upload_page")
    assert shot.stat().st_size > 30_000

    # Remove the plain file's upload: choose it, confirm, read what was removed.
    box = page.get_by_role("combobox", name="Upload to remove")
    # Scrolling closes the list again: bring the box into view first, as a person would.
    box.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    box.click()
    page.get_by_role("option", name=re.compile(r"^file:minimal_place\.csv")).click()
    tab.idle()
    page.get_by_role("button", name="Remove…").click()
    question = page.get_by_text(re.compile(r"^Remove file:minimal_place\.csv and its 3 events"))
    question.wait_for(timeout=30_000)
    page.get_by_role("button", name="Yes, remove").click()
    done = page.get_by_text("Removed 3 events from file:minimal_place.csv.")
    done.wait_for(timeout=30_000)
    tab.idle()
    assert "file:minimal_place.csv" not in _origins(app_server)
    page.get_by_text("file:minimal_place.csv has been removed since").wait_for(timeout=10_000)
    tab.screenshot("upload_page_removed")

    # The map page counts the gzipped file's events, not the removed ones.
    page.get_by_role("link", name="Map").click()
    count = page.get_by_text(re.compile(r"^\d+ of \d+ events")).first
    count.wait_for(timeout=60_000)
    assert count.inner_text().startswith(f"{TOTAL + 3} of {TOTAL + 3} events")
