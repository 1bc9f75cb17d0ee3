"""One IAM model for CloudFormation, Terraform HCL and Terraform plans.

Built from loaded Resources only (never from raw syntax). Each input format maps its resource
types onto the same few shapes: principals (users, groups, roles) with their inline and attached
policies, group memberships, trust policies, permissions boundaries, access keys and login
profiles; customer-managed and AWS-managed policies; resource policies on the resources that
can be shared; SCPs and SSO permission sets. References between resources are followed through
``Ref`` values (``!GetAtt Role.Arn``, ``aws_iam_role.app.name``), literal names and ARNs.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

from .. import catalogue
from ..resource import CLOUDFORMATION, MODULE_ARGUMENT_POLICY, Resource
from ..values import Choice, Encoded, PDict, PList, PStr, Unknown, describe_unknown_value, line_of
from . import managed as managed_policies
from .policy import PolicyDocument, Statement, parse_policy


class LineInFile(int):
    """A line in another file than the reported resource's (``file``): a policy passed into a
    module by its caller, a policy document data source in a sibling file. ``CheckContext.report``
    points the finding there: where the offending statement is written."""

    file: str

    def __new__(cls, line: int, file: str) -> "LineInFile":
        obj = super().__new__(cls, line)
        obj.file = file
        return obj


def _written_in(value: Any) -> str | None:
    """The file a loaded policy value (a mapping, jsonencode() of one, a heredoc) was written
    in, when the loader recorded it."""
    if isinstance(value, Encoded):
        value = value.value
    return getattr(value, "file", None)


@dataclass
class PolicyNode:
    """One policy document and where it lives."""

    id: str
    name: str
    kind: str  # inline | managed | aws-managed | trust | boundary | resource | scp | permission-set
    resource: Resource  # the resource where it is written (or that names it, for AWS managed)
    document: PolicyDocument | None  # None: an AWS managed policy whose content we do not know
    arn: Any = None
    attached_to: list[str] = field(default_factory=list)  # principal ids
    via: Resource | None = None  # the attachment resource, when separate from ``resource``

    @property
    def line(self) -> int:
        """The document's line (a ``LineInFile`` when it is written in another file than the
        resource's), else the resource's."""
        line = self.document.line if self.document and self.document.line else 0
        if not line or self.document is None:
            return self.resource.line
        elsewhere = _written_in(self.document.raw)
        if elsewhere and elsewhere != self.resource.file:
            return LineInFile(line, elsewhere)
        return line

    def statement_line(self, statement: Statement) -> int:
        """The statement's own line: a ``LineInFile`` when it is written in another file than
        the reported resource's."""
        line = getattr(statement, "line", 0)
        elsewhere = _written_in(statement.raw)
        if elsewhere and elsewhere != self.resource.file:
            return LineInFile(line, elsewhere) if line else self.resource.line
        return line or self.line


@dataclass
class Principal:
    """An IAM user, group or role with its policies, groups, trust and boundary."""

    id: str
    kind: str  # user | group | role
    name: Any  # str or Unknown
    resource: Resource
    inline: list[PolicyNode] = field(default_factory=list)
    managed: list[PolicyNode] = field(default_factory=list)
    groups: list["Principal"] = field(default_factory=list)
    members: list["Principal"] = field(default_factory=list)
    trust: PolicyNode | None = None
    boundary: PolicyNode | None = None
    access_keys: list[Resource] = field(default_factory=list)
    login_profiles: list[Resource] = field(default_factory=list)
    instance_profiles: list[Resource] = field(default_factory=list)
    # (policy, the resource that makes the attachment: an attachment resource or the principal itself)
    attachments: list[tuple[PolicyNode, Resource]] = field(default_factory=list)
    # True for a principal named by an attachment, membership or key but not defined in the scan
    # (an existing role by name, a data source); its ``resource`` is the first resource naming it
    external: bool = False

    @property
    def label(self) -> str:
        if self.external:
            return f"{self.kind} {self.name} (not defined in the scanned files)"
        return f"{self.kind} {self.address}"

    @property
    def address(self) -> str:
        return self.resource.address

    def own_policies(self) -> list[PolicyNode]:
        return self.inline + self.managed

    def identity_policies(self) -> list[PolicyNode]:
        """Everything that grants this principal permissions: its own and its groups' policies."""
        result = list(self.own_policies())
        for group in self.groups:
            result.extend(group.own_policies())
        return result


@dataclass
class ResourcePolicy:
    """A resource policy, the service it belongs to and the resource it protects."""

    node: PolicyNode
    service: str  # s3, kms, sqs, sns, lambda, ecr, secretsmanager, es, glacier, ...
    target: Resource | None  # the protected resource when it is in the same template/module


