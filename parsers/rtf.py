"""RTF text escapes: ``\\'e9`` (a byte of the document's code page) and ``\\u233?``
(a Unicode character with its fallback). Read as characters so text can be searched,
written back as escapes so the document stays 7-bit RTF."""

from __future__ import annotations

import re
from typing import Final

_HEX_ESCAPE: Final = re.compile(r"\\'([0-9a-fA-F]{2})")
_UNICODE_ESCAPE: Final = re.compile(r"\\u(-?\d{1,6}) ?(?:\\'[0-9a-fA-F]{2}|\?)?")
_NON_ASCII: Final = re.compile(r"[^\x00-\x7f]")
CODE_PAGE: Final = "cp1252"  # \ansicpg1252, what RTF writers use by default


def _unicode(match: re.Match[str]) -> str:
    number = int(match.group(1))
    number += 65536 if number < 0 else 0  # RTF writes code points over 32767 as negatives
    return chr(number) if 0 < number < 0x110000 and not 0xD800 <= number < 0xE000 else ""


def read_escapes(rtf: str) -> str:
    """``rtf`` with its character escapes as the characters they stand for."""
    if "\\'" in rtf:
        rtf = _HEX_ESCAPE.sub(lambda m: bytes.fromhex(m.group(1)).decode(CODE_PAGE, "replace"), rtf)
    if "\\u" in rtf:
        rtf = _UNICODE_ESCAPE.sub(_unicode, rtf)
    return rtf


def _escaped(char: str) -> str:
    try:
        return f"\\'{char.encode(CODE_PAGE)[0]:02x}"
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
    """``text`` with every non-ASCII character written as an RTF escape."""
    return _NON_ASCII.sub(lambda m: _escaped(m.group()), text) if not text.isascii() else text
