"""The per-scan analysis: every result derived from one IAM model, computed when first asked.

The engine builds one :class:`Analysis` for each model it checks (a scan's model, each batch of
groups, each partition worker's model, the CloudFormation hook's template) and hands it to every
check as ``ctx.analysis``; reports that need the model (graph, HTML) use the scan result's. The
model, its resources and its policy documents stay as the loaders and the model built them:
nothing derived is stored on them, and no module keeps anything of a scan, so a second scan in
the same process starts from nothing.

Memoisation that is not scan state stays where it is: ``functools.lru_cache`` over pure
functions of scan-independent values, namely the action catalogue (``iam.actions``: its service
list, each service's actions, pattern expansions, ARN-pattern breadth), condition values and ARN
pattern matching (``iam.conditions``), Action-entry matching (``iam.policy``), service-prefix
expansion (``iam.grants``), a service's resource-policy actions and catalogue matches of an action
list (``iam.external``), compiled wildcard patterns (``iam.wildcard``) and compiled ARN character
classes (``arns``). Their keys are strings and tuples of strings; the same key gives the same
answer in every scan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator

from .iam import grants as _grants  # asked per statement and action: not imported per call

if TYPE_CHECKING:  # imported for annotations only: the CLI imports this module
    from .iam.escalation import EscalationAnalysis
    from .iam.external import Zone
    from .iam.grants import DenyIndex
    from .iam.identity import Privilege, PrivilegeCache
    from .iam.model import IamModel, PolicyNode, Principal
    from .iam.policy import PolicyDocument, Statement
    from .resource import Resource
    from .settings import Settings


class Analysis:
    """What the checks and reports of one scan derive from its model, each computed once.

    Built cheaply (nothing is computed until asked); hold it for as long as its results are
    needed and drop it with the model."""

    def __init__(self, model: "IamModel", settings: "Settings | None" = None) -> None:
        self.model = model
        self.settings = settings
        self._graph: Any = None
        self._escalation: "EscalationAnalysis | None" = None
        self._principals_by_id: "dict[str, Principal] | None" = None
        self._granting_policies: "tuple[PolicyNode, ...] | None" = None
        self._allow_statements: "tuple[tuple[PolicyNode, Statement], ...] | None" = None
        # id(document) -> (document, {every_resource: DenyIndex}); the document is kept so its id
        # is not reused while the analysis lives
        self._deny_indexes: "dict[int, tuple[PolicyDocument | None, dict[bool, DenyIndex]]]" = {}
        self._caller_identities: "list[Resource] | None" = None
        self._zones: "dict[str | None, Zone]" = {}
        self._privileges: "dict[str, Privilege | None]" = {}
        # privilege answers by policy content, shared by principals with the same policies;
        # one per scan, so nothing carries over to a scan with other settings
        self._privilege_cache: "PrivilegeCache | None" = None
        self._outside_callers: "dict[str, tuple[str, ...]]" = {}
        self._resource_index: "dict[tuple[str, str, str | None], Resource] | None" = None
        self._switched: "dict[str, list[Resource]]" = {}
        self._plan_resources: "dict[str, list[tuple[str, str | None]]]" = {}
        self._sole_services: "dict[str, str | None]" = {}

    # --- the graph and escalation -------------------------------------------------------------

    @property
    def graph(self) -> Any:
        """The model as a networkx MultiDiGraph (``iacguard.graph``), built on first use; the
        escalation edges are added to it by :meth:`escalation_graph`."""
        if self._graph is None:
            from .graph import build_graph  # networkx is imported only when a graph is needed

            self._graph = build_graph(self.model)
        return self._graph

    @property
    def escalation(self) -> "EscalationAnalysis":
        """Escalation methods per principal, escalation hops and paths to administrator, and
        each principal's effective permissions (``iam.escalation``)."""
        if self._escalation is None:
            from .iam.escalation import EscalationAnalysis

            accounts = getattr(self.settings, "deploy_accounts", ()) or ()
            self._escalation = EscalationAnalysis(self.model, accounts, graph=lambda: self.graph,
                                                  built_graph=lambda: self._graph)
        return self._escalation

    def escalation_graph(self) -> Any:
        """:attr:`graph` with the escalation edges (can_become, can_pass ...) added, once."""
        return self.escalation.graph()

    # --- principals ---------------------------------------------------------------------------

    @property
    def principals_by_id(self) -> "dict[str, Principal]":
        """Every principal of the model (defined in the scan or only named by it), by node id."""
        if self._principals_by_id is None:
            self._principals_by_id = {p.id: p for p in self.model.all_principals()}
        return self._principals_by_id

    def privilege(self, principal: "Principal") -> "Privilege | None":
        """The strongest privilege the principal's own and group policies give it, capped by its
        boundary (``iam.identity.principal_privilege``)."""
        if principal.id not in self._privileges:
            from .iam.identity import PrivilegeCache, principal_privilege

            if self._privilege_cache is None:
                self._privilege_cache = PrivilegeCache()
            self._privileges[principal.id] = principal_privilege(principal, self._privilege_cache)
        return self._privileges[principal.id]

    def outside_callers(self, principal: "Principal") -> "tuple[str, ...]":
        """Who outside the zone of trust of the principal's group its trust policy lets assume it
        (``account 444455556666``, ``anyone``; a value not known before deploy counts, since it
        may be anyone); empty for users, groups and roles only the zone can assume. Without zone
        settings another literal account is not counted: it may be the user's own (item 5 of the
        grading: unknown, reported by IAG-EXT-002 at low)."""
        found = self._outside_callers.get(principal.id)
        if found is None:
            found = ()
            if principal.trust is not None and principal.trust.document is not None:
                from .iam.external import policy_exposures

                zone = self.zone(principal.resource.group)
                found = tuple(dict.fromkeys(e.party.label for e in policy_exposures(principal.trust.document, zone, "trust")
                                            if not zone.unknown_account(e.party)))
            self._outside_callers[principal.id] = found
        return found

    # --- identity policies and their Deny statements --------------------------------------------

    @property
    def granting_policies(self) -> "tuple[PolicyNode, ...]":
        """Identity policies whose statements the least-privilege checks read
        (``iam.grants.find_granting_policies``)."""
        if self._granting_policies is None:
            self._granting_policies = tuple(_grants.find_granting_policies(self.model))
        return self._granting_policies

    def allow_statements(self) -> "Iterator[tuple[PolicyNode, Statement]]":
        """(policy, Allow statement) of every granting policy, without statements that allow
        everything or that a Deny of the same policy cancels (``iam.grants.find_allow_statements``)."""
        if self._allow_statements is None:
            self._allow_statements = tuple(_grants.find_allow_statements(self.granting_policies, self.deny_index))
        return iter(self._allow_statements)

    def deny_index(self, document: "PolicyDocument | None", every_resource: bool = False) -> "DenyIndex":
        """The unconditional Deny statements of ``document`` (with ``every_resource``, only those on
        every resource), indexed by action; built once per document."""
        entry = self._deny_indexes.get(id(document))
        if entry is None:
            entry = self._deny_indexes[id(document)] = (document, {})
        found = entry[1].get(every_resource)
        if found is None:
            found = entry[1][every_resource] = _grants.deny_index(document, every_resource=every_resource)
        return found

    def denied_everywhere(self, document: "PolicyDocument | None", action: str) -> bool:
        """An unconditional Deny of ``document`` removes ``action`` from every resource that is
        not named (``iam.grants.denied_everywhere``)."""
        return _grants.denied_everywhere(document, action, self.deny_index(document))

    def pattern_denied_everywhere(self, document: "PolicyDocument | None", pattern: str) -> bool:
        """Like :meth:`denied_everywhere` for an Action pattern (``iam:*``): the pattern and every
        action it matches."""
        return _grants.pattern_denied_everywhere(document, pattern, self.deny_index(document))

    def service_wildcards(self, node: "PolicyNode", statement: "Statement") -> list[str]:
        """The service-wide wildcards (``events:*``, ``*``) of an Allow statement that no
        unconditional Deny of the same policy takes away: what IAG-LP-002 reports, and what the
        checks of narrower grants leave to it (one risk, one finding)."""
        return [str(a).strip() for a in statement.actions or () if _grants.service_wide_wildcard(a)
                and not self.pattern_denied_everywhere(node.document, str(a))]

    def holders(self, node: "PolicyNode") -> str:
        """`` (granted to role app, user bob)`` for a policy, naming apart the principals whose
        policies deny everything (``iam.grants.holders``)."""
        return _grants.holders(self, node)

    def granted_to_nobody(self, node: "PolicyNode") -> bool:
        """The policy is attached only to principals whose policies deny every action."""
        return _grants.granted_to_nobody(self, node)

    def sole_service(self, node: "PolicyNode") -> str | None:
        """The one service principal that alone can assume every holder of the policy (each a
        role trusted only by that service), else None (``iam.grants.sole_service``)."""
        if node.id not in self._sole_services:
            self._sole_services[node.id] = _grants.sole_service(self, node)
        return self._sole_services[node.id]

    # --- accounts and zones ---------------------------------------------------------------------

    @property
    def caller_identities(self) -> "list[Resource]":
        """The ``aws_caller_identity`` lookups of the model (``iam.external.caller_identities``)."""
        if self._caller_identities is None:
            from .iam.external import caller_identities

            self._caller_identities = caller_identities(self.model)
        return self._caller_identities

    def zone(self, group: str | None = None) -> "Zone":
        """The zone of trust of one group (template, root module tree, plan): the settings'
        accounts and organisation plus the account its plan was made in; without ``group``, plus
        every plan's account (``iam.external.zone_of``)."""
        found = self._zones.get(group)
        if found is None:
            from .iam.external import zone_of

            found = self._zones[group] = zone_of(self.settings, self.caller_identities, group)
        return found

    # --- resources --------------------------------------------------------------------------------

    def resource_at(self, file: str, address: str, when: "str | None" = None) -> "Resource | None":
        """The modelled resource of ``file`` with ``address`` (what a finding names), or None: the
        one deployed with the inputs as they are, or with ``when`` (``Finding.when``)
        the copy built with those flags switched, when there is one."""
        if self._resource_index is None:
            index: dict = {}
            for resource in self.model.resources:
                index.setdefault((resource.file, resource.address, resource.when), resource)
            self._resource_index = index
        found = self._resource_index.get((file, address, when))
        return found if found is not None or when is None else self._resource_index.get((file, address, None))

    def switched_resources(self, group: str) -> "list[Resource]":
        """The resources of ``group`` that exist only when an input flag is switched on."""
        found = self._switched.get(group)
        if found is None:
            found = self._switched[group] = [r for r in getattr(self.model, "resources", ())
                                             if r.when and r.group == group]
        return found

    def plan_actions(self, group: str) -> "list[tuple[str, str | None]]":
        """(address, what the plan does to it) for every plan resource of ``group``."""
        found = self._plan_resources.get(group)
        if found is None:
            from .loaders.plan import plan_action
            from .resource import TERRAFORM_PLAN

            found = self._plan_resources[group] = [
                (r.address, plan_action(r)) for r in getattr(self.model, "resources", ())
                if r.group == group and r.source == TERRAFORM_PLAN]
        return found
