"""Load ``terraform show -json`` plan output into Resources.

A plan knows the values Terraform will apply, but not the ones computed at apply time. The
loader combines three parts of the plan JSON:

* ``planned_values`` (and data sources read at plan time from ``prior_state``): the values;
* ``resource_changes[].change``: which instances are destroyed, and ``after_unknown``, which
  marks the leaves only known after apply (they are absent or null in the values);
* ``configuration``: the unevaluated expressions, whose ``references`` tell which resource
  attribute an unknown value comes from (``role = aws_iam_role.deployer.name``). That turns an
  anonymous unknown into a ``Ref`` the IAM model can follow.

Policy documents stay JSON strings, as Terraform prints them; the IAM parser decodes them.
Plans carry no link to ``.tf`` lines, so every resource is positioned at its object in the plan.
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterator

from .. import catalogue
from .shapes import looks_like_plan, looks_like_raw_state, looks_like_state  # noqa: F401  (re-exported)
from ..errors import InputError
from ..resource import TERRAFORM_PLAN, LoadResult, Resource
from ..values import Choice, Origin, PDict, PList, Ref, Unknown, line_of

SUPPORTED_MAJOR = 1
# Format 0.1 was written by Terraform 0.12 to 1.0.0 (0.15 added before/after_sensitive, 0.15.4
# resource_drift), 0.2 by 1.0.1 to 1.0.11 (sensitive_values), 1.0 by 1.1, 1.1 by 1.2 to 1.4,
# 1.2 by 1.5 and later and by OpenTofu. Each version holds the keys of the one before, so a key
# an older plan lacks (relevant_attributes, checks, deferred_changes...) decides nothing.
READABLE_MAJORS = (0, SUPPORTED_MAJOR)
KNOWN_AFTER_APPLY = "known after apply"
MODES = ("managed", "data")
# First traversal steps that are not resource types (Terraform's reserved reference roots).
_NON_RESOURCE_ROOTS = frozenset({"var", "local", "each", "count", "path", "self", "terraform",
                                 "module", "resource", "ephemeral"})
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_VERSION = re.compile(r"(\d+)(?:\.\d+)*")
_MISSING = object()
# Module boundaries followed from one reference (var.x up to the caller, module.m.out down into
# the module): a bound on work per reference, far beyond real module nesting.
_MAX_MODULE_HOPS = 32


def load_state(data: Any, file: str, *, group: str | None = None) -> LoadResult:
    """Resources of a state from ``terraform show -json`` (the deployed objects): every value
    is known; each resource says ``deployed`` (``plan_action``)."""
    loader = _PlanLoader(file, group or file)
    result = LoadResult(errors=loader.errors)
    if not isinstance(data, dict):
        loader.error("state JSON must be an object", data)
        return result
    loader.top = data
    if loader.check_version(data):
        loader.load_state_values(data.get("values"), "values")
    result.resources = list(loader.resources.values())
    result.files = [file]
    return result


def load_prior_state(data: Any, file: str, *, group: str | None = None) -> LoadResult:
    """The deployed state a plan was made against (its ``prior_state``), read as ``load_state``
    reads a state, under the plan's file and group so that findings compare with the plan's
    (--diff-base). A plan without one (nothing deployed yet) gives no resources."""
    prior = data.get("prior_state") if isinstance(data, dict) else None
    if prior is None:
        return LoadResult(files=[file])
    return load_state(prior, file, group=group)


def plan_action(resource: Any) -> str | None:
    """What the plan does to a resource loaded from a plan, as ``evidence.plan_action`` says it:
    create, update, replace, unchanged, read (a data source); ``deployed`` for a resource of a
    state. None when the plan does not say (a resource without a change entry)."""
    metadata = resource.metadata if isinstance(resource.metadata, dict) else {}
    if metadata.get("deployed"):
        return "deployed"
    actions = metadata.get("actions")
    if not actions:
        return "read" if resource.mode == "data" else None  # a data source read while planning
    if "create" in actions and ("delete" in actions or "forget" in actions):
        return "replace"
    if actions == ["no-op"]:
        return "unchanged"
    if len(actions) == 1 and actions[0] in ("create", "update", "read"):
        return actions[0]
    return "+".join(str(a) for a in actions)  # an action this version does not know: as written


def load_plan(data: Any, file: str, *, group: str | None = None, config_values: bool = False) -> LoadResult:
    """Resources of one plan. Malformed parts become ``InputError``s; the rest still loads.

    With ``config_values``, provider blocks, variable declarations and root outputs of the
    configuration are added as Resources with mode "provider" / "variable" / "output", as the
    HCL loader gives them (not deployed; the IAM model ignores them)."""
    loader = _PlanLoader(file, group or file)
    loader.config_values = config_values
    return loader.load(data)


def strip_instance_keys(address: str) -> str:
    """``module.m[0].aws_iam_role.r["a"]`` → ``module.m.aws_iam_role.r`` (quotes may hold
    brackets or dots, so bracket groups are skipped with a small scanner, not a regex)."""
    if "[" not in address:
        return address
    return ".".join(name for name, _key in _address_steps(address))


@dataclass(frozen=True)
class _Reference:
    """A reference to a resource attribute, module-relative target, instance keys removed."""

    target: str  # aws_iam_role.deployer / data.aws_iam_policy_document.x
    attrs: tuple[str, ...]  # ("arn",) or deeper ("tags", "Name")
    key: Any = None  # a literal instance key written in the reference (aws_iam_role.r["ci"].arn)


@dataclass
class _Change:
    entry: dict
    change: dict
    actions: list[str] = field(default_factory=list)

    @property
    def removes(self) -> bool:
        """Destroyed (or forgotten) without a replacement: not part of what gets deployed."""
        return bool(self.actions) and (set(self.actions) == {"delete"} or self.actions == ["forget"])


class _PlanLoader:
    def __init__(self, file: str, group: str):
        self.file = file
        self.group = group
        self.errors: list[InputError] = []
        self.resources: dict[str, Resource] = {}
        self.changes: dict[str, _Change] = {}
        self.top: Any = None  # the plan object, for positioning errors about its direct members
        # {module-prefixed address without instance keys: its configuration expressions}; None
        # when the plan has no configuration (then every unknown stays a hole)
        self.written: dict[str, dict] | None = None
        self.modules: dict[str, dict] = {}  # configuration of each module, by address prefix
        self.resolved: dict[tuple, tuple] = {}  # resolve_references, by (references, prefix)
        self.deployed = False  # reading a state (or a plan's prior state): what is deployed
        self.config_values = False  # also load providers, variables and outputs (see load_plan)
        self.deferred: dict[str, str] = {}  # address -> reason, for deferred_changes
        self.unresolved: list[InputError] = []

    def error(self, message: str, where: Any, near: Any = None) -> None:
        """``where`` is the offending value; a scalar has no line, so ``near`` (its container)
        gives the position instead."""
        line = line_of(where) or line_of(near) or None
        self.errors.append(InputError(message, file=self.file, line=line))

    # -- top level ------------------------------------------------------------------------------

    def load(self, data: Any) -> LoadResult:
        result = LoadResult(errors=self.errors, unresolved=self.unresolved)
        if not isinstance(data, dict):
            self.error("plan JSON must be an object", data)
            return result
        self.top = data
        if not self.check_version(data):
            return result
        self.index_configuration(data.get("configuration"))
        self.read_changes(data.get("resource_changes"))
        self.read_deferred_changes(data.get("deferred_changes"))
        self.check_errored(data)

        planned = data.get("planned_values", _MISSING)
        if planned is _MISSING:
            self.error("plan has no planned_values; resources are taken from resource_changes", data)
        elif not isinstance(planned, dict):
            self.error("planned_values is not an object", planned, data)
        else:
            self.load_module_tree(planned.get("root_module"), "planned_values.root_module", data_only=False)

        self.load_changed_only()
        loaded = set(self.resources)
        self.load_prior_data_sources(data.get("prior_state"))
        self.drop_unconfigured(set(self.resources) - loaded, data.get("configuration"))
        self.drop_read_back()
        self.recover_references(data.get("configuration"))
        self.build_deferred_documents()
        if self.config_values:
            self.load_configuration_values(data.get("configuration"), planned)

        result.resources = list(self.resources.values())
        result.files = [self.file]
        return result

    def check_version(self, data: dict) -> bool:
        version = data.get("format_version")
        match = _VERSION.fullmatch(version) if isinstance(version, str) else None
        if match is None:
            self.error(f"plan format_version must be a version string like \"1.2\", got {version!r}", data)
            return False
        if int(match.group(1)) not in READABLE_MAJORS:
            self.error(f"unsupported plan format_version {version}: only 0.x (Terraform 0.12 to 1.0) and "
                       f"{SUPPORTED_MAJOR}.x (Terraform 1.1 and later, OpenTofu) are understood", data)
            return False
        return True

    # -- resource_changes -----------------------------------------------------------------------

    def read_changes(self, changes: Any) -> None:
        if changes is None:
            return
        if not isinstance(changes, list):
            self.error("resource_changes is not a list", changes, self.top)
            return
        for entry in changes:
            if not isinstance(entry, dict):
                self.error("resource change is not an object", entry, changes)
                continue
            if entry.get("deposed"):
                continue  # an old object awaiting destruction; the current instance has its own entry
            address = entry.get("address")
            if not isinstance(address, str) or not address:
                self.error("resource change without an address", entry)
                continue
            change = entry.get("change")
            if not isinstance(change, dict):
                self.error(f"resource change {address} has no change object", entry)
                continue
            actions = change.get("actions")
            if not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
                self.error(f"resource change {address} has no valid actions list", actions, change)
                actions = []
            self.changes[address] = _Change(entry, change, list(actions))

    def read_deferred_changes(self, deferred: Any) -> None:
        """Terraform 1.9+ (deferred actions): a change planned for a later round, as
        ``{reason, resource_change}``. It will be applied, so it is judged like a planned
        change with its unknowns; one whose values are all unknown (``after_unknown: true``) has
        nothing to judge: it is named as unresolved instead of being loaded empty."""
        if deferred is None:
            return
        if not isinstance(deferred, list):
            self.error("deferred_changes is not a list", deferred, self.top)
            return
        for item in deferred:
            entry = item.get("resource_change") if isinstance(item, dict) else None
            if not isinstance(entry, dict):
                self.error("deferred change has no resource_change object", item, deferred)
                continue
            before = len(self.changes)
            self.read_changes([entry])
            if len(self.changes) == before:
                continue  # reported, a deposed object, or an address resource_changes holds
            address = entry["address"]
            reason = item.get("reason")
            self.deferred[address] = reason if isinstance(reason, str) and reason else "deferred"
            change = self.changes[address].change
            if not isinstance(change.get("after"), dict) and change.get("after_unknown") is True:
                del self.changes[address]
                self.unresolved.append(InputError(
                    f"{address} is deferred to a later plan ({self.deferred[address]}) and none of its "
                    "values are known yet: it is judged when it is planned", file=self.file,
                    line=line_of(entry) or None))

    def check_errored(self, data: dict) -> None:
        """An errored plan (Terraform 1.6+) stopped part way: what it leaves out is unknown and it
        cannot be applied. What it holds is still judged, but it never passes the gate."""
        if data.get("errored") is True:
            self.error("plan is errored: Terraform stopped planning on an error, so the plan is incomplete "
                       "and cannot be applied; fix the errors and plan again", data)

    # -- values ---------------------------------------------------------------------------------

    def load_module_tree(self, module: Any, where: str, *, data_only: bool) -> None:
        if module is None:
            return  # an empty plan or state may omit the module entirely
        if not isinstance(module, dict):
            self.error(f"{where} is not an object", module, self.top)
            return
        resources = module.get("resources", [])
        module_address = module.get("address")
        if not isinstance(resources, list):
            self.error(f"resources of {module_address or where} is not a list", resources, module)
        else:
            for obj in resources:
                if isinstance(obj, dict):
                    address = obj.get("address")
                    if isinstance(module_address, str) and module_address and isinstance(address, str) \
                            and not address.startswith(module_address + "."):
                        # some 0.12 states print a child module's resources relative to it
                        obj = PDict({**obj, "address": f"{module_address}.{address}"}, line=line_of(obj))
                    self.load_value_resource(obj, data_only=data_only)
                else:
                    self.error("resource entry is not an object", obj, resources)
        children = module.get("child_modules", [])
        if not isinstance(children, list):
            self.error(f"child_modules of {module.get('address') or where} is not a list", children, module)
            return
        for child in children:
            self.load_module_tree(child, "child module", data_only=data_only)

    def load_value_resource(self, obj: dict, *, data_only: bool) -> None:
        identity = self.identity(obj)
        if identity is None:
            return
        address, type_, mode = identity
        if obj.get("deposed_key"):
            return  # an old object of a state awaiting destruction, not what stays deployed
        if data_only and mode != "data":
            return  # managed resources of the prior state that are still planned were loaded already
        if address in self.resources:
            if not data_only:
                self.error(f"duplicate resource address {address}", obj)
            return
        change = self.changes.get(address)
        if change is not None and change.removes:
            return
        values = obj.get("values")
        if values is not None and not isinstance(values, dict):
            self.error(f"values of {address} is not an object", values, obj)
            values = None
        self.add_resource(address, type_, mode, values, obj, change)

    def identity(self, obj: dict) -> tuple[str, str, str] | None:
        address = obj.get("address")
        if not isinstance(address, str) or not address:
            self.error("resource without an address", obj)
            return None
        type_ = obj.get("type")
        if not isinstance(type_, str) or not type_:
            self.error(f"resource {address} has no type", obj)
            return None
        mode = obj.get("mode")
        if mode is None:
            mode = "data" if _is_data_address(address) else "managed"
        if mode == "ephemeral":
            return None  # OpenTofu lists ephemeral resources, values nulled: they are never deployed
        if mode not in MODES:
            self.error(f"resource {address} has unknown mode {mode!r}", obj)
            return None
        return address, type_, mode

    def add_resource(self, address: str, type_: str, mode: str, values: dict | None,
                     position: dict, change: _Change | None) -> None:
        properties = _copy(values) if values is not None else PDict(line=line_of(position))
        metadata: dict = {"deployed": True} if self.deployed else {}
        written = self.written_attributes(address) if mode == "managed" else None
        if change is not None:
            metadata["actions"] = list(change.actions)
            if address in self.deferred:
                metadata["deferred"] = self.deferred[address]
            after_unknown = change.change.get("after_unknown")
            if isinstance(after_unknown, dict):
                _mark_unknown(properties, after_unknown, address, "", written)
        secrets = sensitive_strings(values, position.get("sensitive_values"),
                                    change.change.get("after_sensitive") if change is not None else None)
        if secrets:
            metadata[SENSITIVE_KEY] = secrets
        line = line_of(position)
        self.resources[address] = Resource(
            address=address, type=type_, properties=properties, file=self.file, line=line,
            end_line=line, source=TERRAFORM_PLAN, base_address=strip_instance_keys(address),
            mode=mode, group=self.group, metadata=metadata)

    def load_changed_only(self) -> None:
        """Instances with a change but no planned_values entry (planned_values missing or
        truncated): their ``after`` is the best available value."""
        for address, change in self.changes.items():
            if address in self.resources or change.removes:
                continue
            identity = self.identity(change.entry)
            if identity is None:
                continue
            after = change.change.get("after")
            if after is not None and not isinstance(after, dict):
                self.error(f"change.after of {address} is not an object", after, change.change)
                after = None
            self.add_resource(identity[0], identity[1], identity[2], after, change.entry, change)

    def load_state_values(self, values: Any, where: str) -> None:
        """Every resource of a state's ``values`` (a state file, or a plan's ``prior_state``)."""
        self.deployed = True
        if values is None:
            return  # an empty state: nothing deployed
        if not isinstance(values, dict):
            self.error(f"{where} is not an object", values, self.top)
            return
        self.load_module_tree(values.get("root_module"), f"{where}.root_module", data_only=False)

    def load_prior_data_sources(self, prior: Any) -> None:
        """Data sources read while planning appear only in the prior state."""
        if prior is None:
            return
        if not isinstance(prior, dict):
            self.error("prior_state is not an object", prior, self.top)
            return
        values = prior.get("values")
        if values is None:
            return
        if not isinstance(values, dict):
            self.error("prior_state.values is not an object", values, prior)
            return
        self.load_module_tree(values.get("root_module"), "prior_state.values.root_module", data_only=True)

    def drop_unconfigured(self, addresses: set[str], configuration: Any) -> None:
        """Data sources of the prior state that the configuration no longer has: gone with this
        plan (Terraform drops them), so not read as part of what gets deployed. Without a
        configuration nothing tells, and they stay."""
        configured = _configured_addresses(configuration)
        if configured is None:
            return
        for address in addresses:
            if self.resources[address].base_address not in configured:
                del self.resources[address]

    def drop_read_back(self) -> None:
        """Values the provider read back from what other resources of the plan wrote, which a
        no-op or update carries in its ``after`` even when the plan deletes the writer: a role's
        ``managed_policy_arns`` after an attachment, a bucket's ``policy`` after a bucket policy.
        An attribute of ``_READ_BACK`` the configuration does not write is not this resource's
        (the writers are judged as resources of their own); of a role's ``inline_policy`` blocks
        (which a ``dynamic`` block writes without showing in the configuration), those an
        ``aws_iam_role_policy`` of the plan writes, or deletes, are dropped, unless the
        configuration writes ``inline_policy`` blocks itself."""
        configured = self.written
        if configured is None:
            return
        written_inline = {(before.get("role"), before.get("name"))
                          for change in self.changes.values() if change.entry.get("type") == "aws_iam_role_policy"
                          for before in (change.change.get("before"), change.change.get("after"))
                          if isinstance(before, dict)
                          and isinstance(before.get("role"), str) and isinstance(before.get("name"), str)}
        for resource in self.resources.values():
            expressions = configured.get(resource.base_address)
            if resource.mode != "managed" or expressions is None or resource.metadata.get("deployed"):
                continue
            for attr in _READ_BACK.get(resource.type, ()):
                if attr not in expressions:
                    resource.properties.pop(attr, None)
            blocks = resource.properties.get("inline_policy") if resource.type == "aws_iam_role" else None
            name = resource.properties.get("name")
            # blocks the configuration writes are the role's own, whatever else names them; only
            # string names are compared (a mangled plan may put any value where a name belongs)
            if isinstance(blocks, list) and written_inline and "inline_policy" not in expressions \
                    and isinstance(name, str):
                kept = [b for b in blocks
                        if not (isinstance(b, dict) and isinstance(b.get("name"), str)
                                and (name, b.get("name")) in written_inline)]
                if len(kept) != len(blocks):
                    resource.properties["inline_policy"] = PList(kept, line=line_of(blocks))

    # -- configuration --------------------------------------------------------------------------

    def index_configuration(self, configuration: Any) -> None:
        """Which attributes the configuration writes for each resource. The provider leaves an
        optional-and-computed attribute (a role's ``inline_policy``, a bucket's ``policy``)
        unknown until apply when the configuration never sets it: that is no hole, only what
        other resources of the plan attach. Malformed parts are reported by
        ``recover_references``."""
        self.written = _configured_expressions(configuration)
        if self.written is None:
            return
        pending = [(configuration["root_module"], "")]
        while pending:
            module, prefix = pending.pop()
            if not isinstance(module, dict):
                continue
            self.modules[prefix] = module
            calls = module.get("module_calls")
            for name, call in calls.items() if isinstance(calls, dict) else ():
                if isinstance(call, dict):
                    pending.append((call.get("module"), f"{prefix}module.{name}."))

    def written_attributes(self, address: str) -> dict | None:
        """The configuration expressions of a managed resource, None when not known (no
        configuration in the plan, or none for this resource)."""
        if self.written is None:
            return None
        return self.written.get(strip_instance_keys(address))

    def build_deferred_documents(self) -> None:
        """``aws_iam_policy_document`` data sources whose read the plan defers to apply (their
        arguments mention what only apply knows, a bucket's ARN): their ``json`` is unknown, but
        their statements are in the plan, with the unknown parts already turned into references.
        Build the document from them, and put it wherever the plan refers to that ``json``."""
        from .policy_document import build_policy_document

        documents: dict[str, list[Resource]] = {}
        for resource in self.resources.values():
            if resource.mode == "data" and resource.type == "aws_iam_policy_document" \
                    and _is_hole(resource.properties.get("json")):
                documents.setdefault(resource.base_address, []).append(resource)
        if not documents:
            return
        by_instance = {r.address: r for group in documents.values() for r in group}
        # "module.m[\"a\"]." of each deferred document, for references scoped to one module instance
        module_of = {r.address: _instance_parts(r.address)[0] + "." for r in by_instance.values()}
        built: dict[str, Any] = {}  # instance address -> its document, once built

        def targets_of(value: Any) -> list[Resource]:
            """The documents a value is the json of: the instance its reference names (a literal
            key, or ``count.index``/``each.key`` pinned to the owner's key), else every instance
            in the module instance it was written in, all of which it may be."""
            if not isinstance(value, Unknown) or not value.refs:
                return []
            refs = value.refs
            targets = {ref.target for ref in refs}
            if len(targets) != 1 or any(ref.attr not in (None, "json", "minified_json") for ref in refs):
                return []
            instances = {ref.instance_address for ref in refs}
            instance = instances.pop() if len(instances) == 1 else None
            if instance is not None:
                found = by_instance.get(instance)
                return [found] if found is not None else []
            scopes = {ref.scope for ref in refs}
            candidates = documents.get(targets.pop(), [])
            if len(scopes) == 1 and None not in scopes:
                scope = scopes.pop()
                candidates = [c for c in candidates if module_of[c.address] == scope]
            return candidates

        def substitute(owner: Resource, value: Any) -> Any:
            targets = targets_of(value)
            if not targets or any(t.address not in built for t in targets):
                return value
            if len(targets) == 1:
                return built[targets[0].address]
            # which instance is not known here: each is judged, as for any value chosen at apply
            return Choice([built[t.address] for t in targets], text=value.text)

        def merged(resource: Resource) -> list[Resource]:
            """The documents this one merges (source/override_policy_documents)."""
            found = []
            for name in ("source_policy_documents", "override_policy_documents"):
                items = resource.properties.get(name)
                for item in items if isinstance(items, list) else ():
                    found.extend(targets_of(item))
            return found

        def build(resource: Resource) -> None:
            props = resource.properties
            for name in ("source_policy_documents", "override_policy_documents"):
                if isinstance(props.get(name), list):
                    props[name] = PList([substitute(resource, item) for item in props[name]],
                                        line=line_of(props[name]))
            document = build_policy_document(props, resource.line, f"{resource.address}.json", None)
            if isinstance(document, Unknown) and not document.origins:
                document = Unknown(document.text, document.refs, document.reason,
                                   origins=(Origin("deferred_read", f"{resource.address}.json"),))
            built[resource.address] = document
            props["json"] = document
            if "minified_json" in props:
                props["minified_json"] = document

        # documents merged into others are built first (depth first, without recursion: a chain
        # may be long); one in a cycle is built with the other still unknown
        state: dict[str, bool] = {}  # address -> finished
        for group in documents.values():
            for first in group:
                if first.address in state:
                    continue
                _fold_legacy_documents(first.properties)
                state[first.address] = False
                stack = [(first, iter(merged(first)))]
                while stack:
                    resource, pending = stack[-1]
                    following = next(pending, None)
                    if following is None:
                        stack.pop()
                        build(resource)
                        state[resource.address] = True
                    elif following.address not in state:
                        _fold_legacy_documents(following.properties)
                        state[following.address] = False
                        stack.append((following, iter(merged(following))))
        for resource in list(self.resources.values()):
            _replace_holes(resource.properties, lambda value, owner=resource: substitute(owner, value))

    def resolve_references(self, references: list, prefix: str, depth: int = 0) -> tuple[list[_Reference], bool]:
        """The resources an expression written in the module at ``prefix`` refers to (targets
        with their module prefix), and whether it is exactly one resource attribute. A module's
        input (``var.x``) is followed to what its call passes, a module output
        (``module.m.out``) to what the output refers to, so an unknown names the resource it
        waits for (``module.bucket.aws_s3_bucket.this.arn``), not ``var.bucket_arn``."""
        key = (tuple(r for r in references if isinstance(r, str)), prefix)
        cached = self.resolved.get(key)
        if cached is not None:
            return cached
        self.resolved[key] = ([], False)  # a cycle of module inputs and outputs gives nothing
        found, exact = _resource_references(references)
        found = [_Reference(prefix + r.target, r.attrs, r.key) for r in found]
        seen = set(found)
        texts = list(dict.fromkeys(strip_instance_keys(r) for r in references if isinstance(r, str)))
        deepest = _deepest(texts)
        for text in dict.fromkeys(deepest):
            inner = self.module_boundary(text.split("."), prefix)
            if inner is None:
                continue
            inner_references, inner_prefix = inner
            if depth >= _MAX_MODULE_HOPS:
                exact = False
                continue
            refs, inner_exact = self.resolve_references(inner_references, inner_prefix, depth + 1)
            for r in refs:
                if r not in seen:
                    seen.add(r)
                    found.append(r)
            exact = inner_exact and len(deepest) == 1
        self.resolved[key] = (found, exact)
        return found, exact

    def module_boundary(self, steps: list[str], prefix: str) -> tuple[list, str] | None:
        """The references behind ``var.x`` (in a module: what its call passes, written in the
        caller) or ``module.m.out`` (what the output's expression refers to, written in
        module m); None for anything else or what the configuration does not show."""
        if steps[0] == "var" and len(steps) >= 2 and prefix:
            parent, _, call_name = prefix[:-1].rpartition(".")  # "module.a.module.b." -> "module.a.module", "b"
            if not parent.endswith("module"):
                return None
            parent_prefix = parent[:-len("module")]
            caller = self.modules.get(parent_prefix)
            calls = caller.get("module_calls") if isinstance(caller, dict) else None
            call = calls.get(call_name) if isinstance(calls, dict) else None
            expressions = call.get("expressions") if isinstance(call, dict) else None
            expression = expressions.get(steps[1]) if isinstance(expressions, dict) else None
            if isinstance(expression, dict) and isinstance(expression.get("references"), list):
                return _references_of(expression), parent_prefix
            return None
        if steps[0] == "module" and len(steps) >= 2:
            inner_prefix = f"{prefix}module.{steps[1]}."
            module = self.modules.get(inner_prefix)
            outputs = module.get("outputs") if isinstance(module, dict) else None
            if not isinstance(outputs, dict):
                return None
            # Terraform up to 1.0 names only the module (module.m), not the output
            names = [steps[2]] if len(steps) >= 3 else list(outputs)
            references: list = []
            for name in names:
                output = outputs.get(name)
                expression = output.get("expression") if isinstance(output, dict) else None
                if isinstance(expression, dict):
                    references.extend(_references_of(expression))
            return (references, inner_prefix) if references else None
        return None

    def ref_objects(self, refs: list[_Reference], owner: str, references: list) -> list[Ref]:
        """``Ref``s for ``refs`` written in the resource instance ``owner``, pinned to the
        instances they mean: a reference inside an instance of a module called with
        count/for_each means that instance's resources; one with a literal key
        (``aws_iam_role.r["ci"]``) that instance; one through ``count.index`` or ``each.key``
        the instance with the owner's own key, when the plan has it."""
        module, own_key = _instance_parts(owner)
        module_base = strip_instance_keys(module)
        by_key = own_key and any(isinstance(r, str) and (r.startswith("count.") or r.startswith("each."))
                                 for r in references)
        objects: list[Ref] = []
        seen: set = set()
        for reference in refs:
            ref = _ref_objects([reference], "")[0]
            target_module = _instance_parts(ref.target)[0]
            same_module = bool(module) and target_module == module_base
            if same_module:
                ref.scope = module + "."
            key = reference.key
            if key is None and by_key:
                local = ref.target[len(target_module) + 1:] if target_module else ref.target
                instance = (module + "." if same_module else ref.target[:len(ref.target) - len(local)]) + local + own_key
                if instance in self.resources:
                    key = _key_value(own_key)
            ref.key = key
            if (ref.text, key) not in seen:
                seen.add((ref.text, key))
                objects.append(ref)
        return objects

    def recover_references(self, configuration: Any) -> None:
        if configuration is None:
            return
        if not isinstance(configuration, dict):
            self.error("configuration is not an object", configuration, self.top)
            return
        by_base: dict[str, list[Resource]] = {}
        for resource in self.resources.values():
            by_base.setdefault(resource.base_address, []).append(resource)
        self.config_module(configuration.get("root_module"), "", by_base)

    def load_configuration_values(self, configuration: Any, planned: Any) -> None:
        """Providers, variable declarations and root outputs, as Resources with mode (and type)
        "provider" / "variable" / "output" like the HCL loader makes: they are not deployed, but
        credentials written into them and secrets they expose are findings. Malformed parts were
        reported by ``recover_references`` or are skipped (nothing to analyse there)."""
        if not isinstance(configuration, dict):
            return
        providers = configuration.get("provider_config")
        if isinstance(providers, dict):
            for key, config in providers.items():
                if not isinstance(config, dict):
                    continue
                expressions = config.get("expressions")
                properties = _expression_values(expressions if isinstance(expressions, dict) else {}, "")
                alias = config.get("alias")
                if isinstance(alias, str):
                    properties["alias"] = alias
                module = config.get("module_address")
                prefix = f"{module}." if isinstance(module, str) and module else ""
                name = config.get("name") if isinstance(config.get("name"), str) else str(key).split(".")[0]
                local = f"provider.{name}" + (f".{alias}" if isinstance(alias, str) else "")
                self.add_config_value(prefix + local, "provider", properties, config)
        root = configuration.get("root_module")
        planned_outputs = planned.get("outputs") if isinstance(planned, dict) else None
        self.config_module_values(root, "", planned_outputs if isinstance(planned_outputs, dict) else {})

    def config_module_values(self, module: Any, prefix: str, planned_outputs: dict) -> None:
        if not isinstance(module, dict):
            return
        variables = module.get("variables")
        if isinstance(variables, dict):
            for name, declaration in variables.items():
                if isinstance(declaration, dict):
                    properties = PDict({k: _copy(v) for k, v in declaration.items()}, line=line_of(declaration))
                    self.add_config_value(f"{prefix}var.{name}", "variable", properties, declaration)
                    if declaration.get("sensitive") is True:
                        self.mark_sensitive_variable(f"{prefix}var.{name}", name, declaration, not prefix)
        outputs = module.get("outputs")
        if isinstance(outputs, dict) and not prefix:  # only root outputs leave the configuration
            for name, declaration in outputs.items():
                if not isinstance(declaration, dict):
                    continue
                properties = PDict(line=line_of(declaration))
                expression = declaration.get("expression")
                planned_value = planned_outputs.get(name)
                if isinstance(expression, dict) and expression.get("references"):
                    properties.update(_expression_values({"value": expression}, prefix))
                elif isinstance(planned_value, dict) and "value" in planned_value:
                    properties["value"] = _copy(planned_value["value"])
                elif isinstance(expression, dict) and "constant_value" in expression:
                    properties["value"] = _copy(expression["constant_value"])
                sensitive = declaration.get("sensitive")
                if not isinstance(sensitive, bool) and isinstance(planned_value, dict):
                    sensitive = planned_value.get("sensitive")
                properties["sensitive"] = sensitive is True
                self.add_config_value(f"{prefix}output.{name}", "output", properties, declaration)
                if sensitive is True and isinstance(planned_value, dict):
                    self.add_sensitive(f"{prefix}output.{name}", sensitive_strings(planned_value.get("value"), True))
        calls = module.get("module_calls")
        if isinstance(calls, dict):
            for name, call in calls.items():
                if isinstance(call, dict):
                    self.config_module_values(call.get("module"), f"{prefix}module.{name}.", planned_outputs)
                    self.mark_sensitive_arguments(call, f"{prefix}module.{name}.")

    def mark_sensitive_variable(self, address: str, name: str, declaration: dict, root: bool) -> None:
        """A variable declared ``sensitive``: its default, and for a root variable the value the
        plan was made with (the plan's ``variables`` print it in clear)."""
        found = sensitive_strings(declaration.get("default"), True)
        given = self.top.get("variables") if root else None
        entry = given.get(name) if isinstance(given, dict) else None
        if isinstance(entry, dict):
            found += sensitive_strings(entry.get("value"), True)
        self.add_sensitive(address, found)

    def mark_sensitive_arguments(self, call: dict, prefix: str) -> None:
        """Constant arguments a module call passes to variables the module declares sensitive."""
        module = call.get("module")
        expressions = call.get("expressions")
        variables = module.get("variables") if isinstance(module, dict) else None
        if not isinstance(variables, dict) or not isinstance(expressions, dict):
            return
        for name, declaration in variables.items():
            argument = expressions.get(name)
            if (isinstance(declaration, dict) and declaration.get("sensitive") is True
                    and isinstance(argument, dict) and "constant_value" in argument):
                self.add_sensitive(f"{prefix}var.{name}", sensitive_strings(argument["constant_value"], True))

    def add_sensitive(self, address: str, secrets: list[str]) -> None:
        resource = self.resources.get(address)
        if resource is not None and secrets:
            known = resource.metadata.setdefault(SENSITIVE_KEY, [])
            known.extend(s for s in secrets if s not in known)

    def add_config_value(self, address: str, kind: str, properties: dict, position: Any) -> None:
        if address in self.resources:
            return
        line = line_of(position) or line_of(self.top)
        self.resources[address] = Resource(
            address=address, type=kind, properties=properties, file=self.file, line=line, end_line=line,
            source=TERRAFORM_PLAN, base_address=strip_instance_keys(address), mode=kind, group=self.group)

    def config_module(self, module: Any, prefix: str, by_base: dict[str, list[Resource]]) -> None:
        if module is None:
            return
        if not isinstance(module, dict):
            self.error(f"configuration of {prefix.rstrip('.') or 'root module'} is not an object", module,
                       self.top)
            return
        resources = module.get("resources", [])
        if not isinstance(resources, list):
            self.error("configuration resources is not a list", resources, module)
            resources = []
        for configured in resources:
            if not isinstance(configured, dict):
                self.error("configured resource is not an object", configured, resources)
                continue
            address = configured.get("address")
            expressions = configured.get("expressions")
            if not isinstance(address, str) or not isinstance(expressions, dict):
                continue  # nothing to recover; the values part already reported real problems
            for resource in by_base.get(prefix + strip_instance_keys(address), ()):
                self.apply_expressions(resource.properties, expressions, prefix, resource.address, "")
        calls = module.get("module_calls", {})
        if not isinstance(calls, dict):
            self.error("module_calls is not an object", calls, module)
            return
        for name, call in calls.items():
            if isinstance(call, dict):
                self.config_module(call.get("module"), f"{prefix}module.{name}.", by_base)

    def apply_expressions(self, container: dict, expressions: dict, prefix: str, address: str,
                          path: str) -> None:
        for attr, expression in expressions.items():
            if not isinstance(attr, str):
                continue
            child_path = _join(path, attr)
            value = container.get(attr, _MISSING)
            if _is_leaf_expression(expression):
                references = _references_of(expression)
                refs, exact = self.resolve_references(references, prefix)
                if refs:
                    _place_refs(container, attr, self.ref_objects(refs, address, references), exact,
                                f"{address}.{child_path}")
            elif isinstance(value, Unknown) and not isinstance(value, Ref):
                # The whole block is unknown: keep every resource it mentions on the unknown.
                objects = [o for references in _nested_references(expression)
                           for o in self.ref_objects(self.resolve_references(references, prefix)[0], address,
                                                     references)]
                if objects:
                    container[attr] = _with_refs(value, objects)
            elif isinstance(expression, list) and isinstance(value, list):
                # Block lists correspond element by element when the counts agree.
                if len(expression) == len(value):
                    for index, (block, item) in enumerate(zip(expression, value)):
                        if isinstance(block, dict) and isinstance(item, dict):
                            self.apply_expressions(item, block, prefix, address, f"{child_path}[{index}]")
            elif isinstance(expression, dict) and isinstance(value, dict):
                # A single nested block, or a map of blocks keyed by label.
                self.apply_expressions(value, expression, prefix, address, child_path)


# -- helpers ------------------------------------------------------------------------------------

# Resource.metadata key: the text of values the plan marks sensitive, which no report may print
SENSITIVE_KEY = "sensitive"


def sensitive_strings(value: Any, *marks: Any) -> list[str]:
    """The strings of ``value`` that any of ``marks`` (``sensitive_values``/``after_sensitive``:
    ``true`` at a sensitive part, objects and lists mirroring the value) marks sensitive.
    Numbers and booleans are not collected: reports could not tell them from any other."""
    found: dict[str, None] = {}  # ordered set

    def leaves(part: Any) -> None:
        if isinstance(part, str):
            if part:
                found[part] = None
        elif isinstance(part, dict):
            for item in part.values():
                leaves(item)
        elif isinstance(part, list):
            for item in part:
                leaves(item)

    def walk(part: Any, mark: Any) -> None:
        if mark is True:
            leaves(part)
        elif isinstance(mark, dict) and isinstance(part, dict):
            for key, sub in mark.items():
                if key in part:
                    walk(part[key], sub)
        elif isinstance(mark, list) and isinstance(part, list):
            for sub, item in zip(mark, part):
                walk(item, sub)

    for mark in marks:
        walk(value, mark)
    return list(found)


def _expression_values(expressions: dict, prefix: str) -> PDict:
    """Attribute values of configuration expressions: a constant as written; references as a
    ``Ref`` (one resource attribute) or an ``Unknown`` naming the resources it mentions."""
    values = PDict(line=line_of(expressions))
    for attr, expression in expressions.items():
        if not isinstance(attr, str) or not _is_leaf_expression(expression):
            continue
        if "constant_value" in expression:
            values[attr] = _copy(expression["constant_value"])
            continue
        references = _references_of(expression)
        if references:
            refs, exact = _resource_references(references)
            objects = _ref_objects(refs, prefix)
            values[attr] = objects[0] if exact else Unknown(" ".join(references), objects, "expression")
    return values


# Attributes a provider reads back from what separate resources attach (Optional+Computed):
# a value there that the configuration does not write belongs to those resources.
_READ_BACK = catalogue.read_back()


def _configured_addresses(configuration: Any) -> set[str] | None:
    """Base addresses (``module.m.data.x.y``) of every resource the configuration declares;
    None when it is missing or not readable (then nothing can be told from it)."""
    found = _configured_expressions(configuration)
    return None if found is None else set(found)


def _configured_expressions(configuration: Any) -> dict[str, dict] | None:
    """The configured expressions of every resource the configuration declares, by base address
    (``module.m.data.x.y``); None when the configuration is missing or not readable."""
    if not isinstance(configuration, dict) or not isinstance(configuration.get("root_module"), dict):
        return None
    found: dict[str, dict] = {}
    pending = [(configuration["root_module"], "")]
    while pending:
        module, prefix = pending.pop()
        resources = module.get("resources")
        for configured in resources if isinstance(resources, list) else ():
            if isinstance(configured, dict) and isinstance(configured.get("address"), str):
                expressions = configured.get("expressions")
                found[prefix + configured["address"]] = expressions if isinstance(expressions, dict) else {}
        calls = module.get("module_calls")
        for name, call in calls.items() if isinstance(calls, dict) else ():
            if isinstance(call, dict) and isinstance(call.get("module"), dict):
                pending.append((call["module"], f"{prefix}module.{name}."))
    return found


def _is_data_address(address: str) -> bool:
    parts = strip_instance_keys(address).split(".")
    # Skip module.<name> pairs; a data source's own address then starts with "data".
    while len(parts) >= 2 and parts[0] == "module":
        parts = parts[2:]
    return bool(parts) and parts[0] == "data"


def _copy(value: Any) -> Any:
    """Deep copy keeping lines, so marking unknowns never edits the caller's parsed JSON."""
    if isinstance(value, dict):
        return PDict({k: _copy(v) for k, v in value.items()}, line=line_of(value))
    if isinstance(value, list):
        return PList([_copy(v) for v in value], line=line_of(value))
    return value


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    if _IDENTIFIER.fullmatch(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key)}]"


