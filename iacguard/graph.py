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

from typing import TYPE_CHECKING, Any

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

    def add_resource(resource) -> str:
        node = model.node_id(resource)
        if node not in graph:
            graph.add_node(node, kind="resource", type=resource.type, address=resource.address,
                           file=resource.file, line=resource.line, label=resource.address)
        return node

    for resource in model.resources:
        add_resource(resource)
    for resource in model.resources:
        for value in resource.properties.values():
            for target in model.referenced(resource, value):
                if target is not resource:
                    graph.add_edge(model.node_id(resource), model.node_id(target), kind="references")

    for principal in model.external_principals.values():
        graph.add_node(principal.id, kind=principal.kind, principal=True, external=True, label=str(principal.name))
    for principal in model.all_principals():
        graph.nodes[principal.id].update(kind=principal.kind, principal=True)
        for group in principal.groups:
            graph.add_edge(principal.id, group.id, kind="member_of")
    for policy in model.policies.values():
        if policy.kind in ("trust", "resource"):
            continue
        if policy.id not in graph:
            graph.add_node(policy.id, kind="policy", policy_kind=policy.kind, label=policy.name,
                           file=policy.resource.file, line=policy.line)
        else:
            graph.nodes[policy.id].update(policy_kind=policy.kind)
        for principal_id in policy.attached_to:
            graph.add_edge(policy.id, principal_id, kind="attached")
    for principal in model.all_principals():
        if principal.boundary is not None:
            graph.add_edge(principal.id, principal.boundary.id, kind="bounded_by")
        if principal.trust and principal.trust.document:
            for statement in principal.trust.document.statements:
                if not statement.is_allow:
                    continue
                for ref in statement.principals or ():
                    source = _principal_node(graph, model, principal.resource, ref)
                    graph.add_edge(source, principal.id, kind="can_assume", line=statement.line)
    for rp in model.resource_policies:
        holder = add_resource(rp.target or rp.node.resource)
        if not rp.node.document:
            continue
        for statement in rp.node.document.statements:
            if not statement.is_allow:
                continue
            for ref in statement.principals or ():
                grantee = _principal_node(graph, model, rp.node.resource, ref)
                graph.add_edge(holder, grantee, kind="grants", line=statement.line, service=rp.service)
    return graph


def _principal_node(graph, model, resource, ref) -> str:
    """A principal named in a policy: a template principal when it refers to one, else synthetic."""
    if isinstance(ref.value, Unknown):
        for target in model.referenced(resource, ref.value):
            if model.node_id(target) in model.principals:
                return model.node_id(target)
    node, attrs = external_node_id(ref)
    if node not in graph:
        graph.add_node(node, **attrs)
    return node


def add_escalation_edges(graph: Any, edges: list[tuple[str, str, str, dict]]) -> None:
    """Add typed escalation edges ``(source, target, kind, attributes)`` between principal nodes."""
    for source, target, kind, attributes in edges:
        graph.add_edge(source, target, kind=kind, **attributes)
