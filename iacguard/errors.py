"""The project's own error type: every problem a user can cause ends up as one of these."""

from __future__ import annotations


class IacguardError(Exception):
    """An input problem that names where it happened.

    ``file`` is the path as the user should see it (relative to the scan root where possible),
    ``line`` is 1-based when known. ``kind`` is the error's kind in the reports.
    """

    kind = "input"

    def __init__(self, message: str, file: str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "") + ": "
        return where + self.message

    def as_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "message": self.message}


class InputError(IacguardError):
    """A file that looks like IaC but cannot be parsed or resolved."""

    # of an unresolved value: the inputs (Origins) it comes from; None when one of them is not known
    inputs: tuple | None = ()


class InternalError(InputError):
    """A bug of iacguard's met while reading or analysing one part of the input (an exception
    in one expression, one resource, one check): reported where it happened, the rest is still
    analysed, and the run exits 2 as for unreadable input."""

    kind = "internal"


def internal_error_message(exc: BaseException, doing: str) -> str:
    """``InternalError`` text: what was being done, the exception's type and the first line of
    its message (at most 80 characters)."""
    text = str(exc).strip()
    first = text.split("\n", 1)[0]
    if len(first) > 80 or first != text:
        first = first[:80].rstrip() + " ..."
    return f"internal error while {doing}: {type(exc).__name__}: {first}; set IACGUARD_DEBUG=1 for details"


class UsageError(IacguardError):
    """Bad command-line arguments or settings."""


class NotAnalysed(IacguardError):
    """A Terraform module call whose code is not on disk (a registry or git source before
    `terraform init`, a local directory that does not exist): named in every report, counted in
    the summary, and an error only when the settings ask for it (``modules_not_on_disk``)."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None, *,
                 module: str = "", source: str = "", version: str | None = None):
        super().__init__(message, file=file, line=line)
        self.module = module
        self.source = source
        self.version = version

    def as_dict(self) -> dict:
        return {**super().as_dict(), "module": self.module, "source": self.source, "version": self.version}
