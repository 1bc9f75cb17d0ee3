"""Account-baseline semantics: is root-user activity watched, and do SCPs stop member roots?

Used by the opt-in ``account-baseline`` profile. A template, root module or plan (a resource
*group*) watches root activity when it has either

* an EventBridge rule, enabled and with at least one target, whose event pattern matches
  ``detail.userIdentity.type`` = ``Root`` (the CloudTrail event of any root sign-in or call), or
* a CloudWatch Logs metric filter whose pattern tests ``$.userIdentity.type = "Root"`` (CIS
  AWS 4.3 / Security Hub CloudWatch.1) and an alarm on the metric it produces.

An SCP stops member accounts' root users when it has a Deny statement, without NotResource
exceptions, over (nearly) every action, conditioned on ``aws:PrincipalArn`` matching
``arn:*:iam::*:root`` (the ARN a root-user request carries).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

from .. import catalogue
from ..resource import Resource
# (defined with the other profiles: checks name it without importing this module)
from ..settings import BASELINE_PROFILE
from ..values import Unknown
from .policy import Statement
from ..lazy_regex import lazy_compile

if TYPE_CHECKING:
    from .model import IamModel

__all__ = ["RootMonitoring", "root_monitoring", "event_pattern_matches_root", "filter_pattern_matches_root",
           "denies_root_user", "groups_of", "TRAIL_TYPES", "BASELINE_PROFILE"]

# (views of iacguard/catalogue.py)
EVENT_RULE_TYPES = {t: (p.pattern, p.state, p.enabled, p.targets, p.name)
                    for t, p in catalogue.spellings(catalogue.EventRule).items()}
EVENT_TARGET_TYPES = {t: p.rule for t, p in catalogue.spellings(catalogue.EventTarget).items()}
METRIC_FILTER_TYPES = {t: (p.pattern, p.transformation, p.name, p.namespace)
                       for t, p in catalogue.spellings(catalogue.MetricFilter).items()}
ALARM_TYPES = {t: (p.metric, p.namespace) for t, p in catalogue.spellings(catalogue.Alarm).items()}
TRAIL_TYPES = catalogue.types_holding(catalogue.Trail)
_ROOT_FILTER = lazy_compile(r"userIdentity\.type\s*=\s*\"?Root\"?", re.IGNORECASE)
_SAMPLE = ("s3:GetObject", "ec2:RunInstances", "iam:CreateUser", "organizations:LeaveOrganization")


@dataclass
class RootMonitoring:
    group: str
    rules: list[Resource] = field(default_factory=list)  # EventBridge rules that match root activity
    alarmed_filters: list[Resource] = field(default_factory=list)  # metric filters with an alarm
    unalarmed_filters: list[Resource] = field(default_factory=list)  # metric filters nobody alarms on
    untargeted_rules: list[Resource] = field(default_factory=list)  # root rules without target / disabled

    @property
    def watched(self) -> bool:
        return bool(self.rules or self.alarmed_filters)


def _as_data(value: Any) -> Any:
    inner = getattr(value, "value", None)
    if inner is not None and isinstance(value, str):
        return inner  # Encoded: the structure it was made from
    if isinstance(value, str) and not isinstance(value, Unknown):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def _values(value: Any) -> list:
    if isinstance(value, list):
        return list(value)
    return [value]


def event_pattern_matches_root(pattern: Any) -> bool:
    """The pattern (dict, JSON text or Encoded) selects events whose ``detail.userIdentity.type``
    is ``Root``; an exact-value list must contain "Root"."""
    data = _as_data(pattern)
    if not isinstance(data, dict):
        return False
    detail = data.get("detail")
    identity = detail.get("userIdentity") if isinstance(detail, dict) else None
    kinds = identity.get("type") if isinstance(identity, dict) else None
    return any(isinstance(v, str) and v == "Root" for v in _values(kinds))


def filter_pattern_matches_root(pattern: Any) -> bool:
    return isinstance(pattern, str) and not isinstance(pattern, Unknown) and bool(_ROOT_FILTER.search(pattern))


def _first(value: Any) -> Any:
    if isinstance(value, list) and value:
        return value[0]
    return value


def _same(a: Any, b: Any) -> bool:
    """Names match when both are known and equal, or when either is not known before deploy
    (a reference to the filter's own output, a parameter): the alarm may be on that metric."""
    if isinstance(a, Unknown) or isinstance(b, Unknown):
        return True
    return isinstance(a, str) and a == b


def root_monitoring(model: IamModel, group: str) -> RootMonitoring:
    """What in one group watches root-user activity (see the module docstring)."""
    found = RootMonitoring(group)
    members = [r for r in model.resources if r.group == group]
    targets = [r for r in members if r.type in EVENT_TARGET_TYPES]
    alarms = [r for r in members if r.type in ALARM_TYPES]
    for resource in members:
        if resource.type in EVENT_RULE_TYPES:
            pattern_prop, state_prop, enabled_prop, targets_prop, name_prop = EVENT_RULE_TYPES[resource.type]
            if not event_pattern_matches_root(resource.get(pattern_prop)):
                continue
            state = resource.get(state_prop)
            enabled = resource.get(enabled_prop) if enabled_prop else None
            disabled = (isinstance(state, str) and state.upper() == "DISABLED") or enabled is False
            if targets_prop:
                has_target = bool(resource.get(targets_prop))
            else:
                # a target naming the rule by reference or by its name; a rule without a name (one
                # generated at deploy) is not named by a target that names no rule (None == None)
                name = resource.get(name_prop) if name_prop else None
                has_target = any(resource in model.referenced(t, t.get(EVENT_TARGET_TYPES[t.type]))
                                 or (name is not None and t.get(EVENT_TARGET_TYPES[t.type]) == name) for t in targets)
            (found.untargeted_rules if disabled or not has_target else found.rules).append(resource)
        elif resource.type in METRIC_FILTER_TYPES:
            pattern_prop, transform_prop, name_prop, namespace_prop = METRIC_FILTER_TYPES[resource.type]
            if not filter_pattern_matches_root(resource.get(pattern_prop)):
                continue
            transform = _first(resource.get(transform_prop))
            name = transform.get(name_prop) if isinstance(transform, dict) else None
            namespace = transform.get(namespace_prop) if isinstance(transform, dict) else None
            alarmed = any(_same(name, a.get(ALARM_TYPES[a.type][0])) and _same(namespace, a.get(ALARM_TYPES[a.type][1]))
                          for a in alarms)
            (found.alarmed_filters if alarmed else found.unalarmed_filters).append(resource)
    return found


def _root_arn_value(value: Any) -> bool:
    if isinstance(value, Unknown):
        value = re.sub(r"\$\{[^}]*\}", "*", value.text)
    return isinstance(value, str) and value.startswith("arn:") and value.endswith(":root") and ":iam::" in value


def denies_root_user(statement: Statement) -> bool:
    """A Deny over (nearly) every action on every resource that applies to root-user requests:
    conditioned on ``aws:PrincipalArn`` (StringLike/ArnLike/StringEquals/ArnEquals) matching a
    root ARN, and on nothing else."""
    if not statement.is_deny or statement.not_resources is not None or statement.resource_match("*") is not True:
        return False
    if not all(statement.action_match(action) is True for action in _SAMPLE):
        return False
    if not statement.conditions:
        return False  # denies everyone: not a root guardrail (and reported by nobody here)
    for condition in statement.conditions:
        if condition.key_lc != "aws:principalarn" or condition.negated or condition.if_exists:
            return False
        if condition.base not in ("StringLike", "StringEquals", "ArnLike", "ArnEquals"):
            return False
        if not any(_root_arn_value(v) for v in condition.values):
            return False
    return True


def groups_of(resources: Iterable[Resource]) -> list[str]:
    return sorted({r.group for r in resources})

