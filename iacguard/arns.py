"""The shape of an ARN known only after apply.

``aws_sqs_queue.q.arn`` is not known before deploy, but it is always
``arn:<partition>:sqs:<region>:<account>:<queue name>``: the resource type fixes the service and
the beginning of the resource part. String functions and ``==`` read that shape (``split(":",
arn)[2]`` is ``"sqs"``, an ARN is never ``"*"``); everywhere else the value stays the ``Ref``, so
policies and graph links still name the resource itself.

Each hole of a shape (``ArnHole``) says which characters it may hold: partition, region and
account never contain ``:`` or ``/``; a name holds what AWS accepts for that resource's names,
written a little wider than AWS documents it, never narrower (a wider set only leaves more
questions undecided). The one hole that may hold ``:`` is a DynamoDB stream label (a timestamp),
so ``split(":", stream_arn)`` has a known length only up to it. Data sources are not shaped: what
they read may belong to anything the lookup matches.
"""

from __future__ import annotations

import functools
import re

from . import catalogue
from .values import Partial, Ref, Unknown


class ArnHole(Unknown):
    """One unknown piece of an ARN shape: at least one character, each matching ``allowed``
    (the body of a regular-expression character class)."""

    __slots__ = ("allowed",)

    def __init__(self, text: str, allowed: str, ref: Ref):
        super().__init__(text, (ref,), ref.reason or "known after apply")
        self.allowed = allowed

    def may_hold(self, char: str) -> bool:
        return _char_class(self.allowed).match(char) is not None

    def __repr__(self) -> str:
        return f"ArnHole({self.text!r}, {self.allowed!r})"


@functools.lru_cache(maxsize=None)
def _char_class(allowed: str) -> re.Pattern:
    return re.compile(f"[{allowed}]")


# What each hole may hold (a character-class body).
_HOLES = {
    "partition": "a-z-",  # aws, aws-cn, aws-us-gov, aws-iso-b ...
    "region": "a-z0-9-",
    "account": "0-9",
    "name": "A-Za-z0-9_.-",  # queue, topic, stream, table, function, cluster ... names
    "rest": "A-Za-z0-9_./-",  # a name with more path after it (rule/bus/name, cluster/name/uuid)
    "iam": "A-Za-z0-9_+=,.@/-",  # an IAM path and name (role/path/to/name)
    "bucket": "A-Za-z0-9_.-",  # lower case today; legacy buckets have capitals and _
    "loggroup": "A-Za-z0-9_./#-",
    "secret": "A-Za-z0-9/_+=.@-",
    "statemachine": "^\\s<>{}\\[\\]?*\"#%\\\\^|~`$&,;:/",  # what Step Functions refuses in names
    "version": "$A-Za-z0-9_-",  # $LATEST, a number or an alias name
    "revision": "0-9",
    "id": "A-Za-z0-9-",
    "streamlabel": "0-9A-Za-z:._-",  # 2015-05-11T21:21:33.291: holds ':'
    "provider": "^\\s",  # an OIDC provider's URL without scheme (may hold a port)
}

# (resource type, attribute) -> ARN template: the ``arns`` column of iacguard/catalogue.py. The
# attribute is the one whose value is the ARN (``id`` where the provider sets the ID to the ARN).
ARN_SHAPES: dict[tuple[str, str], str] = catalogue.arn_shapes()

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def resource_type(ref: Ref) -> str | None:
    """The managed resource type a Ref points at (``module.a.aws_sqs_queue.q`` -> aws_sqs_queue);
    None for a data source or anything that is not a Terraform address."""
    parts = ref.target.split(".")
    while len(parts) > 2 and parts[0] == "module":
        parts = parts[2:]
    if len(parts) != 2 or parts[0] == "data":
        return None
    return parts[0]


def arn_shape(value: object) -> Partial | None:
    """The known shape of ``value`` when it is the ARN attribute of a resource type in
    ARN_SHAPES, else None."""
    if type(value) is not Ref or not value.attr:
        return None
    kind = resource_type(value)
    template = ARN_SHAPES.get((kind, value.attr)) if kind else None
    if template is None:
        return None
    parts: list = []
    pos = 0
    for match in _PLACEHOLDER.finditer(template):
        parts.append(template[pos:match.start()])
        hole = match.group(1)
        parts.append(ArnHole(f"{hole} in {value.text}", _HOLES[hole], value))
        pos = match.end()
    parts.append(template[pos:])
    return Partial(parts, text=value.text, refs=(value,), reason=value.reason)