def _mark_unknown(container: dict | list, unknown: dict | list, address: str, path: str,
                  written: dict | None = None) -> None:
    """Overlay ``after_unknown`` (``true`` at each unknown leaf) onto the planned values.

    Unknown object attributes are absent from the values and unknown list elements are null,
    so containers are created or extended as needed to put the ``Unknown`` in its place.
    ``written``: the resource's configuration expressions (top level only). A whole attribute
    unknown that the configuration does not write is computed by the provider and stays unset.
    (A ``dynamic`` block is not in the configuration either; one whose ``for_each`` is itself
    unknown is indistinguishable from an unset attribute, a limit the README states.)
    """
    items: Iterator[tuple[Any, Any]] = (
        iter(unknown.items()) if isinstance(unknown, dict) else enumerate(unknown))
    for key, flag in items:
        if isinstance(container, list):
            if not isinstance(key, int):
                continue
            while len(container) <= key:
                container.append(None)
            current = container[key]
        else:
            if flag is True and written is not None and key not in written:
                continue
            current = container.get(key)
        child_path = _join(path, key)
        if flag is True:
            container[key] = Unknown(f"{address}.{child_path}", reason=KNOWN_AFTER_APPLY)
        elif isinstance(flag, (dict, list)) and _any_true(flag):
            wanted = dict if isinstance(flag, dict) else list
            if current is None:
                current = PDict(line=line_of(container)) if wanted is dict else PList(line=line_of(container))
                container[key] = current
            if isinstance(current, wanted):
                _mark_unknown(current, flag, address, child_path)


