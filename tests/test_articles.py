"""Reading articles: text and HTML, metadata beside the file, datelines, and clear errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from conflictmap.errors import InputError
from conflictmap.extract.articles import find_dateline, read_article

FILES = Path(__file__).parent / "data" / "article_files"


def test_dateline_gives_date_and_source() -> None:
    article = read_article(FILES / "dateline_reuters.txt")
    assert article.published == date(2021, 8, 15)
    assert article.source == "Reuters"
    assert article.title == "Taliban enter Kabul"


def test_dateline_without_a_year_gives_no_date() -> None:
    article = read_article(FILES / "dateline_no_year.txt")
    assert article.published is None
    assert article.source == "Reuters"


def test_meta_json_beside_the_file_wins() -> None:
    article = read_article(FILES / "with_meta.txt")
    assert article.published == date(2021, 8, 12)
    assert article.source == "Al Jazeera"
    assert article.title == "Talks resume in Doha"


def test_html_markup_is_stripped() -> None:
    article = read_article(FILES / "page.html")
    assert article.published == date(2021, 8, 8)
    assert article.title == "Clashes in Kunduz"
    assert "Fighting erupted in Kunduz on Sunday" in article.text
    assert "Government forces & Taliban" in article.text
    for hidden in ("var x", "color: red", "Kabul weather", "©"):
        assert hidden not in article.text


def test_windows_1252_text_is_read() -> None:
    assert "Café" in read_article(FILES / "latin1.txt").text


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("missing.txt", "is not a file"),
        ("binary.txt", "is not a text file"),
        ("empty.txt", "has no text"),
        ("bad_meta.txt", "is not YYYY-MM-DD"),
    ],
)
def test_unreadable_articles_raise_one_line(name: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        read_article(FILES / name)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "place", "when", "source"),
    [
        ("KABUL, Aug 12 (Reuters) - Taliban fighters", "KABUL", "Aug 12", "Reuters"),
        ("T\nKYIV, Ukraine, March 2, 2022 (AP) — Russian", "KYIV, Ukraine", "March 2, 2022", "AP"),
        ("MOSCOW (Reuters) - The Kremlin said", "MOSCOW", "", "Reuters"),
        ("Kabul, Afghanistan – A top source", "Kabul, Afghanistan", "", ""),
        ("MAZAR-I-SHARIF, Afghanistan (AP) — Taliban", "MAZAR-I-SHARIF, Afghanistan", "", "AP"),
    ],
)
def test_datelines(text: str, place: str, when: str, source: str) -> None:
    dateline = find_dateline(text)
    assert dateline is not None
    assert (dateline.place, dateline.date_text, dateline.source) == (place, when, source)


@pytest.mark.parametrize(
    "text", ["Title line\nThe Taliban – which took Kabul – said", "Fighting erupted - again."]
)
def test_not_datelines(text: str) -> None:
    assert find_dateline(text) is None


def test_a_cyrillic_article_in_cp1251_reads_like_its_utf8_twin(tmp_path: Path) -> None:
    text = "Обстрел Харькова продолжался всю ночь, сообщили местные власти.\n"
    (tmp_path / "a.txt").write_bytes(text.encode("cp1251"))
    (tmp_path / "b.txt").write_bytes(("\u202e" + text).encode("utf-8"))
    assert read_article(tmp_path / "a.txt").text.strip() == text.strip()
    assert read_article(tmp_path / "b.txt").text.strip() == text.strip()