@dataclass
class Unresolved:
    """A policy value that could not be resolved before deploy, and where."""

    resource: Resource
    line: int
    message: str
    # the inputs it comes from (values.Origin); None when a part has no known input
    origins: tuple | None = None


# --- resource type tables ---------------------------------------------------------------------
# Views of iacguard/catalogue.py (the one place that names resource types), built once at import.

# principal resource type -> (kind, name property)
PRINCIPAL_TYPES = {t: (p.kind, p.name) for t, p in catalogue.spellings(catalogue.Principal).items()}

# inline policy resources: type -> ((principal kind, principal property), ...), policy property, name property
INLINE_POLICY_TYPES = {t: (p.targets, p.policy, p.name)
                       for t, p in catalogue.spellings(catalogue.InlinePolicy).items()}

# managed policy resources: type -> (policy property, name property, ((kind, property), ...) attachments)
MANAGED_POLICY_TYPES = {t: (p.policy, p.name, p.targets)
                        for t, p in catalogue.spellings(catalogue.ManagedPolicy).items()}

# attachment resources: type -> (((kind, property), ...), policy-arn property)
ATTACHMENT_TYPES = {t: (p.targets, p.policy_arn) for t, p in catalogue.spellings(catalogue.Attachment).items()}

# resource policies: type -> (policy property, target property or None for "itself", service)
RESOURCE_POLICY_TYPES = {t: (p.policy, p.target, catalogue.service_of(t))
                         for t, p in catalogue.spellings(catalogue.ResourcePolicy).items()}

# CloudFormation properties that hold a policy-like document but are not modelled, and why.
# tests/test_resource_policy_coverage.py walks cfn-lint's resource schemas and fails when a
# type has such a property that is neither modelled nor listed in the catalogue.
NOT_MODELLED_POLICY_PROPERTIES = catalogue.not_modelled()

# Lambda permissions are not documents; they are turned into one-statement resource policies.
# columns: (principal, action, function, source_arn, source_account, org_id, url_auth_type, service)
LAMBDA_PERMISSION_TYPES = {t: (p.principal, p.action, p.function, p.source_arn, p.source_account, p.org_id,
                               p.url_auth_type, catalogue.service_of(t))
                           for t, p in catalogue.spellings(catalogue.LambdaPermission).items()}

# EventBridge bus permissions: one statement each (the legacy Principal/Action/Condition form, or
# a whole Statement object in CloudFormation)
EVENT_BUS_PERMISSION_TYPES = set(catalogue.types_holding(catalogue.EventBusPermission))

# columns: (user property(s), group property(s))
MEMBERSHIP_TYPES = {t: (p.users, p.groups) for t, p in catalogue.spellings(catalogue.Membership).items()}

ACCESS_KEY_TYPES = {t: p.user for t, p in catalogue.spellings(catalogue.AccessKey).items()}
# login profiles that are resources of their own (CloudFormation writes them in the user)
LOGIN_PROFILE_TYPES = {t: p.user for t, p in catalogue.spellings(catalogue.LoginProfile).items() if p.user}
# user types with the login profile as a block, and with the list of groups the user joins
LOGIN_PROFILE_BLOCKS = {t: p.block for t, p in catalogue.spellings(catalogue.LoginProfile).items() if p.block}
USER_GROUPS_PROPERTIES = {t: p.groups for t, p in catalogue.spellings(catalogue.Principal).items() if p.groups}
INSTANCE_PROFILE_TYPES = {t: p.roles for t, p in catalogue.spellings(catalogue.InstanceProfile).items()}
SCP_TYPES = {t: (p.content, p.type) for t, p in catalogue.spellings(catalogue.Scp).items()}
PERMISSION_SET_TYPES = {t: (p.inline, p.managed) for t, p in catalogue.spellings(catalogue.PermissionSet).items()}
SSO_MANAGED_ATTACHMENT_TYPES = {t: p.policy_arn for t, p in catalogue.spellings(catalogue.SsoAttachment).items()}


def _dig(properties: Any, path: str) -> Any:
    """A property, or a nested one (``ResourcePolicy.PolicyDocument``); ``a|b``: the first of
    several places that is set."""
    if "|" in path:
        for alternative in path.split("|"):
            found = _dig(properties, alternative)
            if found is not None:
                return found
        return None
    value = properties
    for step in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(step)
    return value


