"""JSON parsing that keeps the line of every object and array.

Used for JSON CloudFormation templates, heredoc and file() policies in Terraform, and JSON
strings embedded in templates, so a policy statement can be reported at its own line.
Built on the standard library's pure-Python scanner with our own object/array hooks: the
hooks receive the offset where each container starts, which we turn into a line number.
"""

from __future__ import annotations

import bisect
import json
import json.decoder
import json.scanner
from typing import Any

from .values import PDict, PList
from .lazy_regex import lazy_compile

_NEWLINE = lazy_compile("\n")


class PositionedDecoder(json.JSONDecoder):
    def __init__(self, text: str, first_line: int, file: str | None = None):
        super().__init__()
        self._file = file
        self._newlines = [m.start() for m in _NEWLINE.finditer(text)]  # per line, not per character
        self._first_line = first_line
        self.parse_object = self._object
        self.parse_array = self._array
        self.memo: dict = {}
        self.parse_constant = _not_json
        self.scan_once = json.scanner.py_make_scanner(self)  # type: ignore[attr-defined]  # not in the stubs

    def _line(self, offset: int) -> int:
        return self._first_line + bisect.bisect_left(self._newlines, offset)

    def _object(self, s_and_end, strict, scan_once, object_hook, object_pairs_hook, memo=None,
                _w=json.decoder.WHITESPACE.match):
        start = s_and_end[1] - 1  # the scanner has already consumed '{'
        pairs, end = json.decoder.JSONObject(s_and_end, strict, scan_once, None, list, self.memo, _w)
        value = PDict(pairs, line=self._line(start))
        value.file = self._file
        if len(value) != len(pairs):
            seen: set = set()
            for key, _ in pairs:
                if key in seen:
                    # a duplicate key silently hides the first value (a policy statement, say)
                    raise json.JSONDecodeError(f"duplicate key {key!r}", s_and_end[0], start)
                seen.add(key)
        return value, end

    def _array(self, s_and_end, scan_once, _w=json.decoder.WHITESPACE.match):
        values, end = json.decoder.JSONArray(s_and_end, scan_once, _w)
        return PList(values, line=self._line(s_and_end[1] - 1)), end


def loads_positioned(text: str, first_line: int = 1, file: str | None = None) -> Any:
    """Parse JSON text; dicts become PDict and lists PList with 1-based lines.

    ``first_line`` is the line of the text's first character in its file (for JSON embedded
    in a heredoc or a YAML block); ``file``, when given, is recorded on each dict
    (``PDict.file``). Raises ``json.JSONDecodeError`` like ``json.loads``.
    """
    decoder = PositionedDecoder(text, first_line, file)
    try:
        value, end = decoder.raw_decode(text, _skip_ws(text))
    except _NonStandardConstant as exc:
        found = _CONSTANT.search(text)
        raise json.JSONDecodeError(f"{exc} is not JSON (CloudFormation, Terraform and IAM reject it)",
                                   text, found.start() if found else 0) from None
    rest = _skip_ws(text, end)
    if rest != len(text):
        raise json.JSONDecodeError("Extra data", text, rest)
    return value


class _NonStandardConstant(ValueError):
    pass


_CONSTANT = lazy_compile(r'(?<![\w"])(?:-?Infinity|NaN)(?![\w"])')


def _not_json(name: str) -> Any:
    raise _NonStandardConstant(name)


def _skip_ws(text: str, pos: int = 0) -> int:
    return json.decoder.WHITESPACE.match(text, pos).end()  # type: ignore[attr-defined]
