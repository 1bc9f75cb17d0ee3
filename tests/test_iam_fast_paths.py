"""The shortcuts of the analysis stage give the answers of the plain algorithms they replace.

Each test compares a fast path (caches, prefilters, per-source escalation edges) with a
straightforward reference written here, on generated or hand-made input."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings, strategies as st

from iacguard import redact
from iacguard.engine import load_resources
from iacguard.iam import conditions, external, grants
from iacguard.iam.access import Grant, PolicyEvaluator, evaluate
from iacguard.iam.conditions import _and3, arn_match
from iacguard.iam.effective import EffectivePermissions
from iacguard.iam.escalation import METHODS, EscalationAnalysis
from iacguard.iam.model import IamModel
from iacguard.iam.policy import parse_policy
from iacguard.settings import Settings
from iacguard.values import Choice, Ref, Unknown

# ---------------------------------------------------------------- generated policies

ACTIONS = ["*", "s3:*", "s3:Get*", "S3:GetObject", "iam:PassRole", "iam:*Role*", "i?m:PassRole", "*:Get*",
           "sts:AssumeRole", "ec2:RunInstances", "iam"]
RESOURCES = ["*", "arn:aws:s3:::data", "arn:aws:s3:::data/*", "arn:aws:iam::000000000000:role/app",
             "arn:aws:iam::*:role/*", "arn:${aws:partition}:iam::000000000000:user/${aws:username}",
             "arn:aws:iam::000000000000:role/a:b*"]
QUESTIONS_ACTIONS = ["s3:GetObject", "S3:GETOBJECT", "iam:PassRole", "iam:passrole", "sts:AssumeRole",
                     "ec2:RunInstances", "lambda:CreateFunction", "iam", "weird"]
QUESTIONS_RESOURCES = ["*", "arn:aws:s3:::data", "arn:aws:s3:::data/x.csv", "arn:aws:iam::000000000000:role/app",
                       "arn:aws:iam::000000000000:user/bob", "arn:aws:iam::000000000000:role/a:bc"]


def _entry(values: list) -> st.SearchStrategy:
    return st.one_of(st.sampled_from(values), st.just(Unknown("var.x")), st.just(Ref("aws_iam_role.r", "arn")))


_statement = st.fixed_dictionaries(
    {"Effect": st.one_of(st.sampled_from(["Allow", "Deny"]), st.just(Unknown("var.effect")),
                         st.just(Choice(["Allow", "Deny"])))},
    optional={
        "Action": st.lists(_entry(ACTIONS), min_size=0, max_size=3),
        "NotAction": st.lists(_entry(ACTIONS), min_size=0, max_size=2),
        "Resource": st.lists(_entry(RESOURCES), min_size=0, max_size=3),
        "NotResource": st.lists(_entry(RESOURCES), min_size=1, max_size=2),
        "Condition": st.just({"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
    })
_document = st.tuples(st.lists(_statement, max_size=4), st.booleans()).map(
    lambda pair: parse_policy({"Version": "2012-10-17",
                               "Statement": pair[0] + ([Unknown("var.statement")] if pair[1] else [])}))
_documents = st.lists(_document, max_size=3)


def _reference_evaluate(identity, action, resource, boundary=None, deny_docs=None) -> Grant:
    """IAM's evaluation as access.py documents it, one statement at a time."""
    def unknown_parts(doc):
        return bool(doc.unknown_statements) or doc.unknown_document is not None

    def match(statement):
        return _and3((statement.action_match(action), statement.resource_match(resource)))

    def allow_state(docs, matched):
        state = 0
        for doc in docs:
            if unknown_parts(doc):
                state = max(state, 1)
            for statement in doc.statements:
                if not (statement.is_allow or statement.effect_unknown) or match(statement) is False:
                    continue
                if matched is not None:
                    matched.append(statement)
                state = max(state, (2 if statement.conditions else 3)
                            if match(statement) is True and statement.is_allow else 1)
        return state

    allows, denies = [], []
    hard = soft = False
    def one_value_each(statement):
        # a Deny naming only values known at deploy time names one resource each: it cannot take
        # away a set (a resource pattern with a wildcard)
        return (any(c in resource for c in "*?") and statement.effect == "Deny" and not statement.conditions
                and statement.resources is not None
                and all(isinstance(e, Unknown) or not isinstance(e, str) or arn_match(e.strip(), resource) is False
                        for e in statement.resources))

    for doc in list(identity) + list(boundary or []) + list(deny_docs or []):
        soft = soft or unknown_parts(doc)
        for statement in doc.statements:
            if not (statement.is_deny or statement.effect_unknown) or match(statement) is False:
                continue
            if match(statement) is None and one_value_each(statement):
                continue
            denies.append(statement)
            if match(statement) is True and statement.is_deny and not statement.conditions:
                hard = True
            else:
                soft = True
    identity_state = allow_state(identity, allows)
    if hard:
        return Grant(False, False, allows, denies)
    states = [identity_state] + ([allow_state(boundary, None)] if boundary is not None else [])
    if 0 in states:
        return Grant(False, False, allows, denies)
    return Grant(None if 1 in states else True, 2 in states or soft, allows, denies)


