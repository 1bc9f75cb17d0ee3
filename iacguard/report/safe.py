"""Text taken from templates must not be able to forge the output that shows it.

Names, Sids, file names and quoted values come from people the repository owner may not
control. In a terminal, an ESC starts a control sequence that can recolour or erase what the
reviewer sees; CR, NEL and the Unicode line separators start what looks like a new line; bidi
overrides reorder the text on screen. In a GitHub Actions log, a line whose text (after leading
white space) starts with ``::``, or that holds ``##[`` anywhere, is a workflow command: it can
add annotations or ``stop-commands`` the gate's own ones away.

``visible`` escapes those characters where one can see them (``\\x1b``, ``\\u0085``) rather
than dropping them, so a reviewer knows something was there. ``inert_lines`` defuses the
workflow-command markers of a whole rendered output in the notation of its format.
"""

from __future__ import annotations

import re
from ..lazy_regex import lazy_compile

# C0 controls (newline and tab too: every field we print is a single line), DEL, C1 controls
# (NEL is U+0085), the bidi marks, embeddings, overrides and isolates, the Unicode line and
# paragraph separators, the two XML non-characters and lone surrogates (undecodable bytes of
# a file name), which no UTF-8 output can carry.
_UNSAFE = lazy_compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069"
                     "\ud800-\udfff\ufffe\uffff]")


def _escape(match: re.Match) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: object) -> str:
    """``text`` as one line with every control, bidi and separator character escaped visibly."""
    text = text if isinstance(text, str) else str(text)
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text


# A line the Actions runner reads as a command: "::" after leading white space (it trims
# Unicode white space, as str.lstrip does), or the legacy "##[" anywhere in the line.
_COMMAND_START = lazy_compile(r"^(\s*):(?=:)", re.MULTILINE)
_LEGACY_COMMAND = "##["


def inert_lines(text: str, colon: str = "\\x3a", bracket: str = "\\x5b") -> str:
    """``text`` with the first ``:`` of a line-leading ``::`` and the ``[`` of every ``##[``
    written as ``colon`` and ``bracket``: visible escapes for plain text, character references
    for XML and HTML (``&#58;``, ``&#91;``), ``\\u003a``/``\\u005b`` inside JSON strings, which
    leave the parsed values unchanged."""
    if "::" in text:
        text = _COMMAND_START.sub(lambda m: m.group(1) + colon, text)
    return inert_legacy(text, bracket)


def inert_legacy(text: str, bracket: str = "\\x5b") -> str:
    """``text`` with the ``[`` of every legacy ``##[`` command marker written as ``bracket``."""
    return text.replace(_LEGACY_COMMAND, "##" + bracket) if _LEGACY_COMMAND in text else text


def inert_json(text: str) -> str:
    """Serialized JSON made inert for the Actions runner; every value parses as before. Our
    JSON is indented, so no line starts with ``::``; ``##[`` can only be inside a string."""
    return inert_lines(text, "\\u003a", "\\u005b")


def inert_markup(text: str) -> str:
    """XML or HTML made inert with character references (same parsed text)."""
    return inert_lines(text, "&#58;", "&#91;")


_MARKDOWN_SPECIAL = lazy_compile(r"([\\`*_\[\]<>&|~$])")


def markdown_text(text: object) -> str:
    """``text`` as literal inline Markdown (a table cell, a list item): one line, with every
    character that Markdown or the HTML GitHub renders from it would interpret escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(visible(text).split()))
