"""The one shape every loader produces: a resource with resolved properties and a position."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CLOUDFORMATION = "cloudformation"
TERRAFORM = "terraform"
TERRAFORM_PLAN = "terraform-plan"
# Pseudo-type of a policy document passed as an argument to a Terraform module whose code is
# not on disk: properties `policy` (the document), `argument`, `policy_kind` (identity or
# resource) and, for a resource policy, `service` (`trust` for a role trust policy).
MODULE_ARGUMENT_POLICY = "module_argument_policy"


@dataclass
class Resource:
    """One resource (or Terraform data source) of one template, module or plan.

    ``address``: Terraform address (``aws_iam_role.app``, ``module.net.aws_iam_role.app["a"]``,
    ``data.aws_iam_policy_document.x``) or CloudFormation logical id.
    ``base_address``: the address without instance keys; what ``Ref.target`` names.
    ``type``: native type (``aws_iam_role`` / ``AWS::IAM::Role``).
    ``properties``: resolved values (``PDict``/``PList``/scalars/``Unknown``/``Ref``/``Encoded``).
    ``file``/``line``/``end_line``: where the block starts and ends (file relative to the root).
    ``scope``: the template file or module directory whose references resolve to each other;
    a ``Ref.target`` is looked up among resources of the same scope group (see ``group``).
    ``group``: resources that deploy together and may reference each other (a CloudFormation
    template; a Terraform root module and all modules it calls; a plan file).
    ``metadata``: CloudFormation ``Metadata`` (suppressions, ``aws:cdk:path``) or, for Terraform,
    ``{"comments": [(line, text), ...]}`` inside the block.
    ``condition``: CloudFormation ``Condition`` name when the resource is conditional.
    ``when``: set on a resource that exists only when a feature flag is switched on (a variable
    default or parameter default leaves it out): the inputs that switch it on. ``world``/``copy``:
    see below.
    """

    address: str
    type: str
    properties: dict
    file: str
    line: int
    end_line: int
    source: str
    base_address: str = ""
    mode: str = "managed"
    group: str = ""
    metadata: dict = field(default_factory=dict)
    condition: str | None = None
    # the inputs that switch it on when the defaults leave it out ("var.public = true")
    when: str | None = None
    # what ``group`` ends with when this resource belongs to a deployment built with switched
    # flags (a group of its own, analysed beside the defaults' one); ``copy``: a resource of the
    # defaults' deployment repeated there (not counted again)
    world: str = ""
    copy: bool = False

    def __post_init__(self) -> None:
        if not self.base_address:
            self.base_address = self.address

    def get(self, key: str, default: Any = None) -> Any:
        return self.properties.get(key, default)

    @property
    def defaults_group(self) -> str:
        """``group`` without the switched-flags suffix: the deployment of the inputs as they are."""
        world = self.world
        return self.group[:-len(world)] if world and self.group.endswith(world) else self.group


@dataclass(frozen=True)
class ModuleSeen:
    """What loading learned of one local module directory that a call reached (the engine's
    choice of Terraform roots uses it), merged over every call and every tree."""

    instantiated: bool  # some call made an instance of it (count/for_each not all empty)
    backend: bool  # it has a backend/cloud block: only roots have one
    required: tuple[str, ...]  # its variables without a default


@dataclass
class LoadResult:
    """What a loader returns for one file or module: resources and per-file errors."""

    resources: list[Resource] = field(default_factory=list)
    errors: list = field(default_factory=list)  # list[IacguardError]
    files: list[str] = field(default_factory=list)  # files read successfully (relative)
    # Terraform: each local module directory a call reached, by real path
    modules: dict[str, ModuleSeen] = field(default_factory=dict)
    # what was read but cannot be analysed before deployment (a macro, an included snippet, a
    # nested stack in S3): reported with kind `unresolved`, blocking unless --allow-unresolved
    unresolved: list = field(default_factory=list)  # list[IacguardError]
    # Terraform module calls whose code is not on disk (errors.NotAnalysed): named, not analysed
    not_analysed: list = field(default_factory=list)
    # walked files that parsed as neither template nor plan (relative): counted as skipped
    skipped: list[str] = field(default_factory=list)
