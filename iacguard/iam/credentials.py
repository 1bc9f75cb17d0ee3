"""AWS credentials written into infrastructure code, and references to access-key secrets.

Two questions the root-credentials and access-keys checks ask:

* ``find_credentials(value)``: does a value (a provider block, a variable default, a set of
  environment variables) contain an access key id (``AKIA``/``ASIA`` + 16 base-32 characters)
  or a secret access key (40 characters of base-64 alphabet)? A 40-character string counts as a
  secret only when its name says so (``secret_key``, ``AWS_SECRET_ACCESS_KEY``) or an access key
  id is written in the same value: alone, the shape also fits SHA-1 digests and long identifiers.
  Findings never carry the value: only its first four characters and a short hash.
* ``secret_references(model, resource, value)``: which parts of a value are the secret of an
  access key created in the same template or module (``aws_iam_access_key.x.secret``,
  ``!GetAtt Key.SecretAccessKey``).

AWS's documentation examples (``AKIAIOSFODNN7EXAMPLE`` and its secret, every value ending in
``EXAMPLE``/``EXAMPLEKEY``) are recognised so checks can report them at low severity.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator

from .. import catalogue
from ..values import TextBudgetCache, Unknown, line_of
from ..lazy_regex import lazy_compile

if TYPE_CHECKING:
    from ..resource import Resource
    from .model import IamModel

__all__ = ["CredentialHit", "SecretReference", "find_credentials", "mask", "is_documentation_example",
           "secret_references", "SECRET_ATTRIBUTES"]

ACCESS_KEY_ID = lazy_compile(r"(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z2-7]{16}(?![A-Za-z0-9])")
# '=' may precede a secret (``AWS_SECRET_ACCESS_KEY=...`` in a script) but not follow it (base64 padding)
SECRET_SHAPE = lazy_compile(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
_HEX = lazy_compile(r"[0-9a-fA-F]{40}")
_SECRET_NAME = lazy_compile(r"secret", re.IGNORECASE)
# the fewest characters either pattern matches: an access key id (4 + 16); a secret has 40
_SHORTEST_MATCH = 20

# access key resource type -> attributes that hold the secret in clear text
SECRET_ATTRIBUTES = {t: frozenset(p.secrets) for t, p in catalogue.spellings(catalogue.AccessKey).items()}


@dataclass(frozen=True)
class CredentialHit:
    """An access key id or secret written in a value (masked)."""

    kind: str  # 'access-key-id' | 'secret-access-key'
    path: str  # where in the value: 'secret_key', 'Variables.AWS_SECRET_ACCESS_KEY', 'default[0]'
    masked: str  # first four characters and a short hash, never the value
    digest: str  # the short hash alone (stable key for fingerprints)
    example: bool  # one of AWS's documentation example values
    line: int  # line of the innermost container that holds it (0 when unknown)


@dataclass(frozen=True)
class SecretReference:
    """A place in a value built from an access key's clear secret."""

    path: str  # where in the value the reference is
    key: Any  # the access key Resource whose secret is referenced
    attribute: str  # 'secret', 'SecretAccessKey', 'ses_smtp_password_v4'
    exact: bool  # the value is exactly the secret (not a string or map built from it)


def _digest(text: str) -> str:
    import hashlib  # only when a credential was found: most scans find none

    return hashlib.sha256(text.encode()).hexdigest()[:8]


def mask(text: str) -> str:
    """``AKIA…#1f2e3d4c``: enough to find the value in the code, nothing to use it with."""
    return f"{text[:4]}…#{_digest(text)}"


def is_documentation_example(text: str) -> bool:
    """AWS's published example credentials all end in EXAMPLE (key ids) or EXAMPLEKEY (secrets)."""
    return text.endswith("EXAMPLE") or text.endswith("EXAMPLEKEY")


