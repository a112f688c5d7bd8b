"""RTF text escapes: ``\\'e9`` (a byte of the document's code page) and ``\\u233?``
(a Unicode character with its fallback). Read as characters so text can be searched,
written back as escapes so the document stays 7-bit RTF.

The code page is the one the document declares in its header (``\\ansicpg1251``
for Cyrillic, ``\\ansicpg1250`` for Central European...), else Windows-1252, what
RTF writers use by default: a name written in Cyrillic bytes must read as the same
Cyrillic name the message's structured fields hold, or it could not be found.
"""

from __future__ import annotations

import re
from typing import Final

_HEX_ESCAPE: Final = re.compile(r"\\'([0-9a-fA-F]{2})")
_UNICODE_ESCAPE: Final = re.compile(r"\\u(-?\d{1,6}) ?(?:\\'[0-9a-fA-F]{2}|\?)?")
_NON_ASCII: Final = re.compile(r"[^\x00-\x7f]")
_CODE_PAGE_WORD: Final = re.compile(r"\\ansicpg(\d{3,5})(?![0-9])")
CODE_PAGE: Final = "cp1252"  # \ansicpg1252, the default
# Windows and DOS single-byte code pages Python has codecs for.
_SINGLE_BYTE_PAGES: Final = frozenset(
    {437, 737, 775, 850, 852, 855, 857, 858, 860, 861, 862, 863, 864, 865, 866, 869, 874}
    | {1125, 1250, 1251, 1252, 1253, 1254, 1255, 1256, 1257, 1258}
)


def code_page(rtf: str) -> str:
    """The Python codec of the code page ``rtf`` declares (``\\ansicpgN``) when it is
    a single-byte one, else Windows-1252. ``\\'hh`` stands for one byte: multi-byte
    code pages (932, 936...) would need pairs of escapes read together."""
    declared = _CODE_PAGE_WORD.search(rtf)
    if declared is None or int(declared.group(1)) not in _SINGLE_BYTE_PAGES:
        return CODE_PAGE
    return f"cp{int(declared.group(1))}"


def _unicode(match: re.Match[str]) -> str:
    number = int(match.group(1))
    number += 65536 if number < 0 else 0  # RTF writes code points over 32767 as negatives
    return chr(number) if 0 < number < 0x110000 and not 0xD800 <= number < 0xE000 else ""


def read_escapes(rtf: str) -> str:
    """``rtf`` with its character escapes as the characters they stand for."""
    if "\\'" in rtf:
        page = code_page(rtf)
        rtf = _HEX_ESCAPE.sub(lambda m: bytes.fromhex(m.group(1)).decode(page, "replace"), rtf)
    if "\\u" in rtf:
        rtf = _UNICODE_ESCAPE.sub(_unicode, rtf)
    return rtf


def _escaped(char: str, page: str) -> str:
    try:
        return f"\\'{char.encode(page)[0]:02x}"
    except UnicodeEncodeError:
        pass
    code = ord(char)
    units = (
        [code]
        if code < 0x10000
        else [0xD800 + ((code - 0x10000) >> 10), 0xDC00 + ((code - 0x10000) & 0x3FF)]
    )
    return "".join(f"\\u{u if u < 32768 else u - 65536}?" for u in units)


def write_escapes(text: str) -> str:
    """``text`` with every non-ASCII character written as an RTF escape, in the
    code page the document declares."""
    if text.isascii():
        return text
    page = code_page(text)
    return _NON_ASCII.sub(lambda m: _escaped(m.group(), page), text)