def _documents(properties: Any, spec: str) -> list:
    """Every document a policy spec designates: ``a&b`` several independent places, a step
    ``name[]`` each item of a list (one policy per DynamoDB global table replica)."""
    found: list = []
    for part in spec.split("&"):
        if "[]" not in part:
            found.extend(v for v in [_dig(properties, part)] if v is not None)
            continue
        values = [properties]
        for step in part.split("."):
            many = step.endswith("[]")
            name = step[:-2] if many else step
            nxt: list = []
            for value in values:
                if not isinstance(value, dict):
                    continue
                picked = value.get(name)
                if many:
                    nxt.extend(item for item in _as_list(picked))
                elif picked is not None:
                    nxt.append(picked)
            values = nxt
        found.extend(values)
    return found


def _as_list(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, Choice):
        out: list = []
        for option in value.options:
            out.extend(_as_list(option))
        return out
    if isinstance(value, list):
        out = []
        for item in value:
            out.extend(_as_list(item) if isinstance(item, (list, Choice)) else [item])
        return out
    return [value]


def _module_path(resource: Resource) -> str:
    """``module.a["x"].module.b[0].`` for a resource of a called Terraform module instance,
    ``""`` otherwise: the scope in which a variable or local in a name template means the same
    value (each instance of a module called with count/for_each has its own variables)."""
    parts = resource.base_address.split(".")
    depth = 0
    while 2 * depth + 2 < len(parts) and parts[2 * depth] == "module":
        depth += 1
    if not depth:
        return ""
    address, position = resource.address, 0
    decoder = json.JSONDecoder()
    for _ in range(depth):  # module.NAME, then [0] or ["key"] (JSON, so a key may hold "." or "]")
        position += len("module.")
        while position < len(address) and address[position] not in ".[":
            position += 1
        if address.startswith("[", position):
            try:
                _, position = decoder.raw_decode(address, position + 1)
            except ValueError:  # not an address the Terraform loader writes
                return ".".join(parts[:2 * depth]) + "."
            position += 1  # the closing "]"
        position += 1  # the "." after the module segment
    return address[:position]


def _template_text(value: Any) -> str | None:
    """The expression text of a name not known before deploy (``mgmt_${var.id}``,
    ``random_pet.p.id``); None for anything else or for a Choice, whose text names no value."""
    if isinstance(value, Unknown) and not isinstance(value, Choice) and value.text.strip():
        return value.text.strip()
    return None


def _name_from_arn(text: str, kind: str) -> str | None:
    """'arn:aws:iam::1:role/path/app' -> 'app' for kind role."""
    marker = f":{kind}/"
    if ":iam::" in text and marker in text:
        return text.split(marker, 1)[1].rsplit("/", 1)[-1]
    return None


DATA_SOURCES_MODELLED = frozenset({"aws_iam_policy"})


