"""Shared fixtures: test data paths, the app under `streamlit run`, Chromium, and the CI rule."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conflictmap.store.eventstore import EventStore

TESTS = Path(__file__).parent
DATA = TESTS / "data"
ROOT = TESTS.parent
ARTIFACTS = ROOT / "artifacts"


@pytest.fixture(autouse=True)
def _own_data_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test reads or writes the user's own store (~/.local/share/conflictmap)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.getbasetemp() / "xdg-data"))


def chromium_path() -> str | None:
    """Debian's Chromium, which the browser tests drive (Playwright's own download is not used)."""
    for exe in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if Path(exe).exists():
            return exe
    return shutil.which("chromium")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Under CI=true a skipped browser test is a failed one, however it came to be skipped."""
    report = yield
    if report.skipped and item.get_closest_marker("browser") and _in_ci():
        report.outcome = "failed"
        report.longrepr = f"browser test skipped in CI: {report.longrepr}"
    return report


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def skip_or_fail(reason: str) -> None:
    """Skip a browser test on a developer's machine; under CI=true a skip is a failure."""
    if _in_ci():
        pytest.fail(f"browser test cannot run in CI: {reason}")
    pytest.skip(reason)


# Flags for Debian's Chromium under the tests: root needs --no-sandbox; nothing phones home.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return bool(response.read() == b"ok")
    except OSError:
        return False


@contextmanager
def streamlit_server(env: Mapping[str, str], *, log_path: Path) -> Iterator[str]:
    """`streamlit run app.py` on a free local port with ``env``; yields its URL, then stops it."""
    port = free_port()
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.headless",
                "true",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--browser.gatherUsageStats",
                "false",
                # Other work on the tree must not reload the app under a test.
                "--server.fileWatcherType",
                "none",
            ],
            cwd=ROOT,
            env=dict(env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while not _healthy(url):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@dataclass(frozen=True)
class AppServer:
    """A running app: its URL and the environment (CONFLICTMAP_* settings) it was started with."""

    url: str
    env: dict[str, str]


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """The app under `streamlit run` with a fresh store of the fixture events (one per module)."""
    from appstore import make_app_store  # appstore imports this module: import it late

    root = tmp_path_factory.mktemp("browserapp")
    env = make_app_store(root)
    with streamlit_server(env, log_path=root / "streamlit.log") as url:
        yield AppServer(url, env)


@pytest.fixture(scope="module")
def app_url(app_server: AppServer) -> str:
    """The running app's URL."""
    return app_server.url


@pytest.fixture(scope="module")
def app_browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (skipped without it, failed under CI=true)."""
    exe = chromium_path()
    if exe is None:
        skip_or_fail("Debian's chromium is not installed (make browser)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=exe, args=list(CHROMIUM_ARGS))
        try:
            yield launched
        finally:
            launched.close()


def open_test_store(folder: Path, *, seed: bool = True) -> EventStore:
    """A store in ``folder`` geocoding with the offline gazetteer; with ``seed``, ``folder``'s
    events.csv (if there is one) is imported into it explicitly, once (stores are never seeded
    by themselves)."""
    from conflictmap.config import Settings
    from conflictmap.geo.gazetteer import default_gazetteer
    from conflictmap.geo.geocoders import GazetteerGeocoder
    from conflictmap.ingest.csvio import checksum
    from conflictmap.store.eventstore import EventStore

    gazetteer = default_gazetteer()
    store = EventStore.open(
        Settings(data_dir=folder),
        path=folder / "events.db",
        gazetteer=gazetteer,
        geocoder=GazetteerGeocoder(gazetteer),
    )
    sample = folder / "events.csv"
    if seed and sample.exists() and store.origin_of(checksum(sample).sha256) is None:
        store.import_file(sample)
    return store
