"""What a YAML template's values carry besides their content (key lines, end lines, problems),
and the limits of reading one.

Apart from the YAML reader (``cfn_yaml``) so that the CloudFormation loader can tell these values
apart without importing PyYAML: a JSON template never needs it.
"""

from __future__ import annotations

from typing import Any

from ..errors import InputError
from ..values import PDict, PList

# Refuse documents whose aliases would expand to more than this many extra nodes (billion laughs).
MAX_ALIAS_NODES = 10_000
# Refuse mappings/sequences nested deeper than this.
MAX_DEPTH = 200


class YamlDict(PDict):
    """A PDict read from YAML that also knows where each key is and where the block ends.

    The document's root mapping may also carry ``problems``: errors found while reading that
    did not stop the read (an unsupported tag, whose value was read as ``Unknown``). Read it
    with ``document_problems``."""

    __slots__ = ("key_lines", "end_line", "problems")
    problems: list  # set only on a root mapping with problems

    def __init__(self, line: int = 0):
        super().__init__(line=line)
        self.key_lines: dict[str, int] = {}
        self.end_line = line


class YamlList(PList):
    __slots__ = ("end_line",)

    def __init__(self, line: int = 0):
        super().__init__(line=line)
        self.end_line = line


def document_problems(document: Any) -> list[InputError]:
    """Errors recorded while reading a YAML document that still yielded a value."""
    return list(getattr(document, "problems", None) or ())
