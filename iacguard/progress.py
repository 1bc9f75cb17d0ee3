"""A progress bar on stderr for long scans: only when stderr is a terminal, never on stdout
(which may carry JSON or SARIF)."""

from __future__ import annotations

import sys
from typing import TextIO

MIN_UNITS = 20  # below this a scan is over before a bar is worth drawing


class Progress:
    def __init__(self, total: int, stream: TextIO | None = None, label: str = "loading"):
        self.stream = stream if stream is not None else sys.stderr
        self.total = total
        self.done = 0
        self.label = label
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = total >= MIN_UNITS and bool(isatty and isatty())

    def advance(self, count: int = 1) -> None:
        self.done = min(self.total, self.done + count)
        if self.enabled:
            width = 30
            filled = width * self.done // self.total
            self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}")
            self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r" + " " * 60 + "\r")
            self.stream.flush()