def _same(left: Grant, right: Grant) -> bool:
    return (left.allowed, left.conditional) == (right.allowed, right.conditional) and \
        [id(s) for s in left.allow_statements] == [id(s) for s in right.allow_statements] and \
        [id(s) for s in left.deny_statements] == [id(s) for s in right.deny_statements]


@settings(max_examples=300, deadline=None)
@given(_documents, st.one_of(st.none(), _documents), st.one_of(st.none(), _documents))
def test_evaluator_decides_like_the_reference(identity, boundary, deny_docs):
    evaluator = PolicyEvaluator(identity, boundary_docs=boundary, deny_docs=deny_docs)
    for action in QUESTIONS_ACTIONS:
        for resource in QUESTIONS_RESOURCES:
            expected = _reference_evaluate(identity, action, resource, boundary, deny_docs)
            assert _same(evaluator.evaluate(action, resource), expected), (action, resource)
            assert _same(evaluate(identity, action, resource, boundary_docs=boundary, deny_docs=deny_docs), expected)


@settings(max_examples=300, deadline=None)
@given(_documents)
def test_mentions_prefilter_agrees_with_every_statement(docs):
    eff = EffectivePermissions(None, [(None, doc) for doc in docs], None, [], False)
    for action in QUESTIONS_ACTIONS + ["IAM:PassRole", " s3:GetObject", "\u212aMS:Decrypt", "kms:Decrypt"]:
        expected = any((s.is_allow or s.effect_unknown) and s.action_match(action) is not False
                       for doc in docs for s in doc.statements)
        assert eff.mentions(action) is expected, action


