"""Free text inside HTML or XML (an HL7v2 ED payload of subtype HTML, XML or CDA).

Text nodes and attribute values (quoted or not) are scrubbed with their character references
decoded (``Z&eacute;phyrina``, ``&#x51;uill``), CDATA sections as they are;
comments are removed (nobody reads them, anything can hide in them); attributes
that only shape the page keep their values. The scan is linear in the length of
the markup: every ``<`` and ``>`` is looked at once, however the tags nest or
fail to close.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Final

# One attribute: name, "=", a value in double quotes, single quotes or none (HTML
# allows ``<td title=Quillfeather>``; an unquoted value runs to whitespace or
# ``>``, "=" included, as browsers read it).
_ATTRIBUTE: Final = re.compile(r"""(\s[\w:.-]+\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'>][^\s>]*))""")
_ATTRIBUTE_NAME: Final = re.compile(r"\s([\w:.-]+)")
LAYOUT_ATTRIBUTES: Final = frozenset(
    {"xmlns", "class", "style", "id", "lang", "xml:lang", "dir", "colspan", "rowspan", "span"}
    | {"width", "height", "align", "valign", "border", "cellpadding", "cellspacing", "scope"}
)


def scrub_markup(markup: str, scrub: Callable[[str], str]) -> str:
    """``markup`` with its text and attribute values passed through ``scrub``."""
    out: list[str] = []
    i, n = 0, len(markup)
    gt = -1  # the first ">" at or after the current tag's start (n when there is none)
    while i < n:
        lt = markup.find("<", i)
        if lt < 0:
            out.append(_text(markup[i:], scrub))
            break
        if lt > i:
            out.append(_text(markup[i:lt], scrub))
        if markup.startswith("<!--", lt):
            end = markup.find("-->", lt + 4)
            i = n if end < 0 else end + 3
            continue
        if markup.startswith("<![CDATA[", lt):
            end = markup.find("]]>", lt + 9)
            stop = n if end < 0 else end
            out.append("<![CDATA[" + scrub(markup[lt + 9 : stop]) + "]]>")
            i = stop + 3
            continue
        if gt < lt:
            found = markup.find(">", lt + 1)
            gt = n if found < 0 else found
        following = markup.find("<", lt + 1)
        if gt == n or 0 <= following < gt:  # a "<" that opens no tag: text
            stop = n if following < 0 else following
            out.append(_text(markup[lt:stop], scrub))
            i = stop
            continue
        out.append(_ATTRIBUTE.sub(lambda m: _attribute(m, scrub), markup[lt : gt + 1]))
        i = gt + 1
    return "".join(out)


def _text(escaped: str, scrub: Callable[[str], str]) -> str:
    if not escaped.strip():
        return escaped
    text = html.unescape(escaped)
    outcome = scrub(text)
    return escaped if outcome == text else html.escape(outcome, quote=False)


def _attribute(match: re.Match[str], scrub: Callable[[str], str]) -> str:
    name = _ATTRIBUTE_NAME.match(match.group(1))
    if name is not None and name.group(1).lower() in LAYOUT_ATTRIBUTES:
        return match.group(0)
    quote = "'" if match.group(3) is not None else '"'  # an unquoted value gets quotes
    escaped = next(value for value in match.group(2, 3, 4) if value is not None)
    text = html.unescape(escaped)
    outcome = scrub(text)
    if outcome == text:
        return match.group(0)
    return match.group(1) + quote + html.escape(outcome, quote=True) + quote
