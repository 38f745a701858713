"""A browser tab on the running app for the browser tests: records what leaves localhost."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from conftest import ARTIFACTS

LOCAL = ("http://127.0.0.1", "http://localhost", "data:", "blob:", "about:")
MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"


class AppTab:
    """One tab on the app, recording requests that leave localhost and any JS dialog."""

    def __init__(self, browser: Any, url: str) -> None:
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000})
        self.outside: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("request", self._request)
        self.page.on("dialog", self._dialog)
        self.page.goto(url)

    def _request(self, request: Any) -> None:
        if not request.url.startswith(LOCAL):
            self.outside.append(request.url)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def idle(self) -> None:
        """Wait until Streamlit has run the script to the end (and stays so for half a second)."""
        app = self.page.locator("[data-testid=stApp]")
        deadline = time.monotonic() + 60
        still_since = None
        while time.monotonic() < deadline:
            if app.get_attribute("data-test-script-state") == "notRunning":
                still_since = still_since or time.monotonic()
                if time.monotonic() - still_since >= 0.5:
                    return
            else:
                still_since = None
            self.page.wait_for_timeout(100)
        raise AssertionError("the app kept running for a minute")

    def screenshot(self, name: str) -> Path:
        """The whole page: Streamlit scrolls inside its own container, so grow the window."""
        height = self.page.evaluate(
            "() => Math.max(...[...document.querySelectorAll("
            "'[data-testid=stMain], [data-testid=stMainBlockContainer]')]"
            ".map(e => e.scrollHeight), 800)"
        )
        self.page.set_viewport_size({"width": 1400, "height": min(int(height) + 60, 8000)})
        self.page.wait_for_timeout(1_500)
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.page.set_viewport_size({"width": 1400, "height": 1000})
        return path

    def close(self) -> None:
        assert self.outside == [], f"requests left localhost: {self.outside}"
        assert self.dialogs == [], f"a dialog opened: {self.dialogs}"
        self.page.close()
