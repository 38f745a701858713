"""Shared fixtures: paths to test data, and the rule that browser tests may not be skipped in CI."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
DATA = TESTS / "data"
ROOT = TESTS.parent
ARTIFACTS = ROOT / "artifacts"


def chromium_path() -> str | None:
    """Debian's Chromium, which the browser tests drive (Playwright's own download is not used)."""
    for exe in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if Path(exe).exists():
            return exe
    return shutil.which("chromium")


def skip_or_fail(reason: str) -> None:
    """Skip a browser test on a developer's machine; under CI=true a skip is a failure."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser test cannot run in CI: {reason}")
    pytest.skip(reason)