def _is_hole(value: Any) -> bool:
    return isinstance(value, Unknown)


def _replace_holes(container: Any, replace: Any) -> None:
    """Replace every Unknown nested in ``container`` by ``replace(unknown)``."""
    stack = [container]
    while stack:
        item = stack.pop()
        pairs = item.items() if isinstance(item, dict) else enumerate(item) if isinstance(item, list) else ()
        for key, value in list(pairs):
            if isinstance(value, Unknown):
                new = replace(value)
                if new is not value:
                    item[key] = new
            elif isinstance(value, (dict, list)):
                stack.append(value)


def _fold_legacy_documents(props: dict) -> None:
    """AWS provider v3/v4 ``source_json`` / ``override_json`` (removed in v5) are a first source
    document and a last override document."""
    for legacy, name, first in (("source_json", "source_policy_documents", True),
                                ("override_json", "override_policy_documents", False)):
        value = props.get(legacy)
        if value is None or value == "":
            continue
        documents = props.get(name)
        documents = list(documents) if isinstance(documents, list) else []
        props[name] = PList([value] + documents if first else documents + [value], line=line_of(props))


def _address_steps(address: str) -> list[tuple[str, str]]:
    """``module.m["a.b"].aws_x.y[0]`` → [("module", ""), ("m", '["a.b"]'), ("aws_x", ""), ("y", "[0]")]
    (a bracket may hold quoted dots and brackets)."""
    if "[" not in address:  # most addresses: no instance key, nothing to scan for
        return [(name, "") for name in address.split(".")]
    steps: list[tuple[str, str]] = []
    name: list[str] = []
    key: list[str] = []
    depth, quoted, escaped = 0, False, False
    for char in address:
        if depth:
            key.append(char)
            if quoted:
                if escaped:
                    escaped = False
                elif char == "\\":
                    escaped = True
                elif char == '"':
                    quoted = False
            elif char == '"':
                quoted = True
            elif char == "[":
                depth += 1
            elif char == "]":
                depth -= 1
        elif char == "[":
            depth = 1
            key.append(char)
        elif char == ".":
            steps.append(("".join(name), "".join(key)))
            name, key = [], []
        else:
            name.append(char)
    steps.append(("".join(name), "".join(key)))
    return steps


