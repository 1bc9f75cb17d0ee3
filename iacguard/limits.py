"""Per-file resource limits that keep a hostile input from hanging the gate.

Size, nesting, alias expansion, module depth and instance counts are enforced inside the
loaders (they know where in the file the limit was hit); ``ScanLimits`` carries the settings
to them. This module adds the JSON nesting pre-check shared by templates, plans and
``.tf.json``, and the one limit a loader cannot enforce on itself: wall-clock time per file.
"""

from __future__ import annotations

import re
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, fields
from types import FrameType
from typing import TYPE_CHECKING, Callable, ContextManager, Iterator

from .errors import InputError
from .lazy_regex import lazy_compile

if TYPE_CHECKING:
    from .settings import Settings

DEFAULT_MAX_DEPTH = 200
# A JSON string literal (unrolled loop: linear time on long strings).
_JSON_STRING = lazy_compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_JSON_BRACKET = lazy_compile(r"[\[\]{}]")


def check_json_depth(text: str, file: str, max_depth: int = DEFAULT_MAX_DEPTH) -> None:
    """Refuse JSON nested deeper than ``max_depth`` before a recursive scanner sees it, with
    the line of the first container past the limit."""
    without_strings = _JSON_STRING.sub('""', text)
    depth = 0
    for match in _JSON_BRACKET.finditer(without_strings):
        if match.group() in "[{":
            depth += 1
            if depth > max_depth:
                line = without_strings.count("\n", 0, match.start()) + 1
                raise InputError(f"nesting deeper than {max_depth} levels; raise the limit with "
                                 "--max-nesting-depth", file=file, line=line)
        else:
            depth -= 1


class DeadlineExceeded(Exception):
    """The work under ``deadline`` ran out of time."""


class _Expired(BaseException):
    """Raised by the alarm handler of one timer (``owner``). A BaseException so that no loader's
    or check's ``except Exception`` can swallow it and carry on past the deadline."""

    def __init__(self, owner: object) -> None:
        super().__init__()
        self.owner = owner


def time_limit_supported() -> bool:
    """SIGALRM timers exist only on Unix and fire only in the main thread."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def _timer(seconds: float, expired: Callable[[], Exception]) -> Iterator[None]:
    """Raise ``expired()`` when the enclosed work runs past ``seconds``. Timers nest: an inner
    one never moves an outer one's end (the hook's deadline around a file's time limit), and
    when the outer ends first, the outer one is what expires."""
    if seconds <= 0 or not time_limit_supported():
        yield
        return
    owner = object()
    started = time.monotonic()
    previous = signal.getsignal(signal.SIGALRM)
    outer_left = signal.getitimer(signal.ITIMER_REAL)[0] if callable(previous) else 0.0
    outer_first = 0 < outer_left <= seconds
    state = {"armed": True, "outer_expired": False}

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        if not state["armed"]:  # the alarm may land just after the work finished
            return
        state["armed"] = False
        if outer_first:
            state["outer_expired"] = True
            previous(signum, frame)  # type: ignore[operator,misc]  # raises the outer timer's _Expired
            return
        raise _Expired(owner)

    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, outer_left if outer_first else seconds)
    try:
        try:
            yield
        finally:
            state["armed"] = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            if outer_left and not state["outer_expired"]:  # what is left of the outer timer
                signal.setitimer(signal.ITIMER_REAL, max(outer_left - (time.monotonic() - started), 0.001))
    except _Expired as exc:
        if exc.owner is not owner:
            raise
        raise expired() from None


def deadline(seconds: float) -> ContextManager[None]:
    """Raise DeadlineExceeded when the enclosed work runs past ``seconds`` (<= 0: no deadline;
    unbounded where timers are unavailable)."""
    return _timer(seconds, lambda: DeadlineExceeded(f"not finished within {seconds:g} seconds"))


def time_limit(seconds: float, file: str, doing: str = "reading") -> ContextManager[None]:
    """Stop the enclosed work after ``seconds`` and raise InputError naming ``file``; ``doing``
    says what took too long (reading, analysing).

    ``seconds`` <= 0 disables the limit. Where timers are unavailable (Windows, worker threads)
    the work runs unbounded; the other limits still apply there.
    """
    return _timer(seconds, lambda: InputError(f"{doing} this file took longer than the limit of {seconds:g} "
                                              "seconds; raise it with --max-seconds-per-file", file=file))


@dataclass(frozen=True)
class ScanLimits:
    """The limits one load needs, small and picklable so worker processes get them too."""

    max_nesting_depth: int = DEFAULT_MAX_DEPTH
    max_alias_nodes: int = 10_000
    max_module_depth: int = 20
    max_instances: int = 1000
    max_seconds_per_file: float = 10
    max_file_size: int = 20 * 1024 * 1024  # files discovery did not see (nested stack templates)

    @classmethod
    def from_settings(cls, settings: Settings) -> "ScanLimits":
        return cls(**{f.name: getattr(settings, f.name) for f in fields(cls)})
