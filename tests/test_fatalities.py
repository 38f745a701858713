"""Deaths in a sentence, number words included, ACLED's conservative reading."""

from __future__ import annotations

import pytest

from conflictmap.extract.events import find_fatalities


@pytest.mark.parametrize(
    ("sentence", "deaths"),
    [
        ("Twenty-five people were killed when the market was shelled.", 25),
        ("The offensive killed three hundred soldiers in a week.", 300),
        ("Two dozen villagers died in the raid.", 24),
        ("A hundred and twenty people were killed in the siege.", 120),
        ("Gunmen killed a policeman at the checkpoint.", 1),
        ("Dozens of people were killed in the clashes.", 12),
        ("The convoy was hit on March 14, killing 6 people.", 6),
        ("One of the guards was wounded.", 0),
        ("No one was killed in the blast.", 0),
    ],
)
def test_deaths(sentence: str, deaths: int) -> None:
    assert find_fatalities(sentence) == deaths