def _instance_parts(address: str) -> tuple[str, str]:
    """The module instance an address is in and its own instance key:
    ``module.m["a"].aws_x.y[0]`` → ('module.m["a"]', "[0]")."""
    steps = _address_steps(address)
    end = 0
    while end + 1 < len(steps) and steps[end][0] == "module":
        end += 2
    module = ".".join(name + key for name, key in steps[:end])
    return module, steps[-1][1]


def _any_true(flag: Any) -> bool:
    if flag is True:
        return True
    if isinstance(flag, dict):
        return any(_any_true(v) for v in flag.values())
    if isinstance(flag, list):
        return any(_any_true(v) for v in flag)
    return False


def _is_leaf_expression(expression: Any) -> bool:
    """An attribute expression (``constant_value`` / ``references``, or ``{}`` for a function
    call without references) as opposed to a nested block of attribute expressions."""
    if not isinstance(expression, dict):
        return False
    if not expression or "constant_value" in expression:
        return True
    references = expression.get("references")
    return isinstance(references, list) and all(isinstance(r, str) for r in references)


def _references_of(expression: dict) -> list[str]:
    """The ``references`` of a leaf expression; a mangled list (an object, a number) is none."""
    references = expression.get("references")
    if isinstance(references, list):
        return [r for r in references if isinstance(r, str)]
    return []


