"""Fail closed on policies the IAM semantics could only read in part.

``iam.policy`` keeps going past content AWS would reject (an ``Action: 42``, a ``Principal``
that is a list, a ``Condition`` that is a string) and records a problem saying that the part was
ignored. Checks then see a policy with less in it than was written, so a statement that could
have been reported silently is not. This turns those problems into input errors (exit 2) that
name the resource and the line; problems that do not drop content (an empty statement list, a
``Resource`` that is not an ARN) stay out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import InputError

if TYPE_CHECKING:
    from .iam.model import IamModel, PolicyNode
    from .iam.policy import PolicyDocument

# Wording used by iam/policy.py for content it dropped or could not read at all. The corpus
# test tests/test_bad_inputs.py::test_wrong_types fails if this drifts from that module.
DROPPED_CONTENT = ("ignored", "must be a list or an object", "must be a JSON object",
            "is a JSON string, not an object", "nested too deeply", "cannot be read")


def unreadable_policy_errors(model: IamModel) -> list[InputError]:
    """One InputError per policy problem that dropped content, for every policy in ``model``
    whose document was parsed and is not already reported as unresolved."""
    errors: list[InputError] = []
    seen: set = set()
    for node in model.policies.values():
        document = node.document
        if document is None or document.unresolved:
            continue
        elsewhere = _written_elsewhere(node, document)
        for line, problem in document.all_problems():
            if not any(marker in problem for marker in DROPPED_CONTENT):
                continue
            if elsewhere:  # its lines are in another file (a policy document data source...)
                problem += f" ({elsewhere}:{line})" if line else f" ({elsewhere})"
                line = node.resource.line
            key = (node.resource.file, line, node.resource.address, problem)
            if key in seen:  # one document attached to several principals
                continue
            seen.add(key)
            errors.append(InputError(f"policy of {node.resource.address} is not valid and was read "
                                     f"only in part (AWS rejects it): {problem}",
                                     file=node.resource.file, line=line or node.resource.line))
    return errors


def _written_elsewhere(node: PolicyNode, document: PolicyDocument) -> str | None:
    """The file the statements of the node's ``document`` were written in, when it is not the
    resource's own."""
    for statement in list(document.statements) + list(getattr(document, "inert_statements", ())):
        written = getattr(statement.raw, "file", None)
        if written and written != node.resource.file:
            return written
    return None