def test_mentions_prefilter_names_services():
    eff = EffectivePermissions(None, [(None, parse_policy({"Statement": [
        {"Effect": "Allow", "Action": ["S3:Get*", " iam:PassRole"], "Resource": "*"},
        {"Effect": "Deny", "Action": "*", "Resource": "*"}]}))], None, [], False)
    assert eff.allowed_services() == {"s3", "iam"}  # a Deny grants nothing
    assert eff.mentions("s3:GetObject") and eff.mentions("IAM:PASSROLE")
    assert not eff.mentions("ec2:RunInstances") and not eff.mentions("s3:PutObject")
    wide = EffectivePermissions(None, [(None, parse_policy({"Statement": [
        {"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}]}))], None, [], False)
    assert wide.allowed_services() is None and wide.mentions("ec2:RunInstances")


# ---------------------------------------------------------------- ARN matching

def _reference_split(text: str) -> list[str]:
    parts, start, depth = [], 0, 0
    for index, ch in enumerate(text):
        if ch == "{" and index and text[index - 1] == "$":
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
        elif ch == ":" and not depth and len(parts) < 5:
            parts.append(text[start:index])
            start = index + 1
    return parts + [text[start:]]


@given(st.text(alphabet="a:${}*?", max_size=20))
def test_split_arn_fast_path(text):
    assert conditions._split_arn(text) == _reference_split(text)


@given(st.text(alphabet="ab:*?${}/", max_size=16), st.text(alphabet="ab:/", max_size=16))
def test_arn_match_cache_gives_the_computed_answer(pattern, arn):
    assert arn_match(pattern, arn) is conditions._arn_match(pattern, arn)
    assert arn_match(pattern, arn) is conditions._arn_match(pattern, arn)  # now from the cache


# ---------------------------------------------------------------- catalogue matching

@pytest.mark.parametrize("actions", [["s3:Get*"], ["s3:*", "kms:Decrypt"], ["*"], ["s3:GetObject", "var"],
                                     ["sqs:Send*"], []])
@pytest.mark.parametrize("negated", [False, True])
def test_catalogue_matches_are_the_statement_matches(actions, negated):
    element = "NotAction" if negated else "Action"
    doc = parse_policy({"Statement": [{"Effect": "Allow", "Principal": "*", element: actions + [Unknown("var.a")]}]})
    [statement] = doc.statements
    for service in ("s3", "sqs", "kms"):
        expected = [a for a in external.service_actions(service) if statement.action_match(a) is True]
        assert external._catalogue_matches(statement, service) == expected
        assert external._catalogue_matches(statement, service) == expected  # cached


def test_service_actions_returns_a_fresh_list():
    first = external.service_actions("s3")
    first.clear()
    assert external.service_actions("s3")


def test_services_of_pattern_is_stable():
    assert grants.services_of_pattern("s3*") == grants.services_of_pattern("s3*")
    grants.services_of_pattern("s3*").clear()
    assert "s3" in grants.services_of_pattern("s3*")


# ---------------------------------------------------------------- redaction

_SECRET_PARTS = ["AKIAABCDEFGHIJKLMNOP", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "-----BEGIN RSA PRIVATE KEY-----",
                 "ghp_" + "a" * 36, "xoxb-1234567890ab", "github_pat_" + "b" * 22, "abc", " ", ":", "A" * 39, "1"]


@given(st.lists(st.sampled_from(_SECRET_PARTS), max_size=6).map("".join))
def test_redaction_prefilter_misses_nothing(text):
    expected = redact._PATTERNS.sub(lambda m: redact.mask(m.group(0)), text) if text else text
    assert redact.redact_text(text) == expected


# ---------------------------------------------------------------- escalation

def _policies(*statements):
    return [{"PolicyName": "p", "PolicyDocument": {"Statement": list(statements)}}]


def _allow(action, resource="*"):
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def _trust_user(logical_id):
    return {"Statement": [{"Effect": "Allow", "Principal": {"AWS": {"Fn::GetAtt": [logical_id, "Arn"]}},
                           "Action": "sts:AssumeRole"}]}


def _model(tmp_path) -> IamModel:
    """Users who can reach other users and roles in several ways, so that a source has model
    edges (named in a trust policy, group member) and escalation edges in differing orders."""
    resources = {
        "Alice": {"Type": "AWS::IAM::User", "Properties": {
            "UserName": "alice", "Groups": [{"Ref": "Ops"}],
            "Policies": _policies(_allow(["iam:CreateAccessKey", "iam:AddUserToGroup"]),
                                  _allow(["iam:PassRole"]), _allow(["lambda:CreateFunction", "lambda:InvokeFunction"]))}},
        "Bob": {"Type": "AWS::IAM::User", "Properties": {
            "UserName": "bob", "Policies": _policies(_allow("iam:UpdateLoginProfile"), _allow("sts:AssumeRole"))}},
        "Carol": {"Type": "AWS::IAM::User", "Properties": {
            "UserName": "carol", "Policies": _policies(_allow("iam:PutUserPolicy", "arn:aws:iam::*:user/carol"))}},
        "Ops": {"Type": "AWS::IAM::Group", "Properties": {"Policies": _policies(_allow("iam:PutGroupPolicy"))}},
        "Admin": {"Type": "AWS::IAM::Role", "Properties": {
            "RoleName": "admin", "AssumeRolePolicyDocument": _trust_user("Alice"),
            "ManagedPolicyArns": ["arn:aws:iam::aws:policy/AdministratorAccess"]}},
        "Worker": {"Type": "AWS::IAM::Role", "Properties": {
            "RoleName": "worker", "AssumeRolePolicyDocument": {"Statement": [
                {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"},
                {"Effect": "Allow", "Principal": {"AWS": {"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:root"}},
                 "Action": "sts:AssumeRole"}]},
            "Policies": _policies(_allow("*"))}},
        "Builder": {"Type": "AWS::IAM::Role", "Properties": {
            "RoleName": "builder", "AssumeRolePolicyDocument": _trust_user("Bob"),
            "Policies": _policies(_allow(["iam:CreateLoginProfile", "iam:PassRole"]))}},
    }
    (tmp_path / "t.json").write_text(json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}))
    result = load_resources([str(tmp_path)], Settings())
    assert result.errors == []
    return IamModel(result.resources)


def test_path_edges_are_the_escalation_graphs_out_edges(tmp_path):
    model = _model(tmp_path)
    lazy = EscalationAnalysis(model)
    # before the whole graph exists: edges from the sources the checks ask about, computed alone
    early = {p.id: lazy._path_edges(p) for p in model.all_principals()}
    assert any(len({target for target, _ in edges}) > 1 for edges in early.values())
    graph = EscalationAnalysis(model).graph()
    import networkx as nx

    view = nx.subgraph_view(graph, filter_edge=lambda u, v, k: graph.edges[u, v, k].get("kind") in
                            ("can_become", "can_pass"))
    for principal in model.all_principals():
        expected = [(target, (data["hop"].kind, data["hop"].via)) for _, target, data in
                    view.out_edges(principal.id, data=True)]
        assert [(target, (hop.kind, hop.via)) for target, hop in early[principal.id]] == expected, principal.id


def test_lazy_hops_are_the_full_hops(tmp_path):
    model = _model(tmp_path)
    lazy = EscalationAnalysis(model)
    for principal in reversed(model.all_principals()):  # asked in another order than hops() walks
        lazy.hops_from(principal)
        lazy.is_admin(principal)
    full = EscalationAnalysis(model).hops()
    assert [(h.source.id, h.target.id, h.kind, h.via, h.conditional) for h in lazy.hops()] == \
        [(h.source.id, h.target.id, h.kind, h.via, h.conditional) for h in full]
    assert any(h.kind == "can_pass" for h in full) and any(h.kind == "can_become" for h in full)


def test_methods_for_matches_every_method_tried(tmp_path):
    model = _model(tmp_path)
    analysis = EscalationAnalysis(model)
    for principal in model.all_principals():
        eff = analysis.effective(principal)
        usable = [use for method in METHODS
                  if all(eff.mentions(a) for a in method.actions)
                  and (use := analysis._method_use(principal, eff, method)) is not None]
        sets = [set(use.method.actions) for use in usable]
        expected = [use.method.name for use, mine in zip(usable, sets) if not any(other < mine for other in sets)]
        assert [use.method.name for use in analysis.methods_for(principal)] == expected, principal.id


def test_allow_statements_are_read_once_and_the_same_each_time(tmp_path):
    from iacguard.analysis import Analysis

    model = _model(tmp_path)
    analysis = Analysis(model)
    first = list(analysis.allow_statements())
    assert first and list(analysis.allow_statements()) == first
    assert all(statement.is_allow for _, statement in first)
    assert analysis.granting_policies is analysis.granting_policies
    # the same as computed without the analysis' indexes
    assert list(grants.find_allow_statements(grants.find_granting_policies(model))) == first


def test_statement_caches_do_not_follow_a_changed_copy():
    import dataclasses

    [statement] = parse_policy({"Statement": [_allow("s3:GetObject", "arn:aws:s3:::a/*")]}).statements
    assert statement.action_match("s3:GetObject") is True and statement.resource_match("arn:aws:s3:::a/x") is True
    changed = dataclasses.replace(statement, actions=("s3:PutObject",), resources=("arn:aws:s3:::b/*",))
    assert changed.action_match("s3:GetObject") is False and changed.resource_match("arn:aws:s3:::a/x") is False
    assert statement.action_match("s3:GetObject") is True
    assert statement.action_match(["not", "hashable"]) is False  # not cached, and no exception


@pytest.mark.parametrize("where", ["escalation", "escalation_scope", "cfn", "check_samples"])
def test_successor_order_is_the_graphs(where):
    # paths_to_admin orders its edges by the model graph's successors without building the
    # graph (no networkx import); the order must be the graph's for every node, resource
    # policies, trust policies, boundaries and groups included
    from pathlib import Path

    from iacguard.graph import build_graph, successor_order

    fixtures = Path(__file__).resolve().parent / "fixtures" / where
    model = IamModel(load_resources([str(fixtures)], Settings()).resources)
    graph = build_graph(model)
    order = successor_order(model)
    assert order and (where not in ("cfn", "check_samples") or any(len(targets) > 1 for targets in order.values()))
    for node in graph.nodes:
        assert list(order.get(node, {})) == list(graph.successors(node)), node
    assert set(order) <= set(graph.nodes)