def _nested_references(expression: Any) -> Iterator[list[str]]:
    """The ``references`` list of each attribute expression nested in a block expression."""
    if _is_leaf_expression(expression):
        yield _references_of(expression)
    elif isinstance(expression, dict):
        for value in expression.values():
            yield from _nested_references(value)
    elif isinstance(expression, list):
        for value in expression:
            yield from _nested_references(value)


# Steps of a reference past the resource that are looked at: the attribute, a few nested keys.
# Each prefix of a reference is compared with the others, so a hostile 16,000-step reference
# cost gigabytes before this bound.
_MAX_TRAVERSAL = 16


def _resource_references(references: list[str]) -> tuple[list[_Reference], bool]:
    """Resource references of one expression (deepest traversal only) and whether the
    expression is nothing but one resource attribute.

    Terraform lists every traversal prefix (``aws_iam_role.r.arn`` and ``aws_iam_role.r``), so
    a reference that is a prefix of another one of the same expression is dropped. Any other
    reference (``count.index``, ``var.env``) shows the value is built from more than the
    attribute, so it cannot be an exact ``Ref``. A dynamic instance key
    (``aws_iam_role.r[each.key].name``) stops the traversal at the resource: its attribute is
    not recorded, and the reference keeps ``attrs == ()``.
    """
    found: dict[_Reference, None] = {}
    only_resources = True
    for text in references:
        if not isinstance(text, str):
            only_resources = False
            continue
        steps = strip_instance_keys(text).split(".")
        size = 3 if steps[0] == "data" else 2
        if (steps[0] in _NON_RESOURCE_ROOTS or len(steps) < size
                or not all(_IDENTIFIER.fullmatch(step) for step in steps)):
            only_resources = False
            continue
        attrs = tuple(steps[size:size + _MAX_TRAVERSAL])  # deeper steps decide nothing here
        found.setdefault(_Reference(".".join(steps[:size]), attrs, _literal_key(text, size)))
    # a reference that is a prefix of a deeper one (same target; same key, or none written:
    # Terraform adds the un-keyed form) is that one
    shallower: set = set()
    for r in found:
        for n in range(len(r.attrs) + 1):
            if n < len(r.attrs):
                shallower.add((r.target, r.key, r.attrs[:n]))
            if r.key is not None:
                shallower.add((r.target, None, r.attrs[:n]))
    deepest = [r for r in found if (r.target, r.key, r.attrs) not in shallower]
    exact = only_resources and len(deepest) == 1 and len(deepest[0].attrs) == 1
    return deepest, exact


