"""Privilege escalation: the known methods, who can use them, and paths between principals.

A method is a set of actions that must *all* be allowed together (one allowed action of a
combination is not an escalation). Each action is evaluated on the resources that make the
method work:

* actions on IAM principals or policies (``iam:CreateAccessKey`` on a user, ``iam:PutRolePolicy``
  on a role, ``iam:CreatePolicyVersion`` on a policy ...) on each user/group/role/customer managed
  policy of the scan, and on "one outside the scanned files" (only a pattern that matches every
  name covers it). Methods that let the caller *become* another principal do not count on the
  caller itself (a user rotating its own key); methods that *change permissions* do;
* ``iam:PassRole`` on each role whose trust policy lets the method's service assume it, with
  ``iam:PassedToService`` set to that service. A role the service cannot assume does not count;
  a role whose trust policy is not known (outside the scan) counts, and the finding says so;
* any other action (``lambda:CreateFunction``, ``ec2:RunInstances``) on some resource the caller
  can choose, a resource known only at deploy time counting as the one it names;
* ``ssm:SendCommand``/``ssm:StartSession`` only on instances that may run with a role: a pattern
  that may match the instances of an instance or launch template of the caller's group with an
  instance profile, or, when the group launches no instance (the scan cannot tell), a pattern
  matching every instance; a pattern naming only documents is no method;
* role edits (``iam:PutRolePolicy``, ``iam:AttachRolePolicy`` ...) never on service-linked roles
  (``role/aws-service-role/...``): IAM refuses them.

Only the actions in the method table are evaluated, never an expansion of ``*``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable

from ..values import Unknown
from .access import Grant
from .conditions import arn_match
from .policy import Statement, action_elements_match, entry_services
from .effective import (ROLE_EDITING_ACTIONS, EffectiveIndex, EffectivePermissions, arns_meet,
                        names_service_linked_roles_only, outside_arn, policy_arn, principal_arn, shown_arn, value_glob,
                        value_text)

if TYPE_CHECKING:
    from ..resource import Resource
    from .model import IamModel, PolicyNode, Principal
    from .policy import Statement

__all__ = ["Method", "METHODS", "ActionUse", "MethodUse", "Hop", "EscalationAnalysis", "trusts_service",
           "describe_grant_conditions", "statement_name"]


@dataclass(frozen=True)
class Method:
    """One privilege escalation method: the actions it needs and what it gives."""

    name: str
    actions: tuple[str, ...]  # all must be allowed together
    gives: str  # what the caller gains, for messages
    services: tuple[str, ...] = ()  # iam:PassRole methods: service principals the passed role must trust
    on_self: bool = True  # acting on the caller's own user/role/group/policy counts

    @property
    def passes_role(self) -> bool:
        return "iam:PassRole" in self.actions


_EC2 = ("ec2.amazonaws.com",)
_LAMBDA = ("lambda.amazonaws.com",)
_GLUE = ("glue.amazonaws.com",)
_CFN = ("cloudformation.amazonaws.com",)
_CODEBUILD = ("codebuild.amazonaws.com",)
_SAGEMAKER = ("sagemaker.amazonaws.com",)
_ECS = ("ecs-tasks.amazonaws.com",)

# The Rhino Security Labs set, the paths added since (pathfinding.cloud, cloudsplaining, PMapper)
# and iacguard's own additions. Names are ours; action sets are AWS facts.
METHODS: tuple[Method, ...] = (
    Method("CreatePolicyVersion", ("iam:CreatePolicyVersion",), "write a new default version of a customer managed policy"),
    Method("SetDefaultPolicyVersion", ("iam:SetDefaultPolicyVersion",), "switch a policy back to an older, broader version"),
    Method("CreateAccessKey", ("iam:CreateAccessKey",), "create an access key for another user and act as that user", on_self=False),
    Method("CreateLoginProfile", ("iam:CreateLoginProfile",), "set a console password for another user", on_self=False),
    Method("UpdateLoginProfile", ("iam:UpdateLoginProfile",), "reset another user's console password", on_self=False),
    Method("AttachUserPolicy", ("iam:AttachUserPolicy",), "attach any managed policy (AdministratorAccess) to a user"),
    Method("AttachGroupPolicy", ("iam:AttachGroupPolicy",), "attach any managed policy to a group"),
    Method("AttachRolePolicy", ("iam:AttachRolePolicy",), "attach any managed policy to a role"),
    Method("PutUserPolicy", ("iam:PutUserPolicy",), "write any inline policy on a user"),
    Method("PutGroupPolicy", ("iam:PutGroupPolicy",), "write any inline policy on a group"),
    Method("PutRolePolicy", ("iam:PutRolePolicy",), "write any inline policy on a role"),
    Method("AddUserToGroup", ("iam:AddUserToGroup",), "join a group and gain its permissions"),
    Method("UpdateAssumeRolePolicy", ("iam:UpdateAssumeRolePolicy",), "rewrite a role's trust policy and assume the role",
           on_self=False),
    Method("PassRoleToEC2", ("iam:PassRole", "ec2:RunInstances"), "start an instance with the role and use its credentials", _EC2),
    Method("PassRoleToEC2Spot", ("iam:PassRole", "ec2:RequestSpotInstances"), "start a spot instance with the role", _EC2),
    Method("PassRoleToExistingEC2", ("iam:PassRole", "ec2:AssociateIamInstanceProfile"),
           "give a running instance the role", _EC2),
    Method("PassRoleToAutoScaling", ("iam:PassRole", "autoscaling:CreateAutoScalingGroup",
                                     "autoscaling:CreateLaunchConfiguration"),
           "launch instances with the role through Auto Scaling", _EC2),
    Method("PassRoleToAutoScalingLaunchTemplate", ("iam:PassRole", "autoscaling:CreateAutoScalingGroup",
                                                   "ec2:CreateLaunchTemplate"),
           "launch instances with the role from a new launch template", _EC2),
    Method("PassRoleToLambdaInvoke", ("iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"),
           "run code as the role in a new Lambda function", _LAMBDA),
    Method("PassRoleToLambdaEventSource", ("iam:PassRole", "lambda:CreateFunction", "lambda:CreateEventSourceMapping"),
           "run code as the role in a new Lambda function triggered by a stream or queue", _LAMBDA),
    Method("PassRoleToLambdaNewDynamoTrigger", ("iam:PassRole", "lambda:CreateFunction",
                                                "lambda:CreateEventSourceMapping", "dynamodb:CreateTable",
                                                "dynamodb:PutItem"),
           "run code as the role in a new Lambda function triggered by a new DynamoDB stream", _LAMBDA),
    Method("PassRoleToLambdaAddPermission", ("iam:PassRole", "lambda:CreateFunction", "lambda:AddPermission"),
           "run code as the role in a new Lambda function the caller lets itself invoke", _LAMBDA),
    Method("UpdateLambdaCode", ("lambda:UpdateFunctionCode",), "replace the code of an existing function and run as its role"),
    Method("PassRoleToGlueDevEndpoint", ("iam:PassRole", "glue:CreateDevEndpoint"),
           "open a Glue development endpoint with the role", _GLUE),
    Method("UpdateGlueDevEndpoint", ("glue:UpdateDevEndpoint",), "put an SSH key on an existing Glue endpoint and use its role"),
    Method("PassRoleToGlueJob", ("iam:PassRole", "glue:CreateJob", "glue:StartJobRun"), "run a new Glue job as the role", _GLUE),
    Method("PassRoleToGlueJobTrigger", ("iam:PassRole", "glue:CreateJob", "glue:CreateTrigger"),
           "run a new Glue job as the role from a trigger", _GLUE),
    Method("PassRoleToUpdatedGlueJob", ("iam:PassRole", "glue:UpdateJob", "glue:StartJobRun"),
           "change an existing Glue job to run as the role", _GLUE),
    Method("PassRoleToUpdatedGlueJobTrigger", ("iam:PassRole", "glue:UpdateJob", "glue:CreateTrigger"),
           "change an existing Glue job to run as the role from a trigger", _GLUE),
    Method("PassRoleToCloudFormation", ("iam:PassRole", "cloudformation:CreateStack"),
           "create a stack that acts as the role", _CFN),
    Method("PassRoleToCloudFormationStackSet", ("iam:PassRole", "cloudformation:CreateStackSet",
                                                "cloudformation:CreateStackInstances"),
           "create a stack set that acts as the role", _CFN),
    Method("PassRoleToUpdatedCloudFormationStackSet", ("iam:PassRole", "cloudformation:UpdateStackSet"),
           "change a stack set to act as the role", _CFN),
    Method("UpdateCloudFormationStack", ("cloudformation:UpdateStack",), "change a stack that acts with its service role"),
    Method("ExecuteCloudFormationChangeSet", ("cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet"),
           "run a change set on a stack that acts with its service role"),
    Method("PassRoleToDataPipeline", ("iam:PassRole", "datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition"),
           "run pipeline activities as the role", ("datapipeline.amazonaws.com", "elasticmapreduce.amazonaws.com")),
    Method("PassRoleToCodeBuild", ("iam:PassRole", "codebuild:CreateProject", "codebuild:StartBuild"),
           "run a build as the role", _CODEBUILD),
    Method("PassRoleToCodeBuildBatch", ("iam:PassRole", "codebuild:CreateProject", "codebuild:StartBuildBatch"),
           "run a batch build as the role", _CODEBUILD),
    Method("UpdateCodeBuildProject", ("codebuild:UpdateProject", "codebuild:StartBuild"),
           "change an existing project's build commands and run them as its role"),
    Method("PassRoleToSageMakerNotebook", ("iam:PassRole", "sagemaker:CreateNotebookInstance"),
           "open a notebook instance with the role", _SAGEMAKER),
    Method("PassRoleToSageMakerTraining", ("iam:PassRole", "sagemaker:CreateTrainingJob"),
           "run a training job as the role", _SAGEMAKER),
    Method("PassRoleToSageMakerProcessing", ("iam:PassRole", "sagemaker:CreateProcessingJob"),
           "run a processing job as the role", _SAGEMAKER),
    Method("SageMakerPresignedNotebookUrl", ("sagemaker:CreatePresignedNotebookInstanceUrl",),
           "open an existing notebook and use its role"),
    Method("UpdateSageMakerNotebookLifecycle", ("sagemaker:CreateNotebookInstanceLifecycleConfig",
                                                "sagemaker:StopNotebookInstance", "sagemaker:UpdateNotebookInstance",
                                                "sagemaker:StartNotebookInstance"),
           "run a start-up script in an existing notebook with its role"),
    Method("PassRoleToECSRunTask", ("iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"),
           "run a task as the role", _ECS),
    Method("PassRoleToECSStartTask", ("iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:StartTask"),
           "start a task as the role", _ECS),
    Method("PassRoleToECSService", ("iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:CreateService"),
           "run a service whose tasks act as the role", _ECS),
    Method("ECSExecuteCommand", ("ecs:ExecuteCommand", "ecs:DescribeTasks"), "open a shell in a running task and use its role"),
    Method("PassRoleToAppRunner", ("iam:PassRole", "apprunner:CreateService"), "run a service as the role",
           ("tasks.apprunner.amazonaws.com",)),
    Method("PassRoleToBedrockCodeInterpreter", ("iam:PassRole", "bedrock-agentcore:CreateCodeInterpreter",
                                                "bedrock-agentcore:StartCodeInterpreterSession",
                                                "bedrock-agentcore:InvokeCodeInterpreter"),
           "run code as the role in a new code interpreter", ("bedrock-agentcore.amazonaws.com",)),
    Method("ModifyEC2UserData", ("ec2:ModifyInstanceAttribute", "ec2:StopInstances", "ec2:StartInstances"),
           "replace an instance's user data and run it as the instance's role"),
    Method("ModifyEC2LaunchTemplate", ("ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate"),
           "change the launch template of instances that carry a role"),
    Method("EC2InstanceConnect", ("ec2-instance-connect:SendSSHPublicKey", "ec2:DescribeInstances"),
           "log in to an instance and use its role"),
    Method("SSMSendCommand", ("ssm:SendCommand",), "run commands on instances and use their role"),
    Method("SSMStartSession", ("ssm:StartSession",), "open a shell on instances and use their role"),
)

# Derived once from METHODS for methods_for: each method's actions as a set, the methods whose
# actions are a strict subset of its own (when one of those is usable it adds nothing), and every
# action any method needs.
_METHOD_ACTION_SETS = tuple(frozenset(m.actions) for m in METHODS)
_SMALLER_METHODS = tuple(tuple(j for j, other in enumerate(_METHOD_ACTION_SETS) if other < mine)
                         for mine in _METHOD_ACTION_SETS)
_METHOD_ACTIONS = tuple(dict.fromkeys(a for m in METHODS for a in m.actions))
_METHOD_ACTIONS_BY_SERVICE: dict[str, list[str]] = {}
for _action in _METHOD_ACTIONS:
    _METHOD_ACTIONS_BY_SERVICE.setdefault(_action.split(":", 1)[0].lower(), []).append(_action)
del _action


@functools.lru_cache(maxsize=1 << 14)
def _method_actions_covered(actions: tuple | None, not_actions: tuple | None) -> frozenset[str]:
    """The actions of _METHOD_ACTIONS a statement with these Action/NotAction elements may cover
    (``action_match`` not False). Keyed by the two elements, all the answer depends on; many
    statements of a scan (an AWS managed policy attached to dozens of principals, the same
    policy in many templates) share them."""
    candidates = _METHOD_ACTIONS if actions is None else _action_candidates(actions)
    return frozenset(a for a in candidates if action_elements_match(actions, not_actions, a) is not False)


def _action_candidates(entries: tuple) -> Iterable[str]:
    """The method actions an Action element may match: an ASCII entry with no wildcard in its
    service part (``iam:Put*``) matches only actions of that service (case-insensitively: the
    pattern starts with the literal ``iam:``); anything else (``*``, ``i*:Get``, an Unknown) may
    match any. Entries of other types never match."""
    services = entry_services(entries)
    if services is None:
        return _METHOD_ACTIONS
    return [action for service in services for action in _METHOD_ACTIONS_BY_SERVICE.get(service, ())]


def _covered_method_actions(statement: Statement) -> frozenset[str] | set[str]:
    try:
        return _method_actions_covered(statement.actions, statement.not_actions)
    except TypeError:  # an unhashable entry (a mapping where a string belongs): no reuse
        return {a for a in _METHOD_ACTIONS if statement.action_match(a) is not False}

# What the resource of each principal- or policy-targeting action is.
_TARGET_KIND = {
    "iam:createaccesskey": "user", "iam:createloginprofile": "user", "iam:updateloginprofile": "user",
    "iam:attachuserpolicy": "user", "iam:putuserpolicy": "user",
    "iam:attachgrouppolicy": "group", "iam:putgrouppolicy": "group", "iam:addusertogroup": "group",
    "iam:attachrolepolicy": "role", "iam:putrolepolicy": "role", "iam:updateassumerolepolicy": "role",
    "iam:createpolicyversion": "policy", "iam:setdefaultpolicyversion": "policy",
    "iam:passrole": "role", "sts:assumerole": "role",
}
# Methods whose use on a target lets the caller act as that target (graph edge can_become)
_BECOME = {"CreateAccessKey", "CreateLoginProfile", "UpdateLoginProfile", "UpdateAssumeRolePolicy", "AddUserToGroup"}
# Methods that take over existing compute, and the service its roles must trust (can_become edges
# to those roles; see EscalationAnalysis._existing_compute_hops)
_EXISTING_COMPUTE = {
    "UpdateLambdaCode": _LAMBDA, "UpdateGlueDevEndpoint": _GLUE, "UpdateCloudFormationStack": _CFN,
    "ExecuteCloudFormationChangeSet": _CFN, "UpdateCodeBuildProject": _CODEBUILD,
    "SageMakerPresignedNotebookUrl": _SAGEMAKER, "UpdateSageMakerNotebookLifecycle": _SAGEMAKER,
    "ECSExecuteCommand": _ECS, "ModifyEC2UserData": _EC2, "ModifyEC2LaunchTemplate": _EC2,
    "EC2InstanceConnect": _EC2, "SSMSendCommand": _EC2, "SSMStartSession": _EC2,
}
# Actions that act on running instances (and on documents): they reach a role only through an
# instance that carries one.
_ON_INSTANCES = {"ssm:sendcommand", "ssm:startsession"}
# Every EC2 instance and every hybrid (SSM managed) instance, as Resource patterns.
_INSTANCE_SHAPES = ("arn:*:ec2:*:*:instance/*", "arn:*:ssm:*:*:managed-instance/*")
# Resources that launch instances, and where each names the instance profile its instances get.
_INSTANCE_PROFILE_PATHS = {
    "AWS::EC2::Instance": ("IamInstanceProfile",),
    "AWS::EC2::LaunchTemplate": ("LaunchTemplateData", "IamInstanceProfile"),
    "AWS::AutoScaling::LaunchConfiguration": ("IamInstanceProfile",),
    "aws_instance": ("iam_instance_profile",),
    "aws_launch_template": ("iam_instance_profile",),
    "aws_launch_configuration": ("iam_instance_profile",),
}


def _every_instance(use: ActionUse) -> bool:
    """An SSM action allowed on a pattern that names every EC2 instance (``arn:aws:ec2:*:*:instance/*``):
    as good as ``*`` for taking over the instances of the scan."""
    if use.action.lower() not in _ON_INSTANCES or use.resource is None:
        return False
    return _names_every_instance(use.resource.strip())


def _names_every_instance(pattern: str) -> bool:
    """Does a Resource pattern name every instance of an account, in some region or all
    (``*``, ``arn:aws:ec2:*:*:instance/*``, ``arn:aws:ec2:us-east-1:123456789012:instance/*``)?
    Instances outside the scan are among them, and some may carry a role."""
    if pattern and set(pattern) == {"*"}:
        return True
    parts = pattern.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        return False
    anywhere = ":".join(parts[:3] + ["*", "*", parts[5]])  # whichever region and account it names
    return any(arn_match(anywhere, shape.replace("arn:*:", f"arn:{parts[1]}:", 1)) is True for shape in _INSTANCE_SHAPES)


def _instance_profile(resource: Resource) -> bool:
    """Does this instance, launch template or launch configuration give its instances an
    instance profile (a role)?"""
    path = _INSTANCE_PROFILE_PATHS.get(resource.type)
    if path is None:
        return False
    value: Any = resource.properties
    for name in path:
        if isinstance(value, list):
            value = value[0] if value else None
        value = value.get(name) if isinstance(value, dict) else None
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        return any(v not in (None, "", [], {}) for v in value.values())
    return value not in (None, "")


def changes_its_own_permissions(principal: Principal, use: "MethodUse") -> bool:
    """For a method that changes permissions (can_modify): can the caller change its own? (one
    of the targets is the caller, one of its groups, a policy attached to them, or a principal or
    policy outside the scan, which may be its own). Other methods: always True."""
    if use.method.name not in _MODIFY:
        return True
    own = {principal.id} | {g.id for g in principal.groups}
    for target in use.key_targets:
        if target.principal is None and target.policy is None:
            return True
        if target.principal is not None and (target.principal.id in own or target.principal.external):
            return True
        if target.policy is not None and own & set(target.policy.attached_to):
            return True
    return False


# Methods that change the permissions of their target (graph edge can_modify)
_MODIFY = {"AttachUserPolicy", "AttachGroupPolicy", "AttachRolePolicy", "PutUserPolicy", "PutGroupPolicy",
           "PutRolePolicy", "CreatePolicyVersion", "SetDefaultPolicyVersion"}


@dataclass
class Target:
    """What an escalation method acts on: a principal or policy."""

    label: str
    principal: Principal | None = None  # the scanned principal, when the target is one
    policy: PolicyNode | None = None  # the customer managed policy node, for policy targets
    note: str | None = None  # e.g. "trust policy not known"


@dataclass
class ActionUse:
    """One action of a method as the caller holds it."""

    action: str
    grant: Grant
    targets: list[Target] = field(default_factory=list)
    resource: str | None = None  # the resource pattern, for actions on a resource the caller chooses

    def where(self) -> str:
        if self.targets:
            return ", ".join(t.label for t in self.targets)
        return "any resource" if self.resource in (None, "*") else shown_arn(str(self.resource))


@dataclass
class MethodUse:
    """An escalation method a principal can use, with the actions that grant it."""

    method: Method
    actions: list[ActionUse]

    @property
    def conditional(self) -> bool:
        return any(use.grant.conditional for use in self.actions)

    @property
    def key_targets(self) -> list[Target]:
        """The targets of the method's principal-targeting action (the passed role, the user)."""
        for use in self.actions:
            if use.targets:
                return use.targets
        return []


@dataclass
class Hop:
    """One edge of an escalation path: ``source`` can act as (or change) ``target``."""

    source: Principal
    target: Principal
    kind: str  # can_become | can_pass | can_modify
    via: str  # the permission that makes it, in words
    conditional: bool = False


def statement_name(statement: Statement) -> str:
    """How messages name a statement: its Sid, else its 1-based number."""
    return str(statement.sid) if statement.sid else str(statement.index + 1)


def describe_grant_conditions(grant: Grant) -> str:
    """The conditions of the Allow statements behind a grant (and of uncertain Denies; a Deny
    without conditions is uncertain when it may or may not cover the resource)."""
    parts: list[str] = []
    for statement in grant.allow_statements + grant.deny_statements:
        if statement.is_deny and not statement.conditions:
            # a Deny that may cover the resource (one known only at deploy time)
            text = f"the Deny of statement {statement_name(statement)} does not cover it"
            if text not in parts:
                parts.append(text)
        for condition in statement.conditions:
            values = ", ".join(str(v) for v in condition.values)
            text = f"{condition.operator} {condition.key} [{values}]"
            if text not in parts:
                parts.append(text)
    return "; ".join(parts)


def trusts_service(role: Principal, services: Iterable[str]) -> bool | None:
    """Does the role's trust policy let one of these services assume it? None when the trust
    policy is not known (a role outside the scan) or could decide either way."""
    wanted = {s.lower() for s in services}
    trust = role.trust
    if trust is None or trust.document is None:
        return None
    doc = trust.document
    result: bool | None = None if (doc.unknown_statements or doc.unknown_document is not None) else False
    for statement in doc.statements:
        if statement.action_match("sts:AssumeRole") is False:
            continue
        for principal in statement.principals or ():
            if principal.is_anyone or (principal.kind == "Service" and isinstance(principal.value, str)
                                       and principal.value.strip().lower() in wanted):
                if statement.is_deny and not statement.conditions:
                    return False
                if statement.is_allow:
                    result = True
            elif principal.kind == "Service" and isinstance(principal.value, Unknown) and result is False:
                result = None
    return result


def _trust_names(model: IamModel, role: Principal, source: Principal) -> tuple[str, Statement] | None:
    """How the role's trust policy lets ``source`` assume it: ("direct", statement) when it names
    the source, ("account", statement) when it names the account or anyone (then the source also
    needs sts:AssumeRole in its own policies)."""
    if role.trust is None or role.trust.document is None:
        return None
    best: tuple[str, Statement] | None = None
    for statement in role.trust.document.statements:
        if not statement.is_allow or statement.action_match("sts:AssumeRole") is not True:
            continue
        for principal in statement.principals or ():
            if principal.kind not in ("AWS", "*"):
                continue
            if isinstance(principal.value, Unknown):
                if any(t is source.resource for t in model.referenced(role.resource, principal.value)):
                    return "direct", statement
                text = principal.value.text
                if ":root" in text and ("AWS::AccountId" in text or "account_id" in text):
                    best = best or ("account", statement)
                continue
            if principal.is_anyone or principal.is_account:
                best = best or ("account", statement)
            elif principal.arn_type in ("user", "role") and isinstance(source.name, str):
                name = principal.value.strip().rsplit("/", 1)[-1]
                if principal.arn_type == source.kind and name == source.name:
                    return "direct", statement
    return best


class EscalationAnalysis:
    """Methods per principal and escalation edges and paths, computed once per model (a scan's
    ``Analysis.escalation``). ``graph`` gives the model's graph (``Analysis.graph``); without it
    the analysis builds one of its own when first needed. ``built_graph`` gives that graph when
    it has been built already, else None."""

    def __init__(self, model: IamModel, deploy_accounts: Iterable[str] = (), graph: Callable[[], Any] | None = None,
                 built_graph: Callable[[], Any] | None = None):
        self.model = model
        self._graph_of = graph
        self._built_graph = built_graph
        self._graph: Any = None
        self._successor_order: dict[str, dict[str, None]] | None = None
        self.index = EffectiveIndex(model, deploy_accounts)
        principals = model.all_principals()
        self.by_kind: dict[str, list[Principal]] = {"user": [], "group": [], "role": []}
        for principal in principals:
            self.by_kind.setdefault(principal.kind, []).append(principal)
        self.customer_policies = [n for n in model.policies.values() if policy_arn(n)]
        self._methods: dict[str, list[MethodUse]] = {}
        self._admin: dict[str, Grant] = {}
        self._hops: list[Hop] | None = None
        # Indexes so per-principal work looks only at its own group, never at every principal of
        # the scan (that made a scan of 2,000 templates take 4x the time of 1,000); order kept.
        self._position = {p.id: index for index, p in enumerate(principals)}
        self._principal_by_id = {p.id: p for p in principals}
        self._by_kind_group: dict[tuple[str, str], list[Principal]] = {}
        for principal in principals:
            self._by_kind_group.setdefault((principal.kind, principal.resource.group), []).append(principal)
        self._policies_by_group: dict[str, list[PolicyNode]] = {}
        for node in self.customer_policies:
            self._policies_by_group.setdefault(node.resource.group, []).append(node)
        self._hops_from: dict[str, list[Hop]] = {}
        self._is_admin: dict[str, bool] = {}
        self._instances_with_roles: dict[str, bool] = {}

    # --- per principal ------------------------------------------------------------------------

    def effective(self, principal: Principal) -> EffectivePermissions:
        return self.index.of(principal)

    def full_admin(self, principal: Principal) -> Grant:
        found = self._admin.get(principal.id)
        if found is None:
            found = self._admin[principal.id] = self.effective(principal).full_admin()
        return found

    def subjects(self) -> list[Principal]:
        """Who the per-principal analyses report on: users, roles, and groups with no member in
        the scan (their members are elsewhere); members of a group report for themselves."""
        return [p for p in self.model.all_principals() if p.kind != "group" or not p.members]

    def methods_for(self, principal: Principal) -> list[MethodUse]:
        """Every method the principal can use; a method is left out when one with a subset of its
        actions is usable already (it adds nothing)."""
        found = self._methods.get(principal.id)
        if found is not None:
            return found
        eff = self.effective(principal)
        # the cheap filter first: most principals mention few of the methods' actions
        services = eff.allowed_services()
        pool = _METHOD_ACTIONS if services is None else [
            action for service in services for action in _METHOD_ACTIONS_BY_SERVICE.get(service, ())]
        # eff.mentions(action) for each action of the pool, all at once: pool actions pass its
        # service filter, so it is "some Allow (or unknown-effect) statement may cover it"
        covered: set[str] = set()
        for _, doc in eff.policies:
            for statement in doc.statements:
                if statement.is_allow or statement.effect_unknown:
                    covered |= _covered_method_actions(statement)
        mentioned = covered.intersection(pool)
        usable: dict[int, MethodUse] = {}
        for index, method in enumerate(METHODS):
            if not _METHOD_ACTION_SETS[index] <= mentioned:
                continue
            use = self._method_use(principal, eff, method)
            if use is not None:
                usable[index] = use
        found = [use for index, use in usable.items()
                 if not any(smaller in usable for smaller in _SMALLER_METHODS[index])]
        self._methods[principal.id] = found
        return found

    def _method_use(self, principal: Principal, eff: EffectivePermissions, method: Method) -> MethodUse | None:
        """How the principal can use the method (every action allowed on a target that makes it
        work), or None. Callers have checked that its policies mention every action."""
        uses = []
        for action in method.actions:
            use = self._action_use(principal, eff, method, action)
            if use is None:
                return None
            uses.append(use)
        return MethodUse(method, uses)

    def _action_use(self, principal: Principal, eff: EffectivePermissions, method: Method, action: str) -> ActionUse | None:
        kind = _TARGET_KIND.get(action.lower())
        if kind is None:
            accept = None
            if action.lower() in _ON_INSTANCES:
                accept = lambda candidate: self._names_instances_with_roles(principal.resource, candidate)  # noqa: E731
            grant, pattern = eff.grant_somewhere(action, accept=accept)
            return ActionUse(action, grant, resource=pattern) if grant.allowed else None
        context = None
        if action.lower() == "iam:passrole":
            context = {"iam:PassedToService": list(method.services)}
        targets: list[Target] = []
        grants: list[Grant] = []
        edits_roles = action.lower() in ROLE_EDITING_ACTIONS
        for target in self._candidates(kind, principal.resource.group):
            subject = target.principal
            if subject is not None and not method.on_self and subject is principal:
                continue
            if subject is not None and edits_roles and names_service_linked_roles_only(principal_arn(subject)):
                continue  # IAM refuses to edit a service-linked role
            if subject is not None and method.passes_role:
                trusted = trusts_service(subject, method.services)
                if trusted is False:
                    continue  # the service cannot assume this role
                if trusted is None:
                    target = Target(target.label, subject, note="its trust policy is not known")
            # a target's policy is one of customer_policies, each with an ARN: "or" never applies
            arn = (principal_arn(subject) if subject is not None
                   else (policy_arn(target.policy) or outside_arn(kind)) if target.policy is not None
                   else outside_arn(kind))
            grant = eff.grant(action, arn, context)
            if grant.allowed:
                targets.append(target)
                grants.append(grant)
        if not targets:
            return None
        conditional = all(g.conditional for g in grants)
        merged = Grant(True, conditional, [s for g in grants for s in g.allow_statements],
                       [s for g in grants for s in g.deny_statements] if conditional else [])
        return ActionUse(action, merged, targets)

    def _names_instances_with_roles(self, owner: Resource, candidate: str | Unknown) -> bool:
        """For ``ssm:SendCommand``/``ssm:StartSession``: can this Resource candidate name an
        instance that runs with a role? A pattern that names every instance of an account (``*``,
        ``instance/*`` in any region and account) always can: instances outside the scan may carry
        a role. A narrower pattern with a wildcard can when an instance or launch template of the
        caller's group has an instance profile and the pattern may match instances; a reference
        can when the instance it names has one. A pattern that names only documents, a literal
        instance id or a parameter (which instance it is, and its role, cannot be told) cannot."""
        if isinstance(candidate, Unknown):
            if any(_instance_profile(t) for t in self.model.referenced(owner, candidate)):
                return True
            # a value whose unknown parts are only the region and account names every instance
            # when its instance part is a literal wildcard (instance/*); a value with an unknown
            # instance part (instance/${Id}) names one instance, whose role cannot be told
            parts = value_text(candidate).split(":", 5)
            if len(parts) < 6 or "${" in parts[5]:
                return False
            pattern = value_glob(candidate) or ""
        else:
            pattern = candidate.strip()
        if _names_every_instance(pattern):
            return True
        if not any(c in pattern for c in "*?") or not any(arns_meet(pattern, shape) for shape in _INSTANCE_SHAPES):
            return False
        return self._group_instances_have_roles(owner.group)

    def _group_instances_have_roles(self, group: str) -> bool:
        """Does an instance, launch template or launch configuration of the group carry an
        instance profile?"""
        found = self._instances_with_roles.get(group)
        if found is None:
            found = self._instances_with_roles[group] = any(
                _instance_profile(r) for r in self.model.resources if r.group == group and r.type in _INSTANCE_PROFILE_PATHS)
        return found

    def _candidates(self, kind: str, group: str) -> list[Target]:
        """The principals (or policies) of the caller's own template, module tree or plan, and one
        standing for every other: only what deploys together is known to share an account."""
        if kind == "policy":
            found = [Target(f"policy {n.resource.address}", policy=n) for n in self._policies_by_group.get(group, [])]
            return found + [Target("any customer managed policy outside this template or module")]
        found = [Target(p.label, p) for p in self._by_kind_group.get((kind, group), [])]
        outside = f"any {kind} outside this template or module"
        if kind == "role":
            outside += " (whose trust policy cannot be checked)"
        return found + [Target(outside)]

    # --- between principals -------------------------------------------------------------------

    def hops(self) -> list[Hop]:
        """Every edge: who can act as whom (can_become, can_pass) and who can change whose
        permissions (can_modify), between principals of the scan."""
        if self._hops is not None:
            return self._hops
        hops: list[Hop] = []
        for source in self.model.all_principals():
            hops.extend(self.hops_from(source))
        self._hops = hops
        return hops

    def hops_from(self, source: Principal) -> list[Hop]:
        """The edges leaving one principal (none for a group: its members act, not the group).
        Computed on demand: the checks need them only for principals that are not full
        administrators already, and the methods of an administrator are the costly ones."""
        found = self._hops_from.get(source.id)
        if found is None:
            found = self._hops_from[source.id] = [] if source.kind == "group" else self._source_hops(source)
        return found

    def _source_hops(self, source: Principal) -> list[Hop]:
        hops: list[Hop] = []
        for use in self.methods_for(source):
            name = use.method.name
            kind = ("can_pass" if use.method.passes_role else "can_become" if name in _BECOME
                    else "can_modify" if name in _MODIFY else None)
            if kind is None:
                hops.extend(self._existing_compute_hops(source, use))
                continue
            via = self._via(use)
            for target in use.key_targets:
                holders = [target.principal] if target.principal is not None else []
                if target.policy is not None:
                    holders = sorted((self._principal_by_id[i] for i in set(target.policy.attached_to)
                                      if i in self._principal_by_id), key=lambda p: self._position[p.id])
                for holder in holders:
                    if kind != "can_modify" and holder is source:
                        continue
                    hops.append(Hop(source, holder, kind, via, use.conditional))
        hops.extend(self._assume_hops(source))
        return hops

    def _existing_compute_hops(self, source: Principal, use: MethodUse) -> list[Hop]:
        """Methods that take over compute already running with a role (change a function's code,
        an instance's user data, a stack...): an edge to each role of the group such compute
        can carry, when the caller may do it to any resource (a grant scoped to named resources
        is not followed: which role those run with is not known)."""
        services = _EXISTING_COMPUTE.get(use.method.name)
        if not services or any(a.resource not in (None, "*") and not _every_instance(a) for a in use.actions):
            return []
        via = self._via(use)
        found = []
        for role in self._by_kind_group.get(("role", source.resource.group), []):
            if role is source or trusts_service(role, services) is not True:
                continue
            if services == _EC2 and not role.instance_profiles:
                continue  # only a role in an instance profile runs on instances
            found.append(Hop(source, role, "can_become", via, use.conditional))
        return found

    def _assume_hops(self, source: Principal) -> list[Hop]:
        found = []
        eff = self.effective(source)
        for role in self._by_kind_group.get(("role", source.resource.group), []):
            if role is source:
                continue
            how = _trust_names(self.model, role, source)
            if how is None:
                continue
            mode, statement = how
            trust_where = f"the trust policy of {role.label} (statement {statement_name(statement)}) "
            trust_conditions = describe_grant_conditions(Grant(True, True, [statement]))
            if mode == "direct":
                via = "sts:AssumeRole: " + trust_where + "names it"
                if trust_conditions:
                    via += f" only when {trust_conditions}"
                found.append(Hop(source, role, "can_become", via, bool(statement.conditions)))
                continue
            grant = eff.grant("sts:AssumeRole", principal_arn(role))
            if grant.allowed:
                via = ("sts:AssumeRole: " + trust_where + "trusts its account, and "
                       + _grant_source(eff, grant) + " allows sts:AssumeRole on it")
                conditions = "; ".join(c for c in (trust_conditions, describe_grant_conditions(grant) if
                                                   grant.conditional else "") if c)
                if conditions:
                    via += f" only when {conditions}"
                found.append(Hop(source, role, "can_become", via, grant.conditional or bool(statement.conditions)))
        return found

    def _via(self, use: MethodUse) -> str:
        parts = []
        for action in use.actions:
            if action.action == "iam:PassRole":
                parts.append(f"iam:PassRole to {' or '.join(use.method.services)}")
            else:
                parts.append(action.action)
        via = f"{use.method.name}: " + " + ".join(parts)
        if use.conditional:
            via += " only when " + ("; ".join(c for c in (describe_grant_conditions(a.grant) for a in use.actions
                                                          if a.grant.conditional) if c) or "a condition holds")
        return via

    def is_admin(self, principal: Principal) -> bool:
        """Full administrator, or able to change its own permissions (PMapper's test)."""
        known = self._is_admin.get(principal.id)
        if known is not None:
            return known
        if self.full_admin(principal).allowed:
            found = True
        else:
            own = {principal.id} | {g.id for g in principal.groups}
            found = any(h.kind == "can_modify" and h.source is principal and h.target.id in own
                        for h in self.hops_from(principal))
        self._is_admin[principal.id] = found
        return found

    def paths_to_admin(self, source: Principal) -> list[list[Hop]]:
        """Shortest escalation paths from ``source`` to each administrator it can reach through
        can_become/can_pass edges; a path stops at the first administrator. A principal the
        source can both reach and modify counts as an administrator for it."""
        leaving = self.hops_from(source)
        if not any(h.kind in ("can_become", "can_pass") for h in leaving):
            return []  # no edge leaves it: no path, and no need to import networkx and build the graph
        modified = {h.target.id for h in leaving if h.kind == "can_modify" and h.source is source}
        principals = self._principal_by_id
        parents: dict[str, tuple[str, Hop]] = {}
        results: list[list[Hop]] = []
        frontier = [source.id]
        seen = {source.id}
        while frontier:
            following = []
            for node in frontier:
                for target, hop in self._path_edges(principals[node]):
                    if target in seen or target not in principals:
                        continue
                    seen.add(target)
                    parents[target] = (node, hop)
                    reached = principals[target]
                    if self.is_admin(reached) or target in modified:
                        chain = []
                        step = target
                        while step != source.id:
                            previous, hop = parents[step]
                            chain.append(hop)
                            step = previous
                        results.append(list(reversed(chain)))
                    else:
                        following.append(target)
            frontier = following
        return results

    def _path_edges(self, source: Principal) -> list[tuple[str, Hop]]:
        """The can_become/can_pass edges leaving ``source`` as (target id, hop), in the order the
        escalation graph lists them (``graph().out_edges``), without computing every principal's
        edges: a MultiDiGraph lists a node's targets in the order each was first linked from it
        (the model's own edges come first, then the escalation edges in ``hops`` order), and the
        edges to one target in the order they were added."""
        hops = self.hops_from(source)
        by_target: dict[str, list[Hop]] = {}
        for hop in hops:
            if hop.kind in ("can_become", "can_pass"):
                by_target.setdefault(hop.target.id, []).append(hop)
        if not by_target:
            return []
        order = dict.fromkeys(self._base_successors(source.id))
        order.update(dict.fromkeys(hop.target.id for hop in hops))
        return [(target, hop) for target in order for hop in by_target.get(target, ())]

    def _base_successors(self, node: str) -> Iterable[str]:
        """``base_graph.successors(node)``. While no graph exists, the order comes from the
        model's edges alone (``graph.successor_order``, the same edges build_graph adds): a scan
        then neither imports networkx nor builds a graph only to order these edges. A graph that
        exists (built for a check, or with the escalation edges added) is asked itself."""
        graph = self._graph
        if graph is None and self._built_graph is not None:
            graph = self._built_graph()
        if graph is not None:
            return graph.successors(node)
        if self._successor_order is None:
            from ..graph import successor_order

            self._successor_order = successor_order(self.model)
        return self._successor_order.get(node, {})

    @property
    def base_graph(self) -> Any:
        """The model's graph (``iacguard.graph.build_graph``)."""
        if self._graph is None:
            if self._graph_of is not None:
                self._graph = self._graph_of()
            else:
                from ..graph import build_graph  # networkx is imported only when a graph is needed

                self._graph = build_graph(self.model)
        return self._graph

    def graph(self) -> Any:
        """The model's graph with the escalation edges added (once)."""
        graph = self.base_graph
        if not graph.graph.get("escalation_edges"):
            from ..graph import add_escalation_edges

            add_escalation_edges(graph, [(h.source.id, h.target.id, h.kind, {"via": h.via, "hop": h,
                                                                              "conditional": h.conditional})
                                         for h in self.hops()])
            graph.graph["escalation_edges"] = True
        return graph


def _grant_source(eff: EffectivePermissions, grant: Grant) -> str:
    for statement in grant.allow_statements:
        node = eff.node_of(statement)
        if node is not None:
            return f"policy {node.name} (statement {statement_name(statement)})"
    return "its policies"