def _join(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def _strings(value: Any, path: str, line: int) -> Iterator[tuple[str, str, int]]:
    """(path, text, line) for every string leaf; an Unknown contributes the expression text as
    written, since literal parts of a template string are still in the code."""
    if isinstance(value, Unknown):
        options = getattr(value, "options", None)
        if options is not None:
            for index, option in enumerate(options):
                yield from _strings(option, path, line)
        elif value.text:
            yield path, value.text, line
        return
    if isinstance(value, dict):
        inner = line_of(value, line)
        for key, item in value.items():
            yield from _strings(item, _join(path, key), inner)
    elif isinstance(value, (list, tuple)):
        inner = line_of(value, line)
        for index, item in enumerate(value):
            yield from _strings(item, _join(path, index), inner)
    elif isinstance(value, str):
        yield path, str(value), line
        decoded = _base64_text(value)
        if decoded is not None:  # user data is often written base64-encoded (base64encode, Fn::Base64)
            yield path, decoded, line


_BASE64 = lazy_compile(r"[A-Za-z0-9+/]{24,}={0,2}")


def _base64_text(text: str) -> str | None:
    """The text a base64 string encodes, when it is base64 of printable UTF-8 text."""
    if len(text) % 4 or len(text) > 1_000_000 or not _BASE64.fullmatch(text):
        return None
    import base64
    import binascii

    try:
        decoded = base64.b64decode(text, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return decoded if decoded.isprintable() or all(c.isprintable() or c in "\n\r\t" for c in decoded) else None


def _names_secret(path: str) -> bool:
    """The last named step of the path (or an ECS ``{Name, Value}`` pair's name) says secret."""
    return bool(_SECRET_NAME.search(path.rsplit(".", 1)[-1] if "." in path else path))


def _looks_random(text: str) -> bool:
    """A secret key is random base-64: upper and lower case letters, and a digit or / or +.
    A SHA-1 digest (hex) or a CamelCase identifier is not."""
    if _HEX.fullmatch(text):
        return False
    return (any(c.isupper() for c in text) and any(c.islower() for c in text)
            and any(c.isdigit() or c in "/+" for c in text))


def _pair_names(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    """ECS environment entries are ``{Name: X, Value: v}`` / ``{name, value}``: give each value
    its name so ``X`` decides like a map key would."""
    if isinstance(value, dict):
        lowered = {str(k).lower(): k for k in value}
        if "name" in lowered and "value" in lowered and isinstance(value[lowered["name"]], str):
            yield _join(path, value[lowered["name"]]), value[lowered["value"]]
            return
        for key, item in value.items():
            yield from _pair_names(item, _join(path, key))
    elif isinstance(value, (list, tuple)) and not isinstance(value, Unknown):
        for index, item in enumerate(value):
            yield from _pair_names(item, _join(path, index))
    else:
        yield path, value


def might_hold_credentials(value: Any) -> bool:
    """A cheap first look: does any text in ``value`` (or base64 text it encodes) have the shape
    of a key id or a secret? Most resources have neither, and ``find_credentials`` need not walk
    them with paths."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):  # the commonest leaf first (no Unknown is a str)
            if len(item) >= _SHORTEST_MATCH:
                if _text_might_hold(item):
                    return True
                decoded = _base64_text(item) if len(item) >= 24 else None
                if decoded is not None and _text_might_hold(decoded):
                    return True
        elif isinstance(item, Unknown):
            options = getattr(item, "options", None)
            if options is not None:
                pending.extend(options)
            elif _text_might_hold(item.text):
                return True
        elif isinstance(item, dict):
            pending.extend(item.values())
            if any(isinstance(k, str) and _text_might_hold(k) for k in item):
                return True
        elif isinstance(item, (list, tuple)):
            pending.extend(item)
    return False


# The answer of _text_might_hold for each text met, keyed by the text itself (the answer depends
# on nothing else): the copies of a module's resources in every instance and world of flags
# repeat the same policies and names thousands of times.
_MIGHT_HOLD = TextBudgetCache(4 * 1024 * 1024)


def _text_might_hold(text: str) -> bool:
    """Whether ``text`` has the shape of an access key id or a secret somewhere. The patterns
    never match across a newline, so this asked of each text is the same as of all of them
    joined by newlines."""
    if len(text) < _SHORTEST_MATCH:  # shorter than anything either pattern matches
        return False
    found = _MIGHT_HOLD.get(text)
    if found is None:
        # an access key id starts with one of these literals: looked for before the pattern
        found = bool((("AKIA" in text or "ASIA" in text) and ACCESS_KEY_ID.search(text))
                     or SECRET_SHAPE.search(text))
        # kept as a plain str: an Encoded text would keep its whole structure alive
        _MIGHT_HOLD.put(text if type(text) is str else str.__str__(text), found, len(text))
    return found


def find_credentials(value: Any, *, path: str = "", line: int = 0) -> list[CredentialHit]:
    """Access key ids and secret access keys written in ``value`` (see the module docstring).
    The value is one scope: a key id anywhere in it makes every secret-shaped string in it a
    secret. Each distinct credential is reported once, at its first path."""
    leaves: list[tuple[str, str, int]] = []
    container_line = line_of(value, line)
    for leaf_path, leaf in _pair_names(value, path):
        leaves.extend(_strings(leaf, leaf_path, container_line))
    hits: list[CredentialHit] = []
    seen: set[str] = set()
    key_ids = [(p, m.group(0), ln) for p, text, ln in leaves for m in ACCESS_KEY_ID.finditer(text)]
    for leaf_path, key_id, leaf_line in key_ids:
        if key_id not in seen:
            seen.add(key_id)
            hits.append(CredentialHit("access-key-id", leaf_path, mask(key_id), _digest(key_id),
                                      is_documentation_example(key_id), leaf_line))
    for leaf_path, text, leaf_line in leaves:
        for match in SECRET_SHAPE.finditer(text):
            candidate = match.group(0)
            if candidate in seen or ACCESS_KEY_ID.fullmatch(candidate) or not _looks_random(candidate):
                continue
            if not (key_ids or _names_secret(leaf_path)):
                continue
            seen.add(candidate)
            hits.append(CredentialHit("secret-access-key", leaf_path, mask(candidate), _digest(candidate),
                                      is_documentation_example(candidate), leaf_line))
    return hits


def _refs_with_paths(value: Any, path: str, exact: bool) -> Iterator[tuple[str, Any, bool]]:
    if isinstance(value, Unknown):
        for ref in value.refs:
            yield path, ref, exact and getattr(value, "target", None) is not None
        return
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _refs_with_paths(item, _join(path, key), exact)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _refs_with_paths(item, _join(path, index), exact)


def secret_references(model: IamModel, resource: Resource, value: Any, *, path: str = "") -> list[SecretReference]:
    """Places in ``value`` (a property of ``resource``) that are, or are built from, the clear
    secret of an access key of the same template or module. ``encrypted_secret`` (PGP) is not
    a clear secret and is not reported."""
    found: list[SecretReference] = []
    seen: set[tuple[str, int]] = set()
    for leaf_path, ref, exact in _refs_with_paths(value, path, True):
        attribute = getattr(ref, "attr", None)
        if not attribute:
            continue
        for target in model.referenced(resource, ref):
            if attribute not in SECRET_ATTRIBUTES.get(target.type, ()):
                continue
            marker = (leaf_path, id(target))
            if marker not in seen:
                seen.add(marker)
                found.append(SecretReference(leaf_path, target, attribute, exact))
    return found


# --- where credentials are written ------------------------------------------------------------

# resource type -> path of its environment variables (a map, or ECS container definitions)
LAMBDA_ENVIRONMENT = {t: p.path for t, p in catalogue.spellings(catalogue.Environment).items()}
ECS_CONTAINER_DEFINITIONS = {t: p.property for t, p in catalogue.spellings(catalogue.ContainerDefinitions).items()}


def _step(value: Any, name: str) -> Any:
    """One step into a block: Terraform nested blocks load as a list of one mapping."""
    if isinstance(value, list) and not isinstance(value, Unknown):
        value = value[0] if len(value) == 1 else None
    return value.get(name) if isinstance(value, dict) else None


def _decode_json(value: Any) -> Any:
    """A JSON string property (container definitions) as data; Encoded keeps its structure."""
    inner = getattr(value, "value", None)
    if inner is not None and isinstance(value, str):
        return inner
    if isinstance(value, str) and not isinstance(value, Unknown):
        # positions only when the text's own place in the file is known (a heredoc);
        # otherwise its JSON lines would point at unrelated lines of the file
        try:
            if line_of(value):
                from ..jsonpos import loads_positioned

                return loads_positioned(value, line_of(value))
            return json.loads(value)
        except (ValueError, RecursionError):
            return None
    return value


def environment_scopes(resource: Resource) -> list[tuple[str, Any]]:
    """(path, value) of each set of environment variables a Lambda function or ECS task
    definition passes to its code: the places a credential would be handed to a workload."""
    scopes: list[tuple[str, Any]] = []
    lambda_path = LAMBDA_ENVIRONMENT.get(resource.type)
    if lambda_path:
        value = resource.properties
        for step in lambda_path:
            value = _step(value, step)
        if value is not None:
            scopes.append((".".join(lambda_path), value))
    definitions_prop = ECS_CONTAINER_DEFINITIONS.get(resource.type)
    if definitions_prop:
        definitions = _decode_json(resource.properties.get(definitions_prop))
        if isinstance(definitions, list):
            for index, container in enumerate(definitions):
                if not isinstance(container, dict):
                    continue
                name = container.get("Name", container.get("name"))
                label = name if isinstance(name, str) else str(index)
                for key in ("Environment", "environment"):
                    if container.get(key) is not None:
                        scopes.append((f"{definitions_prop}[{label}].{key}", container[key]))
    return scopes


__all__ += ["environment_scopes", "LAMBDA_ENVIRONMENT", "ECS_CONTAINER_DEFINITIONS", "might_hold_credentials"]