class IamModel:
    """The principals, policies and resource policies of one scan."""

    def __init__(self, resources: Iterable[Resource]):
        self.all_resources: list[Resource] = list(resources)
        # A data source only looks something up: it creates nothing and shares nothing, so it is
        # never a principal, bucket or resource policy of the scanned code. It stays addressable
        # (a reference to data.aws_iam_role.x.arn names that role); of lookups, only a policy's
        # (data "aws_iam_policy") feeds the model: attachments name it.
        addressable = [r for r in self.all_resources if r.mode in ("managed", "data")]
        self.resources: list[Resource] = [r for r in addressable
                                          if r.mode == "managed" or r.type in DATA_SOURCES_MODELLED]
        # by type, in scan order: checks call resources_of per resource, and a scan of every
        # resource each time grew with the square of the corpus
        self._resources_by_type: dict[str, list[tuple[int, Resource]]] = {}
        for position, resource in enumerate(self.resources):
            self._resources_by_type.setdefault(resource.type, []).append((position, resource))
        self.principals: dict[str, Principal] = {}  # defined in the scanned files
        self.external_principals: dict[str, Principal] = {}  # only named by them
        self.policies: dict[str, PolicyNode] = {}
        self.resource_policies: list[ResourcePolicy] = []
        self.scps: list[PolicyNode] = []
        self.permission_sets: list[PolicyNode] = []
        # (managed policy, the resource that attaches it to a permission set)
        self.permission_set_attachments: list[tuple[PolicyNode, Resource]] = []
        self.access_keys: list[Resource] = []
        self.login_profiles: list[Resource] = []
        self.unresolved: list[Unresolved] = []
        # (id(raw), line, resource line for JSON text) -> (raw, parsed document): see _document
        self._parsed: dict[tuple[int, Any, int | None], tuple[Any, PolicyDocument]] = {}
        # (resource, exception): a bug of ours while modelling that resource (see _guarded)
        self.internal_errors: list[tuple[Resource, Exception]] = []
        self._by_address: dict[tuple[str, str], list[Resource]] = {}
        self._principal_by_name: dict[tuple[str, str, str], Principal] = {}
        # the same by module instance: instances of one module may give their roles one name
        self._principal_by_instance_name: dict[tuple[str, str, str, str], Principal] = {}
        # principals whose name is a template not known before deploy, by (group, module path,
        # kind, expression text): AWS binds inline policies, attachments and memberships by name,
        # so a reference written as the same unresolved text in the same module names the same one
        self._principal_by_template: dict[tuple[str, str, str, str], Principal] = {}
        self._principal_by_resource: dict[int, Principal] = {}
        self._managed_by_resource: dict[int, PolicyNode] = {}
        self._managed_by_name: dict[tuple[str, str], PolicyNode] = {}
        self._managed_by_template: dict[tuple[str, str, str], PolicyNode] = {}
        # managed-policy ARNs and boundaries named on principals are linked once every policy is known
        self._pending_managed: list[tuple[Principal, Resource, Any]] = []
        self._pending_boundaries: list[tuple[Principal, Resource, Any]] = []
        for resource in addressable:
            self._by_address.setdefault((resource.group, resource.base_address), []).append(resource)
        self._build()

    # --- lookup helpers ----------------------------------------------------------------------

    @staticmethod
    def node_id(resource: Resource) -> str:
        return f"{resource.group}::{resource.address}"

    def resources_of(self, *types: str) -> Iterator[Resource]:
        """The resources of the given types, in scan order."""
        found = [entry for t in set(types) for entry in self._resources_by_type.get(t, ())]
        if len(set(types)) > 1:
            found.sort(key=lambda entry: entry[0])  # scan order across the types
        return (resource for _, resource in found)

    def referenced(self, resource: Resource, value: Any) -> list[Resource]:
        """The template resources a value refers to (through Ref/Unknown refs)."""
        found: list[Resource] = []
        for item in _as_list(value):
            if isinstance(item, Unknown):
                for ref in item.refs:
                    candidates = self._by_address.get((resource.group, ref.target), [])
                    if ref.scope and len(candidates) > 1:
                        # written in one instance of a module called with count/for_each:
                        # that instance's resource, never its namesakes in the other instances
                        candidates = [r for r in candidates if r.address.startswith(ref.scope)]
                    instance = ref.instance_address
                    if instance is not None:  # one instance of a count/for_each resource
                        exact = [r for r in candidates if r.address == instance]
                        candidates = exact or candidates
                    found.extend(candidates)
        return found

    def _principals_for(self, resource: Resource, kind: str, value: Any) -> list[Principal]:
        """The principals a value names; one not defined in the scan becomes an external
        placeholder, so that what is attached to it is still analysed."""
        result: list[Principal] = []
        for item in _as_list(value):
            if isinstance(item, Unknown):
                found = False
                for target in self.referenced(resource, item):
                    principal = self._principal_by_resource.get(id(target))
                    if principal and principal.kind == kind:
                        result.append(principal)
                        found = True
                if not found:
                    named = self._principal_named_by_template(resource, kind, item)
                    result.append(named or self._external(resource, kind, item.text))
                continue
            if not isinstance(item, str):
                continue
            name = _name_from_arn(item, kind) if item.startswith("arn:") else item
            principal = self._principal_by_instance_name.get(
                (resource.group, _module_path(resource), kind, name or "")) \
                or self._principal_by_name.get((resource.group, kind, name or ""))
            result.append(principal or self._external(resource, kind, name or item))
        return result

    def _principal_named_by_template(self, resource: Resource, kind: str, value: Unknown) -> Principal | None:
        """The principal of this kind whose unresolved name (or the name part of an unresolved
        ARN) is written exactly as ``value`` in the same module of the same group."""
        text = _template_text(value)
        if text is None:
            return None
        if text.startswith("arn:"):
            text = _name_from_arn(text, kind) or ""
        return self._principal_by_template.get((resource.group, _module_path(resource), kind, text))

    def _external(self, resource: Resource, kind: str, name: str) -> Principal:
        key = f"{resource.group}::external-{kind}:{name}"
        principal = self.external_principals.get(key)
        if principal is None:
            principal = Principal(key, kind, name, resource, external=True)
            self.external_principals[key] = principal
        return principal

    def all_principals(self) -> list[Principal]:
        return list(self.principals.values()) + list(self.external_principals.values())

    def _document(self, resource: Resource, raw: Any) -> PolicyDocument:
        line = line_of(raw, resource.line) or resource.line
        text = isinstance(raw, str) and not isinstance(raw, (PStr, Encoded))
        # The copies of a resource for other parameter values or worlds share their property
        # objects: a document object already parsed with the same line (and, for JSON text,
        # the same resource line put on its statements) is copied rather than parsed again.
        # parse_policy depends only on the object and the line; the copy has objects of its own
        # (document, statements, lists) like a new parse, so nothing told apart by identity
        # (policy_of, node_of) is shared. The raw object is kept, so its id is not reused.
        key = (id(raw), line, resource.line if text else None)
        parsed = self._parsed.get(key)
        if parsed is not None and parsed[0] is raw:
            doc = parsed[1].copy()
        else:
            doc = parse_policy(raw, line=line)
            if text:
                # JSON text whose position in the file is not known (file(), a YAML string):
                # its own line numbers would point at unrelated lines, so use the resource's
                for statement in doc.statements:
                    statement.line = resource.line
            self._parsed[key] = (raw, doc)  # nothing changes a document once it is made
        if doc.unresolved:
            self.unresolved.append(Unresolved(resource, doc.line or resource.line,
                                              f"policy of {resource.address} could not be resolved: {doc.unresolved}",
                                              doc.unresolved_origins))
        return doc

    def _add_policy(self, node: PolicyNode) -> PolicyNode:
        self.policies[node.id] = node
        return node

    # --- building ----------------------------------------------------------------------------

    def _build(self) -> None:
        for resource in self.resources:
            spec = PRINCIPAL_TYPES.get(resource.type)
            if spec:
                self._guarded(resource, self._add_principal, resource, *spec)
        for resource in self.resources:
            managed = MANAGED_POLICY_TYPES.get(resource.type)
            if managed:
                self._guarded(resource, self._add_managed_policy, resource, *managed)
            elif resource.type == MODULE_ARGUMENT_POLICY and resource.get("policy_kind") == "identity":
                # a module not on disk will apply it to something: judged as a policy of its own
                self._guarded(resource, self._add_managed_policy, resource, "policy", "name", ())
        for resource in self.resources:
            self._guarded(resource, self._link, resource)
        self._finish_pending()

    def _guarded(self, resource: Resource, step: Callable[..., object], *args: Any) -> None:
        """One resource's step of the model; a bug of ours in it is recorded against that
        resource (``internal_errors``) and every other resource is still modelled."""
        try:
            step(*args)
        except MemoryError:
            raise
        except Exception as exc:  # noqa: BLE001 - reported by the engine with the resource's file and line
            if os.environ.get("IACGUARD_DEBUG"):
                raise
            self.internal_errors.append((resource, exc))

    def _add_principal(self, resource: Resource, kind: str, name_prop: str) -> None:
        name = resource.get(name_prop)
        if name is None:
            name = Unknown(f"{resource.address}.name", reason="name generated at deploy time")
        principal = Principal(self.node_id(resource), kind, name, resource)
        self.principals[principal.id] = principal
        self._principal_by_resource[id(resource)] = principal
        if isinstance(name, str):
            self._principal_by_name[(resource.group, kind, name)] = principal
            self._principal_by_instance_name[(resource.group, _module_path(resource), kind, name)] = principal
        elif (template := _template_text(resource.get(name_prop))) is not None:
            self._principal_by_template.setdefault((resource.group, _module_path(resource), kind, template),
                                                   principal)
        # inline policies written in the principal itself
        props = resource.properties
        if resource.source == CLOUDFORMATION:
            inline = [(p.get("PolicyName"), p.get("PolicyDocument"), p) for p in _as_list(props.get("Policies"))
                      if isinstance(p, dict)]
            managed_arns = props.get("ManagedPolicyArns")
            trust_raw = props.get("AssumeRolePolicyDocument")
        else:
            inline = [(p.get("name"), p.get("policy"), p) for p in _as_list(props.get("inline_policy"))
                      if isinstance(p, dict) and p.get("policy") is not None]
            managed_arns = props.get("managed_policy_arns")
            trust_raw = props.get("assume_role_policy")
        for index, (policy_name, raw, holder) in enumerate(inline):
            doc = self._document(resource, raw if raw is not None else Unknown("missing PolicyDocument"))
            node = self._add_policy(PolicyNode(f"{principal.id}#inline/{policy_name or index}",
                                               str(policy_name or f"inline-{index}"), "inline", resource, doc,
                                               attached_to=[principal.id]))
            principal.inline.append(node)
        if kind == "role" and trust_raw is not None:
            doc = self._document(resource, trust_raw)
            principal.trust = self._add_policy(PolicyNode(f"{principal.id}#trust", "trust policy", "trust",
                                                          resource, doc, attached_to=[principal.id]))
        self._pending_managed.append((principal, resource, managed_arns))
        boundary = props.get("PermissionsBoundary" if resource.source == CLOUDFORMATION else "permissions_boundary")
        if boundary is not None:
            self._pending_boundaries.append((principal, resource, boundary))

    def _add_managed_policy(self, resource: Resource, policy_prop: str, name_prop: str,
                            attachments: tuple) -> None:
        raw = resource.get(policy_prop)
        name = resource.get(name_prop)
        if resource.mode == "data":
            # a lookup of a policy that already exists (data "aws_iam_policy"): the loader gives
            # the ARN (and an AWS managed policy's document); its content is not part of this
            # change, so an unknown one is not an unresolved policy of the scanned code
            doc = None if raw is None or isinstance(raw, Unknown) else self._document(resource, raw)
            arn = resource.get("arn")
            node = self._add_policy(PolicyNode(self.node_id(resource), name if isinstance(name, str) else resource.address,
                                               "managed", resource, doc,
                                               arn=arn if isinstance(arn, str) and not isinstance(arn, Unknown) else None))
        else:
            doc = self._document(resource, raw if raw is not None else Unknown("missing policy document"))
            node = self._add_policy(PolicyNode(self.node_id(resource), name if isinstance(name, str) else resource.address,
                                               "managed", resource, doc))
        self._managed_by_resource[id(resource)] = node
        if isinstance(name, str):
            self._managed_by_name[(resource.group, name)] = node
        elif (template := _template_text(name)) is not None:
            self._managed_by_template.setdefault((resource.group, _module_path(resource), template), node)
        for kind, prop in attachments:
            for principal in self._principals_for(resource, kind, resource.get(prop)):
                self._attach(principal, node, None)

    def _attach(self, principal: Principal, node: PolicyNode, via: Resource | None) -> None:
        if node not in principal.managed:
            principal.managed.append(node)
            principal.attachments.append((node, via or principal.resource))
        if principal.id not in node.attached_to:
            node.attached_to.append(principal.id)
        if via is not None and node.via is None:
            node.via = via

    def managed_policy_for(self, resource: Resource, value: Any) -> list[PolicyNode]:
        """The policy nodes a policy ARN value designates (customer managed or AWS managed)."""
        nodes: list[PolicyNode] = []
        for item in _as_list(value):
            targets = self.referenced(resource, item) if isinstance(item, Unknown) else []
            matched = False
            for target in targets:
                node = self._managed_by_resource.get(id(target))
                if node:
                    nodes.append(node)
                    matched = True
            if matched:
                continue
            text = item.text if isinstance(item, Unknown) else item
            if not isinstance(text, str):
                continue
            aws_name = managed_policies.managed_policy_name(text)
            if aws_name:
                nodes.append(self._aws_managed(resource, aws_name, text))
                continue
            if ":policy/" in text:
                policy_name = text.rsplit("/", 1)[-1]
                customer = self._managed_by_name.get((resource.group, policy_name))
                if customer is None and isinstance(item, Unknown):
                    # the same unresolved name template as a policy of this module
                    customer = self._managed_by_template.get((resource.group, _module_path(resource), policy_name))
                if customer:
                    nodes.append(customer)
                    continue
            if isinstance(item, Unknown):
                self.unresolved.append(Unresolved(resource, resource.line,
                                                  f"{resource.address} attaches a policy that could not be resolved: "
                                                  f"{describe_unknown_value(item)}", item.origins or None))
            else:
                nodes.append(self._add_policy(PolicyNode(f"external-policy:{text}", text, "managed", resource, None,
                                                         arn=text)))
        return nodes

    def _aws_managed(self, resource: Resource, name: str, arn: str) -> PolicyNode:
        node_id = f"{resource.group}::aws-managed:{name}"
        existing = self.policies.get(node_id)
        if existing:
            return existing
        known = managed_policies.KNOWN.get(name)
        doc = parse_policy(known[0]) if known else None
        return self._add_policy(PolicyNode(node_id, name, "aws-managed", resource, doc, arn=arn))

    def _link(self, resource: Resource) -> None:
        rtype = resource.type
        if rtype in INLINE_POLICY_TYPES:
            targets, policy_prop, name_prop = INLINE_POLICY_TYPES[rtype]
            raw = resource.get(policy_prop)
            doc = self._document(resource, raw if raw is not None else Unknown("missing policy document"))
            name = resource.get(name_prop)
            node = self._add_policy(PolicyNode(self.node_id(resource), name if isinstance(name, str) else resource.address,
                                               "inline", resource, doc))
            for kind, prop in targets:
                for principal in self._principals_for(resource, kind, resource.get(prop)):
                    principal.inline.append(node)
                    node.attached_to.append(principal.id)
        elif rtype in ATTACHMENT_TYPES:
            targets, arn_prop = ATTACHMENT_TYPES[rtype]
            for node in self.managed_policy_for(resource, resource.get(arn_prop)):
                for kind, prop in targets:
                    for principal in self._principals_for(resource, kind, resource.get(prop)):
                        self._attach(principal, node, resource)
        elif rtype in MEMBERSHIP_TYPES:
            users_prop, groups_prop = MEMBERSHIP_TYPES[rtype]
            users = self._principals_for(resource, "user", resource.get(users_prop))
            groups = self._principals_for(resource, "group", resource.get(groups_prop))
            for user in users:
                for group in groups:
                    self._add_membership(user, group)
        elif rtype in RESOURCE_POLICY_TYPES:
            policy_prop, target_prop, service = RESOURCE_POLICY_TYPES[rtype]
            for index, raw in enumerate(_documents(resource.properties, policy_prop)):
                doc = self._document(resource, raw)
                suffix = "#policy" if index == 0 else f"#policy{index + 1}"
                node = self._add_policy(PolicyNode(self.node_id(resource) + suffix, f"{resource.address} policy",
                                                   "resource", resource, doc))
                target = resource if target_prop is None else \
                    next(iter(self.referenced(resource, _dig(resource.properties, target_prop))), None)
                self.resource_policies.append(ResourcePolicy(node, service, target))
        elif rtype == MODULE_ARGUMENT_POLICY and resource.get("policy_kind") == "resource":
            node = self._add_policy(PolicyNode(self.node_id(resource) + "#policy", f"{resource.address} policy",
                                               "resource", resource, self._document(resource, resource.get("policy"))))
            self.resource_policies.append(ResourcePolicy(node, str(resource.get("service")), None))
        elif rtype in LAMBDA_PERMISSION_TYPES:
            self._add_lambda_permission(resource, *LAMBDA_PERMISSION_TYPES[rtype])
        elif rtype in EVENT_BUS_PERMISSION_TYPES:
            self._add_event_bus_permission(resource)
        elif rtype in ACCESS_KEY_TYPES:
            self.access_keys.append(resource)
            for user in self._principals_for(resource, "user", resource.get(ACCESS_KEY_TYPES[rtype])):
                user.access_keys.append(resource)
        elif rtype in LOGIN_PROFILE_TYPES:
            self.login_profiles.append(resource)
            for user in self._principals_for(resource, "user", resource.get(LOGIN_PROFILE_TYPES[rtype])):
                user.login_profiles.append(resource)
        elif rtype in INSTANCE_PROFILE_TYPES:
            for role in self._principals_for(resource, "role", resource.get(INSTANCE_PROFILE_TYPES[rtype])):
                role.instance_profiles.append(resource)
        elif rtype in SCP_TYPES:
            content_prop, type_prop = SCP_TYPES[rtype]
            ptype = resource.get(type_prop, "SERVICE_CONTROL_POLICY")
            if ptype == "SERVICE_CONTROL_POLICY" and resource.get(content_prop) is not None:
                doc = self._document(resource, resource.get(content_prop))
                self.scps.append(self._add_policy(PolicyNode(self.node_id(resource), resource.address, "scp", resource, doc)))
        elif rtype in PERMISSION_SET_TYPES:
            inline_prop, managed_prop = PERMISSION_SET_TYPES[rtype]
            if resource.get(inline_prop) is not None:
                doc = self._document(resource, resource.get(inline_prop))
                self.permission_sets.append(self._add_policy(
                    PolicyNode(self.node_id(resource) + "#inline", resource.address, "permission-set", resource, doc)))
            if managed_prop:
                for node in self.managed_policy_for(resource, resource.get(managed_prop)):
                    self.permission_sets.append(node)
                    self.permission_set_attachments.append((node, resource))
        elif rtype in SSO_MANAGED_ATTACHMENT_TYPES:
            for node in self.managed_policy_for(resource, resource.get(SSO_MANAGED_ATTACHMENT_TYPES[rtype])):
                self.permission_sets.append(node)
                self.permission_set_attachments.append((node, resource))
        if rtype in USER_GROUPS_PROPERTIES:
            for group in self._principals_for(resource, "group", resource.get(USER_GROUPS_PROPERTIES[rtype])):
                self._add_membership(self._principal_by_resource[id(resource)], group)
        if rtype in LOGIN_PROFILE_BLOCKS:
            if isinstance(resource.get(LOGIN_PROFILE_BLOCKS[rtype]), dict):
                self._principal_by_resource[id(resource)].login_profiles.append(resource)
                self.login_profiles.append(resource)

    def _finish_pending(self) -> None:
        for principal, resource, arns in self._pending_managed:
            self._guarded(resource, self._attach_managed, principal, resource, arns)
        for principal, resource, boundary in self._pending_boundaries:
            self._guarded(resource, self._set_boundary, principal, resource, boundary)

    def _attach_managed(self, principal: Principal, resource: Resource, arns: Any) -> None:
        for node in self.managed_policy_for(resource, arns):
            self._attach(principal, node, None)

    def _set_boundary(self, principal: Principal, resource: Resource, boundary: Any) -> None:
        nodes = self.managed_policy_for(resource, boundary)
        if nodes:
            principal.boundary = nodes[0]

    def _add_membership(self, user: Principal, group: Principal) -> None:
        if group not in user.groups:
            user.groups.append(group)
        if user not in group.members:
            group.members.append(user)

    def _add_event_bus_permission(self, resource: Resource) -> None:
        bus_prop = "EventBusName" if resource.source == CLOUDFORMATION else "event_bus_name"
        statement = resource.get("Statement") if resource.source == CLOUDFORMATION else None
        if not isinstance(statement, dict):
            principal = resource.get("Principal", resource.get("principal"))
            statement = PDict({"Effect": "Allow",
                               "Action": resource.get("Action", resource.get("action", "events:PutEvents")),
                               "Resource": "*"}, line=resource.line)
            if isinstance(principal, str) and principal != "*":
                statement["Principal"] = {"AWS": principal}
            else:
                statement["Principal"] = principal if principal is not None else Unknown("missing principal")
            condition = resource.get("Condition", resource.get("condition"))
            if isinstance(condition, list):  # Terraform: a block list
                condition = condition[0] if condition else None
            if isinstance(condition, dict):
                key = condition.get("Key", condition.get("key"))
                operator = condition.get("Type", condition.get("type"))
                value = condition.get("Value", condition.get("value"))
                if isinstance(key, str) and isinstance(operator, str):
                    statement["Condition"] = {operator: {key: value}}
        raw = PDict({"Version": "2012-10-17", "Statement": PList([statement], line=resource.line)},
                    line=resource.line)
        doc = self._document(resource, raw)
        node = self._add_policy(PolicyNode(self.node_id(resource) + "#policy", f"{resource.address} permission",
                                           "resource", resource, doc))
        target = next(iter(self.referenced(resource, resource.get(bus_prop))), None)
        self.resource_policies.append(ResourcePolicy(node, "events", target))

    def _add_lambda_permission(self, resource: Resource, principal_prop: str, action_prop: str, function_prop: str,
                               source_arn_prop: str | None, source_account_prop: str | None, org_prop: str | None,
                               url_auth_prop: str | None, service: str) -> None:
        principal = resource.get(principal_prop)
        statement: dict = {"Effect": "Allow", "Action": resource.get(action_prop, "lambda:InvokeFunction"),
                           "Resource": resource.get(function_prop, "*")}
        if isinstance(principal, str) and principal != "*":
            if principal.endswith(".amazonaws.com") or principal.endswith(".amazonaws.com.cn"):
                statement["Principal"] = {"Service": principal}
            else:
                statement["Principal"] = {"AWS": principal}
        else:
            statement["Principal"] = principal if principal is not None else Unknown("missing principal")
        conditions: dict = {}
        for prop, operator, key in ((source_arn_prop, "ArnLike", "AWS:SourceArn"),
                                    (source_account_prop, "StringEquals", "AWS:SourceAccount"),
                                    (org_prop, "StringEquals", "aws:PrincipalOrgID")):
            value = resource.get(prop) if prop else None
            if value is not None:
                conditions.setdefault(operator, {})[key] = value
        if url_auth_prop and resource.get(url_auth_prop) is not None:
            conditions.setdefault("StringEquals", {})["lambda:FunctionUrlAuthType"] = resource.get(url_auth_prop)
        if conditions:
            statement["Condition"] = conditions
        raw = PDict({"Version": "2012-10-17", "Statement": PList([PDict(statement, line=resource.line)],
                                                                 line=resource.line)}, line=resource.line)
        doc = self._document(resource, raw)
        node = self._add_policy(PolicyNode(self.node_id(resource) + "#policy", f"{resource.address} permission",
                                           "resource", resource, doc))
        target = next(iter(self.referenced(resource, resource.get(function_prop))), None)
        self.resource_policies.append(ResourcePolicy(node, service, target))

    # --- queries ------------------------------------------------------------------------------

    def identity_policies(self) -> list[PolicyNode]:
        """Every identity policy document of the scan: inline, customer managed, AWS managed that
        something attaches, and SSO permission-set policies."""
        return [n for n in self.policies.values() if n.kind in ("inline", "managed", "aws-managed", "permission-set")]
