"""Which encoding text bytes are in (UTF-8 ± BOM, UTF-16 with BOM, Windows code pages).

One place decides this for uploads and for articles: ``decode_text`` for bytes held whole,
``guess_encoding`` for a file read in pieces (it looks at the start; the caller checks the rest).
"""

from __future__ import annotations

import codecs
import re

from conflictmap.errors import InputError

# How much of the bytes the encoding and the text-or-binary verdict are judged from.
SAMPLE_BYTES = 64 * 1024
# The legacy code pages our users' files come in: Western, Cyrillic, Arabic script (Dari,
# Pashto), Central European, Greek, Turkish. charset-normalizer picks among these only:
# on short samples an open choice lands on exotic Mac and DOS pages.
CODE_PAGES = ("cp1252", "cp1251", "cp1256", "cp1250", "cp1253", "cp1254")
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# Bidirectional embedding, override and isolate controls: in a cell they reverse or reorder
# what follows on the page (U+202E turns "gpj.exe" into "exe.jpg"). Marks (U+200E, U+200F)
# only nudge neutral characters and are kept.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def guess_encoding(sample: bytes, *, name: str, whole: bool = False) -> str:
    """The Python codec for bytes that start with ``sample``: 'utf-8-sig', 'utf-16', 'utf-8'
    or one of CODE_PAGES.

    ``whole=True`` says the sample is all the bytes (no character is cut at its end).
    Raises InputError for bytes that are not text: NUL-heavy or control-heavy binary data.
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith(_UTF16_BOMS):
        return "utf-16"
    head = sample[:SAMPLE_BYTES]
    # A NUL here and there is a damaged cell (reported with its row); many are binary data,
    # or UTF-16 without its byte-order mark.
    if head.count(0) > 0.05 * len(head):
        raise InputError(
            f"{name!r} is not a text file (it is full of NUL bytes: binary data, or UTF-16 "
            "without a byte-order mark); upload a CSV file saved as UTF-8"
        )
    if is_utf8(sample if whole else head, final=whole):
        return "utf-8"
    # Not UTF-8: a NUL or many control bytes say binary (code pages have no NUL in text).
    if 0 in head:
        raise InputError(f"{name!r} is not a text file (it contains NUL bytes); upload a CSV file")
    if _control_share(head) > 0.01:
        raise InputError(f"{name!r} is not a text file (too many control bytes); upload a CSV file")
    return code_page(head, name=name)


def is_utf8(data: bytes, *, final: bool = True) -> bool:
    """True when ``data`` is valid UTF-8 (``final=False``: a character cut at the end is fine)."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=final)
    except UnicodeDecodeError:
        return False
    return True


def code_page(sample: bytes, *, name: str) -> str:
    """The Windows code page ``sample`` reads best in (charset-normalizer, among CODE_PAGES)."""
    from charset_normalizer import from_bytes

    best = from_bytes(sample, cp_isolation=list(CODE_PAGES)).best()
    if best is None:
        raise InputError(
            f"{name!r} is in no text encoding we know (UTF-8, UTF-16, Windows code pages); "
            "save it again as UTF-8"
        )
    return str(best.encoding)


def decode_text(raw: bytes, *, name: str) -> tuple[str, str]:
    """Bytes held whole → (text, encoding). Raises InputError when they are not text."""
    encoding = guess_encoding(raw, name=name, whole=True)
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{name!r} is not valid {encoding} (byte {exc.start:,}); save it again as UTF-8"
        ) from exc
    return text.removeprefix("\ufeff"), encoding


def without_bidi_controls(text: str) -> str:
    """``text`` without the controls that reverse or reorder what follows it when shown."""
    return BIDI_CONTROLS.sub("", text)


def _control_share(raw: bytes) -> float:
    if not raw:
        return 0.0
    controls = sum(raw.count(bytes((b,))) for b in range(32) if b not in (9, 10, 13))
    return controls / len(raw)
