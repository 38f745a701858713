"""Under CI=true a browser test may not be skipped: the rule lives in tests/conftest.py."""

from __future__ import annotations

import pytest

from conftest import TESTS

pytest_plugins = ["pytester"]

SKIPPING = """
import pytest

@pytest.mark.browser
def test_needs_a_browser():
    pytest.skip("no browser here")

def test_other():
    pytest.skip("not a browser test")
"""


@pytest.mark.parametrize(("ci", "failed", "skipped"), [("true", 1, 1), ("", 0, 2)])
def test_a_skipped_browser_test_fails_in_ci(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, ci: str, failed: int, skipped: int
) -> None:
    monkeypatch.setenv("CI", ci)
    pytester.makeconftest((TESTS / "conftest.py").read_text(encoding="utf-8"))
    pytester.makeini("[pytest]\nmarkers =\n    browser: drives Chromium\n")
    pytester.makepyfile(SKIPPING)
    result = pytester.runpytest_subprocess("-p", "no:playwright", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=failed, skipped=skipped)
