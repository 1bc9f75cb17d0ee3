"""The resource graph: a networkx MultiDiGraph over the IAM model.

Nodes are principals, policies, resources and synthetic principals outside the templates
(an account, ``*``, a service principal, a federated provider, an AWS managed policy by ARN).
Edges are typed with ``kind``:

* ``references``  resource -> resource it refers to (Ref/GetAtt/attribute reference)
* ``attached``    policy -> principal it applies to
* ``member_of``   user -> group
* ``can_assume``  principal (in or outside the templates) -> role whose trust policy allows it
* ``grants``      protected resource -> principal its resource policy allows
* ``bounded_by``  principal -> its permissions boundary policy

Added on demand by the escalation analysis (``add_escalation_edges``, iam/escalation.py), each
with ``via`` (the permission that makes it, in words):

* ``can_become``  principal -> principal it can act as (sts:AssumeRole, iam:CreateAccessKey ...)
* ``can_pass``    principal -> role it can hand to a service that then acts as that role
* ``can_modify``  principal -> principal whose permissions it can change

Each node carries ``kind`` and, when it comes from a template, ``file``/``line``/``address``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generator, Iterator

from .values import Unknown

if TYPE_CHECKING:
    from .iam.model import IamModel
    from .iam.principals import PrincipalRef


def external_node_id(principal: PrincipalRef) -> tuple[str, dict]:
    """Node id and attributes for a principal named in a policy (a PrincipalRef)."""
    kind = principal.kind
    value = principal.value
    text = value.text if isinstance(value, Unknown) else str(value)
    if principal.is_anyone:
        return "external:*", {"kind": "anyone", "label": "anyone (*)"}
    if kind == "Service":
        return f"service:{text}", {"kind": "service", "label": text}
    if kind == "Federated":
        return f"federated:{text}", {"kind": "federated", "label": text}
    if kind == "CanonicalUser":
        return f"canonical:{text}", {"kind": "canonical-user", "label": text}
    account = principal.account
    if account and principal.is_account:
        return f"account:{account}", {"kind": "account", "label": f"account {account}", "account": account}
    return f"arn:{text}", {"kind": "external-principal", "label": text, "account": account}


def build_graph(model: IamModel):
    import networkx as nx

    graph = nx.MultiDiGraph()
    nodes = graph.nodes
    for event in _graph_events(model):
        what = event[0]
        if what == "edge":
            graph.add_edge(event[1], event[2], **event[3])
        elif what == "new":  # added when not there yet
            if event[1] not in graph:
                graph.add_node(event[1], **event[2])
        elif what == "add":  # added, or its attributes updated
            graph.add_node(event[1], **event[2])
        elif what == "update":  # an existing node's attributes
            nodes[event[1]].update(event[2])
        else:  # "new_or_update": added with the first attributes, or updated with the second
            if event[1] not in graph:
                graph.add_node(event[1], **event[2])
            else:
                nodes[event[1]].update(event[3])
    return graph


def successor_order(model: IamModel) -> dict[str, dict[str, None]]:
    """Each node's successors in the order ``build_graph(model).successors(node)`` lists them
    (a MultiDiGraph lists a node's targets in the order each was first linked from it), from
    the same edges in the same order, without importing networkx or building the graph."""
    found: dict[str, dict[str, None]] = {}
    for event in _graph_events(model):
        if event[0] == "edge":
            targets = found.get(event[1])
            if targets is None:
                targets = found[event[1]] = {}
            targets[event[2]] = None
    return found


def _graph_events(model: IamModel) -> Iterator[tuple]:
    """The model's graph as a sequence of node and edge additions, the one description both
    ``build_graph`` and ``successor_order`` replay."""
    for resource in model.resources:
        yield "new", model.node_id(resource), _resource_attributes(resource)
    for resource in model.resources:
        for value in resource.properties.values():
            for target in model.referenced(resource, value):
                if target is not resource:
                    yield "edge", model.node_id(resource), model.node_id(target), {"kind": "references"}

    for principal in model.external_principals.values():
        yield "add", principal.id, {"kind": principal.kind, "principal": True, "external": True,
                                    "label": str(principal.name)}
    for principal in model.all_principals():
        yield "update", principal.id, {"kind": principal.kind, "principal": True}
        for group in principal.groups:
            yield "edge", principal.id, group.id, {"kind": "member_of"}
    for policy in model.policies.values():
        if policy.kind in ("trust", "resource"):
            continue
        yield ("new_or_update", policy.id, {"kind": "policy", "policy_kind": policy.kind, "label": policy.name,
                                            "file": policy.resource.file, "line": policy.line},
               {"policy_kind": policy.kind})
        for principal_id in policy.attached_to:
            yield "edge", policy.id, principal_id, {"kind": "attached"}
    for principal in model.all_principals():
        if principal.boundary is not None:
            yield "edge", principal.id, principal.boundary.id, {"kind": "bounded_by"}
        if principal.trust and principal.trust.document:
            for statement in principal.trust.document.statements:
                if not statement.is_allow:
                    continue
                for ref in statement.principals or ():
                    source = yield from _principal_node(model, principal.resource, ref)
                    yield "edge", source, principal.id, {"kind": "can_assume", "line": statement.line}
    for rp in model.resource_policies:
        held = rp.target or rp.node.resource
        holder = model.node_id(held)
        yield "new", holder, _resource_attributes(held)
        if not rp.node.document:
            continue
        for statement in rp.node.document.statements:
            if not statement.is_allow:
                continue
            for ref in statement.principals or ():
                grantee = yield from _principal_node(model, rp.node.resource, ref)
                yield "edge", holder, grantee, {"kind": "grants", "line": statement.line, "service": rp.service}


def _resource_attributes(resource) -> dict[str, Any]:
    return {"kind": "resource", "type": resource.type, "address": resource.address,
            "file": resource.file, "line": resource.line, "label": resource.address}


def _principal_node(model, resource, ref) -> Generator[tuple, None, str]:
    """A principal named in a policy: a template principal when it refers to one, else synthetic
    (added as a node when not there yet)."""
    if isinstance(ref.value, Unknown):
        for target in model.referenced(resource, ref.value):
            if model.node_id(target) in model.principals:
                return model.node_id(target)
    node, attrs = external_node_id(ref)
    yield "new", node, attrs
    return node


def add_escalation_edges(graph: Any, edges: list[tuple[str, str, str, dict]]) -> None:
    """Add typed escalation edges ``(source, target, kind, attributes)`` between principal nodes."""
    for source, target, kind, attributes in edges:
        graph.add_edge(source, target, kind=kind, **attributes)
