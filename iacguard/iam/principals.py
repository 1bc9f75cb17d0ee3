"""The ``Principal`` / ``NotPrincipal`` element: who a resource-based or trust policy names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..values import Choice, Unknown
from .conditions import as_unknown, is_intrinsic
from ..lazy_regex import lazy_compile

__all__ = ["PrincipalRef", "parse_principal", "PRINCIPAL_KINDS"]

PRINCIPAL_KINDS = ("AWS", "Service", "Federated", "CanonicalUser")
_KIND_BY_LOWER = {k.lower(): k for k in PRINCIPAL_KINDS}
_ACCOUNT_ID = lazy_compile(r"\d{12}")
# arn:<partition>:(iam|sts)::<account>:<resource>
_PRINCIPAL_ARN = lazy_compile(r"arn:(aws[a-zA-Z-]*):(iam|sts)::(\d{12}):(.+)", re.DOTALL)


@dataclass(frozen=True)
class PrincipalRef:
    """One principal a statement names: its kind (AWS, Service, Federated, *) and value."""

    kind: str  # 'AWS' | 'Service' | 'Federated' | 'CanonicalUser' | '*'
    value: str | Unknown

    @property
    def is_unknown(self) -> bool:
        return isinstance(self.value, Unknown)

    @property
    def is_anyone(self) -> bool:
        """Everyone, including anonymous callers: ``"*"`` or ``{"AWS": "*"}`` (a value made only
        of ``*`` is the same thing)."""
        if self.kind not in ("*", "AWS") or not isinstance(self.value, str):
            return False
        text = self.value.strip()
        return bool(text) and set(text) == {"*"}

    @property
    def _arn_parts(self) -> tuple[str, str, str, str] | None:
        if self.kind not in ("AWS", "Federated") or not isinstance(self.value, str):
            return None
        found = _PRINCIPAL_ARN.fullmatch(self.value.strip())
        return found.groups() if found else None  # type: ignore[return-value]

    @property
    def account(self) -> str | None:
        """The 12-digit account of an AWS (or IAM-provider Federated) principal."""
        if self.kind == "AWS" and isinstance(self.value, str) and _ACCOUNT_ID.fullmatch(self.value.strip()):
            return self.value.strip()
        parts = self._arn_parts
        return parts[2] if parts else None

    @property
    def arn_type(self) -> str | None:
        """'root' (also for a bare account id), 'user', 'role', 'group', 'assumed-role',
        'federated-user', 'saml-provider', 'oidc-provider', ...; None when not an IAM/STS ARN."""
        if self.kind == "AWS" and isinstance(self.value, str) and _ACCOUNT_ID.fullmatch(self.value.strip()):
            return "root"
        parts = self._arn_parts
        if not parts:
            return None
        return parts[3].split("/", 1)[0] or None

    @property
    def is_account(self) -> bool:
        """The account as a whole (bare id or ``:root``): it delegates to the account's IAM
        identities; it is not the root user."""
        return self.kind == "AWS" and self.arn_type == "root"

    @property
    def is_service(self) -> bool:
        return self.kind == "Service"

    @property
    def service(self) -> str | None:
        if self.kind == "Service" and isinstance(self.value, str):
            return self.value.strip().lower()
        return None

    @property
    def role_arn(self) -> str | None:
        """For an assumed-role session, the ARN of its role (path unknown, so none)."""
        parts = self._arn_parts
        if not parts or parts[1] != "sts" or not parts[3].startswith("assumed-role/"):
            return None
        segments = parts[3].split("/")
        if len(segments) < 3 or not segments[1]:
            return None
        return f"arn:{parts[0]}:iam::{parts[2]}:role/{segments[1]}"

    def __str__(self) -> str:
        if self.kind == "*":
            return "*"
        return f"{self.kind}:{self.value}"


def _entries(raw: Any, where: str, problems: list[str]) -> list[Any]:
    """Flatten one principal value (string, list, Choice options) into str/Unknown entries."""
    unknown = as_unknown(raw)
    if isinstance(raw, Choice):
        found: list[Any] = []
        for option in raw.options:
            if option is None:
                continue
            found.extend(_entries(option, where, problems))
        return found
    if unknown is not None:
        if is_intrinsic(raw):
            problems.append(f"{where}: unresolved intrinsic function {next(iter(raw))}; treated as unknown")
        return [unknown]
    if isinstance(raw, str):
        return [raw]
    if isinstance(raw, bool):
        problems.append(f"{where}: boolean is not a principal; ignored")
        return []
    if isinstance(raw, int):
        # YAML reads an unquoted account id as a number; restore the 12 digits.
        return [str(raw).zfill(12)] if 0 <= raw < 10**12 else [str(raw)]
    if isinstance(raw, list):
        found = []
        for item in raw:
            if isinstance(item, list):
                problems.append(f"{where}: nested list is not valid; its entries are still considered")
            found.extend(_entries(item, where, problems))
        return found
    if raw is None:
        problems.append(f"{where}: null principal ignored")
        return []
    problems.append(f"{where}: {type(raw).__name__} is not a valid principal; ignored")
    return []


def parse_principal(raw: Any) -> tuple[list[PrincipalRef], list[str]]:
    """Parse a Principal/NotPrincipal element into (principals, problems). Never raises.

    ``"*"`` -> kind '*'; ``{"AWS"|"Service"|"Federated"|"CanonicalUser": value(s)}`` -> one
    PrincipalRef per value; Unknown values keep their object; a Choice contributes every option.
    A whole element that is Unknown becomes one AWS principal with that Unknown value.
    """
    problems: list[str] = []
    principals: list[PrincipalRef] = []
    if isinstance(raw, Choice):
        for option in raw.options:
            if option is None:
                continue
            found, option_problems = parse_principal(option)
            principals.extend(found)
            problems.extend(option_problems)
        return _dedupe(principals), problems
    unknown = as_unknown(raw)
    if unknown is not None:
        if is_intrinsic(raw):
            problems.append("Principal is an unresolved intrinsic function; treated as unknown")
        return [PrincipalRef("AWS", unknown)], problems
    if isinstance(raw, str):
        if raw.strip() == "*":
            return [PrincipalRef("*", "*")], problems
        problems.append(f"Principal {raw!r} must be \"*\" or an object such as {{\"AWS\": ...}}; ignored")
        return principals, problems
    if not isinstance(raw, dict):
        problems.append("Principal must be \"*\" or an object, not "
                        f"{'null' if raw is None else type(raw).__name__}; ignored")
        return principals, problems
    if not raw:
        problems.append("Principal is an empty object and names no one")
    for key_raw, value in raw.items():
        key = str(key_raw)
        kind = _KIND_BY_LOWER.get(key.lower())
        if kind is None:
            problems.append(f"Principal type {key!r} is not one of {', '.join(PRINCIPAL_KINDS)}; ignored")
            continue
        if kind != key:
            problems.append(f"Principal type {key!r} must be spelled {kind!r}")
        entries = _entries(value, f"Principal {kind}", problems)
        if not entries:
            problems.append(f"Principal {kind} has no values")
        for entry in entries:
            if isinstance(entry, str):
                entry = entry.strip()
                if not entry:
                    problems.append(f"Principal {kind} has an empty value; ignored")
                    continue
                if ("*" in entry or "?" in entry) and set(entry) != {"*"}:
                    problems.append(f"Principal {kind} {entry!r}: AWS does not allow wildcards inside a principal")
                if kind != "AWS" and set(entry) == {"*"}:
                    problems.append(f"Principal {kind} \"*\" is not a valid principal")
            principals.append(PrincipalRef(kind, entry))
    return _dedupe(principals), problems


def _dedupe(principals: list[PrincipalRef]) -> list[PrincipalRef]:
    seen: set[PrincipalRef] = set()
    result = []
    for principal in principals:
        if principal not in seen:
            seen.add(principal)
            result.append(principal)
    return result


def principal_covers(entry: PrincipalRef, principal: PrincipalRef) -> bool | None:
    """Does a policy's Principal entry apply to the request principal?

    ``*`` covers everyone; an account (id or ``:root``) covers every identity of that account
    (subject to its own identity policies); a role covers its assumed-role sessions; otherwise
    exact match (service names case-insensitively). None when an Unknown decides.
    """
    if entry.is_anyone:
        return True
    if isinstance(entry.value, Unknown) or isinstance(principal.value, Unknown):
        return None
    if entry.kind != principal.kind:
        return False
    if entry.kind == "Service":
        return entry.value.strip().lower() == principal.value.strip().lower()  # type: ignore[union-attr]
    if entry.value.strip() == principal.value.strip():  # type: ignore[union-attr]
        return True
    if entry.kind == "AWS":
        if entry.is_account:
            return principal.account == entry.account
        if entry.arn_type == "role":
            # A role covers its sessions; role names are unique per account whatever the path.
            target = principal.role_arn or (_role_name_arn(principal) if principal.arn_type == "role" else None)
            return target is not None and target == _role_name_arn(entry)
    return False


def principal_identity_chain(principal: PrincipalRef) -> list[PrincipalRef]:
    """The principals AWS checks a request against for NotPrincipal: the caller itself, the
    role behind an assumed-role session, and the account."""
    chain = [principal]
    role_arn = principal.role_arn
    if role_arn:
        chain.append(PrincipalRef("AWS", role_arn))
    if principal.kind == "AWS" and principal.account and not principal.is_account:
        chain.append(PrincipalRef("AWS", principal.account))
    return chain


def principal_listed(entries: tuple[PrincipalRef, ...] | list[PrincipalRef], principal: PrincipalRef) -> bool | None:
    """Is this exact principal named by one of the entries (no delegation: for NotPrincipal)?"""
    result: bool | None = False
    for entry in entries:
        if entry.is_anyone:
            return True
        if isinstance(entry.value, Unknown) or isinstance(principal.value, Unknown):
            result = None
            continue
        if entry.kind != principal.kind:
            continue
        if entry.kind == "AWS" and entry.is_account and principal.is_account:
            if entry.account == principal.account:
                return True
            continue
        if entry.kind == "AWS" and entry.arn_type == "role" and principal.arn_type == "role":
            if _role_name_arn(entry) == _role_name_arn(principal):
                return True
            continue
        if entry.kind == "Service":
            if entry.value.strip().lower() == principal.value.strip().lower():  # type: ignore[union-attr]
                return True
            continue
        if entry.value.strip() == principal.value.strip():  # type: ignore[union-attr]
            return True
    return result


def _role_name_arn(role: PrincipalRef) -> str | None:
    """A role ARN without its path (sessions name the role without it)."""
    parts = role._arn_parts
    if not parts or parts[1] != "iam" or not parts[3].startswith("role/"):
        return None
    name = parts[3].rsplit("/", 1)[-1]
    return f"arn:{parts[0]}:iam::{parts[2]}:role/{name}"