def _deepest(texts: list[str]) -> list[str]:
    """The texts no other text extends by a traversal step (``module.m`` beside ``module.m.out``)."""
    texts = [".".join(text.split(".", _MAX_TRAVERSAL + 3)[:_MAX_TRAVERSAL + 3]) for text in texts]
    prefixes = set()
    for text in texts:
        end = text.rfind(".")
        while end > 0:
            prefixes.add(text[:end])
            end = text.rfind(".", 0, end)
    return [text for text in texts if text not in prefixes]


def _literal_key(text: str, size: int) -> Any:
    """The instance key written after the resource name of a reference (``[0]``,
    ``["ci"]``), or None (none, or a dynamic key, which Terraform does not print)."""
    steps = _address_steps(text)
    return _key_value(steps[size - 1][1]) if len(steps) >= size else None


def _key_value(bracket: str) -> Any:
    """``[0]`` -> 0, ``["a"]`` -> "a"; anything else None."""
    if not (bracket.startswith("[") and bracket.endswith("]")):
        return None
    try:
        value = json.loads(bracket[1:-1])
    except ValueError:
        return None
    return value if isinstance(value, (int, str)) and not isinstance(value, bool) else None


def _ref_objects(refs: list[_Reference], prefix: str) -> list[Ref]:
    objects: dict[tuple, Ref] = {}  # one per (target, attr), as Ref equality has it
    for ref in refs:
        target = prefix + ref.target
        attr = ref.attrs[0] if ref.attrs else None
        if (target, attr) in objects:
            continue
        obj = Ref(target, attr, text=".".join((target,) + ref.attrs))
        if _is_data_address(target):
            # still unknown in a plan: a data source the plan reads only during apply
            obj.origins = (Origin("deferred_read", obj.text),)
        objects[(target, attr)] = obj
    return list(objects.values())


def _with_refs(previous: Unknown, objects: list[Ref]) -> Unknown:
    """``previous`` (an unknown leaf of the plan) known to be built from ``objects``."""
    return Unknown(previous.text, objects, previous.reason,
                   origins=tuple(dict.fromkeys(o for ref in objects for o in ref.origins)))


def _place_refs(container: dict, key: str, objects: list[Ref], is_exact: bool, text: str) -> None:
    """Put what the configuration says about an unknown value in its place.

    An expression that is one resource attribute makes a ``Ref``; anything else (several
    resources, a deeper attribute, other references mixed in) stays an ``Unknown`` that lists
    the resources it mentions (``attr`` None when the attribute is behind a dynamic key).
    """
    exact = objects[0] if is_exact else None
    current = container.get(key, _MISSING)

    def resolved(previous: Any) -> Unknown:
        if exact is not None:
            return exact
        if isinstance(previous, Unknown):
            return _with_refs(previous, objects)
        return _with_refs(Unknown(text, reason=KNOWN_AFTER_APPLY), objects)

    if current is _MISSING or (isinstance(current, Unknown) and not isinstance(current, Ref)):
        container[key] = resolved(current)
    elif isinstance(current, dict):
        # a map attribute (environment variables, tags) with unknown entries: each unknown
        # entry may come from any resource the map expression mentions
        for entry_key, previous in list(current.items()):
            if isinstance(previous, Unknown) and not isinstance(previous, Ref):
                current[entry_key] = _with_refs(previous, objects)
    elif isinstance(current, list):
        unknown_at = [i for i, v in enumerate(current) if isinstance(v, Unknown) and not isinstance(v, Ref)]
        if exact is not None and len(unknown_at) == 1:
            current[unknown_at[0]] = exact
        else:
            for index in unknown_at:
                current[index] = _with_refs(current[index], objects)


# -- files that come from Terraform but are not plan JSON -------------------------------------

PLAN_JSON_HINT = "run terraform show -json tfplan > plan.json and scan plan.json"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# Lines only the human-readable output of terraform/tofu plan, apply or show writes.
_TEXT_OUTPUT_LINE = re.compile(
    r"(?:Terraform|OpenTofu) used the selected providers to generate the following execution"
    r"|(?:Terraform|OpenTofu) will perform the following actions:"
    r"|(?:Terraform|OpenTofu) planned the following actions"
    r"|No changes\. (?:Your infrastructure matches the configuration|Infrastructure is up-to-date)\."
    r"|Plan: \d+ to add, \d+ to change, \d+ to destroy\."
    r"|Changes to Outputs:"
    r"|Note: Objects have changed outside of (?:Terraform|OpenTofu)"
    r"|\S+: Refreshing state\.\.\."
    r"|\s*# (?:module\.\S+\.)?(?:data\.)?[a-z][a-z0-9_-]*\.\S+"
    r"(?::$| (?:will be|must be|has moved|has changed|has been|is tainted|\(deposed object)\b)")


def describe_non_plan(head: bytes, *, first_line_only: bool = False) -> tuple[str, int | None] | None:
    """What a file that is not plan JSON looks like when Terraform (or OpenTofu) wrote it, and
    the line that shows it: a binary plan (``plan -out``: a zip archive), the JSON lines of
    ``plan -json`` (the machine-readable UI), or the text of ``plan``/``show`` without
    ``-json``. None for anything else. ``head`` is the start of the file. With
    ``first_line_only`` only its first line decides (a walked file is dropped on this answer, so
    a broken template quoting plan output further down stays an error)."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "a binary plan (terraform plan -out writes a zip archive)", None
    # Windows PowerShell redirects output as UTF-16 with a byte-order mark
    encoding = "utf-16" if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else "utf-8"
    text = head.decode(encoding, "replace").lstrip("\ufeff")
    for number, line in enumerate(text.splitlines()[:500], 1):
        line = _ANSI.sub("", line).rstrip()
        if not line.strip():
            continue
        if line.lstrip().startswith('{"@level"') or _is_ui_message(line):
            return "the machine-readable output of terraform plan -json (JSON lines)", number
        if _TEXT_OUTPUT_LINE.match(line):
            return "the text output of terraform plan or terraform show (without -json)", number
        if first_line_only:
            break
    return None


def _is_ui_message(line: str) -> bool:
    """One line of ``terraform plan -json``: an object with ``@level`` and ``@message``."""
    if not line.lstrip().startswith("{"):
        return False
    try:
        message = json.loads(line)
    except ValueError:
        return False
    return isinstance(message, dict) and "@level" in message and "@message" in message
