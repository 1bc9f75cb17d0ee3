"""privileged_grant's index and per-scan cache give the answers of the plain algorithm.

The reference below is the search privileged_grant made before it had an index: every action
any Allow statement may grant, looked up in the catalogue one by one, each evaluated on ``*``
with a fresh evaluator, in the documented order. The fast path must name the same privilege
(kind, action, the very statement object, conditional) on generated policy sets, with and
without a boundary, cached or not, and a cache must hand each caller its own statements."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from iacguard.iam import identity
from iacguard.iam.access import evaluate, statement_allows_everything
from iacguard.iam.actions import action_info, expand_actions
from iacguard.iam.identity import Privilege, PrivilegeCache, privileged_grant
from iacguard.iam.managed import KNOWN
from iacguard.iam.policy import parse_policy
from iacguard.values import Ref, Unknown

# Patterns real policies use: whole services, verbs, single actions, NotAction's usual
# exclusions, the scoped-able writes workloads hold on "*", actions that accept only "*".
ACTIONS = ["*", "iam:*", "iam:Get*", "iam:PassRole", "iam:PutRolePolicy", "s3:*", "s3:PutObject", "s3:Get*",
           "logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments", "kms:*", "kms:Decrypt",
           "ec2:*", "ec2:Describe*", "organizations:*", "sts:AssumeRole", "*:Put*", "S3:PUTOBJECT",
           "lambda:Update*", "dynamodb:PutItem", "nosuchservice:*", ""]
RESOURCES = ["*", "arn:aws:s3:::data/*", "arn:*", "arn:aws:iam::111122223333:role/app", "arn:*:*:*:*:*"]


def _entry(values: list) -> st.SearchStrategy:
    return st.one_of(st.sampled_from(values), st.just(Unknown("var.x")), st.just(Ref("aws_iam_role.r", "arn")))


_statement = st.fixed_dictionaries(
    {"Effect": st.one_of(st.sampled_from(["Allow", "Allow", "Deny"]), st.just(Unknown("var.effect")))},
    optional={
        "Action": st.lists(_entry(ACTIONS), min_size=1, max_size=4),
        "NotAction": st.lists(_entry(ACTIONS), min_size=1, max_size=3),
        "Resource": st.lists(_entry(RESOURCES), min_size=1, max_size=2),
        "NotResource": st.lists(_entry(RESOURCES), min_size=1, max_size=2),
        "Condition": st.just({"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
    })
_raw_document = st.tuples(st.lists(_statement, max_size=4), st.booleans()).map(
    lambda pair: {"Version": "2012-10-17", "Statement": pair[0] + ([Unknown("var.statement")] if pair[1] else [])})
_raw_documents = st.lists(st.one_of(_raw_document, st.sampled_from([KNOWN[name][0] for name in KNOWN])), max_size=3)


def _parse(raws):
    return None if raws is None else [parse_policy(raw) for raw in raws]


def _reference(docs, boundary_docs=None) -> Privilege | None:
    def level(action):
        info = action_info(action)
        if info is None:
            return None
        if info.access_level == "Permissions management":
            return 0
        if info.access_level == "Write" and not info.accepts_only_star:
            return 1
        return None

    def candidates(documents):
        names = set()
        for doc in documents:
            for statement in doc.statements:
                if not statement.is_allow:
                    continue
                if statement.actions is not None:
                    for entry in statement.actions:
                        if isinstance(entry, str) and not isinstance(entry, Unknown):
                            names |= expand_actions(entry)
                elif statement.not_actions is not None:
                    names |= {a for a in expand_actions("*") if statement.action_match(a) is not False}
        return names

    def service_wide(statement):
        if statement is None:
            return False
        if statement.not_actions is not None:
            return True
        return any(isinstance(a, str) and (a.strip() == "*" or a.strip().endswith(":*"))
                   for a in statement.actions or ())

    if boundary_docs is None and not any(s.is_deny or s.effect_unknown for d in docs for s in d.statements):
        for doc in docs:
            for statement in doc.statements:
                if statement_allows_everything(statement):
                    return Privilege("admin", "*", statement, bool(statement.conditions))
    names = candidates(docs)
    if boundary_docs is not None:
        names &= candidates(boundary_docs)
    witness_rank = identity._WITNESS_RANK
    ranked = sorted((rank, witness_rank.get(name.lower(), len(witness_rank)), name)
                    for name in names for rank in (level(name),) if rank is not None)
    for rank, _, name in ranked:
        grant = evaluate(docs, name, "*", boundary_docs=boundary_docs)
        if grant.allowed is True:
            statement = next((s for s in grant.allow_statements if s.is_allow), None)
            if rank == 1 and name.lower() != "iam:passrole" and not service_wide(statement):
                continue
            kind = "permissions-management" if rank == 0 else "write"
            if statement is not None and statement_allows_everything(statement) and boundary_docs is None:
                kind, name = "admin", "*"
            return Privilege(kind, name, statement, grant.conditional)
    return None


def _same(fast: Privilege | None, reference: Privilege | None) -> bool:
    if fast is None or reference is None:
        return fast is reference
    return (fast.kind, fast.action, fast.conditional) == (reference.kind, reference.action, reference.conditional) \
        and fast.statement is reference.statement


@settings(max_examples=300, deadline=None)
@given(_raw_documents, st.one_of(st.none(), _raw_documents))
def test_index_gives_the_reference_answer(raw_docs, raw_boundary):
    docs, boundary = _parse(raw_docs), _parse(raw_boundary)
    assert _same(privileged_grant(docs, boundary), _reference(docs, boundary))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_raw_documents, st.one_of(st.none(), _raw_documents)), min_size=1, max_size=4),
       st.data())
def test_cached_answers_are_each_callers_own(principals, data):
    """Principals asked in any order through one cache, some of them parsed again from the same
    text (the same content, other statement objects): each gets the reference's answer, with
    its own statement."""
    cache = PrivilegeCache()
    asked = principals + [data.draw(st.sampled_from(principals)) for _ in range(3)]
    for raw_docs, raw_boundary in asked:
        docs, boundary = _parse(raw_docs), _parse(raw_boundary)
        assert _same(privileged_grant(docs, boundary, cache), _reference(docs, boundary))
    assert cache.hits >= 3


def test_same_content_is_evaluated_once_and_keeps_the_callers_statement():
    raw = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "logs:CreateLogStream", "Resource": "*"},
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}
    cache = PrivilegeCache()
    first, second = parse_policy(raw), parse_policy(raw)
    one = privileged_grant([first], None, cache)
    two = privileged_grant([second], None, cache)
    assert cache.hits == 1 and len(cache.answers) == 1
    assert one is not None and two is not None and (one.kind, one.action) == (two.kind, two.action) == \
        ("write", "iam:PassRole")
    assert one.statement is first.statements[1] and two.statement is second.statements[1]


@pytest.mark.parametrize("other", [
    # what the evaluation reads differs: each must be a separate answer
    {"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*"},
    {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::111122223333:role/app"},
    {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
     "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}},
    {"Effect": "Allow", "NotAction": "iam:PassRole", "Resource": "*"},
    {"Effect": "Allow", "Action": "iam:PassRole", "NotResource": "arn:aws:iam::111122223333:role/app"},
    {"Effect": "Allow", "Action": Unknown("var.actions"), "Resource": "*"},
    {"Effect": "Allow", "Action": Ref("aws_iam_policy.p", "arn"), "Resource": "*"},
])
def test_content_that_matters_is_in_the_key(other):
    base = {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}
    cache = PrivilegeCache()
    for statement in (base, other):
        docs = [parse_policy({"Version": "2012-10-17", "Statement": [statement]})]
        assert _same(privileged_grant(docs, None, cache), _reference(docs))
    assert cache.hits == 0 and len(cache.answers) == 2


def test_boundary_and_unknown_parts_are_in_the_key():
    allow_all = parse_policy(KNOWN["AdministratorAccess"][0])
    narrow = parse_policy({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*",
                                                                   "Resource": "*"}]})
    unknown = parse_policy({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"}, Unknown("var.statement")]})
    cache = PrivilegeCache()
    answers = [privileged_grant([allow_all], None, cache), privileged_grant([allow_all], [narrow], cache),
               privileged_grant([allow_all], [], cache), privileged_grant([unknown], None, cache)]
    assert cache.hits == 0
    assert [a.kind if a else None for a in answers] == ["admin", None, None, "admin"]
    for answer, docs, boundary in zip(answers, [[allow_all]] * 3 + [[unknown]], [None, [narrow], [], None]):
        assert _same(answer, _reference(docs, boundary))


def test_each_scan_has_its_own_cache_and_principals_keep_their_statements(tmp_path):
    """Three roles with identical inline policies, in a scanned template: the first is
    evaluated, the others answered from the scan's cache, each with the statement of its own
    policy (its own line). A second scan's Analysis starts with an empty cache of its own."""
    import json

    from iacguard.analysis import Analysis
    from iacguard.engine import load_resources
    from iacguard.iam.identity import policy_of
    from iacguard.iam.model import IamModel
    from iacguard.settings import Settings

    policy = {"PolicyName": "p", "PolicyDocument": {"Statement": [
        {"Effect": "Allow", "Action": "logs:CreateLogStream", "Resource": "*"},
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}}
    trust = {"Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                            "Action": "sts:AssumeRole"}]}
    resources = {name: {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": trust,
                                                                "Policies": [policy]}}
                 for name in ("One", "Two", "Three")}
    (tmp_path / "t.json").write_text(json.dumps({"Resources": resources}, indent=1))
    analyses = []
    for settings in (Settings(), Settings(deploy_accounts=("111122223333",))):
        result = load_resources([str(tmp_path)], settings)
        assert result.errors == []
        model = IamModel(result.resources)
        analysis = Analysis(model, settings)
        roles = sorted((p for p in model.all_principals() if p.kind == "role"), key=lambda p: p.id)
        privileges = [analysis.privilege(role) for role in roles]
        assert [(p.kind, p.action) for p in privileges if p] == [("write", "iam:PassRole")] * 3
        lines = set()
        for role, privilege in zip(roles, privileges):
            assert privilege is not None and policy_of(role, privilege.statement) is not None
            lines.add(privilege.statement.line)
        assert len(lines) == 3  # each role's own statement, on its own line
        cache = analysis._privilege_cache
        assert cache is not None and cache.hits == 2 and len(cache.answers) == 1
        analyses.append(analysis)
    assert analyses[0]._privilege_cache is not analyses[1]._privilege_cache


def test_privileged_index_is_the_catalogue_filtered_by_level():
    for pattern in ["s3:*", "iam:put*", "*:put*", "kms:decrypt", "nosuchservice:*"]:
        expected = {a for a in expand_actions(pattern) if identity._privileged_level(a)}
        assert identity._privileged_matches(pattern) == expected
    # the search walks the catalogue service by service; it is the sorted order of every
    # privileged action
    expected = sorted((0 if identity._privileged_level(a) == "Permissions management" else 1,
                       identity._WITNESS_RANK.get(a.lower(), len(identity._WITNESS_RANK)), a)
                      for a in expand_actions("*") if identity._privileged_level(a))
    assert list(identity._search_order()) == expected


def test_broad_grant_reads_a_few_services_not_the_whole_catalogue():
    """PowerUserAccess (NotAction iam:*, organizations:*, account:*) is privileged through its
    first well-known permissions-management witness: the search reads the witnesses' services,
    not the ~450 files of the catalogue (which the answer before the index read for every
    NotAction statement)."""
    from iacguard.iam import actions

    for cached in (actions._service_actions, actions._expand, identity._privileged_matches,
                   identity._service_ranks, identity._witness_ranks):
        cached.cache_clear()
    actions._INFO_BY_TEXT.clear()
    privilege = privileged_grant([parse_policy(KNOWN["PowerUserAccess"][0])])
    assert privilege is not None and (privilege.kind, privilege.action) == ("permissions-management",
                                                                           "kms:PutKeyPolicy")
    read = actions._service_actions.cache_info().currsize
    assert 0 < read < 40 < len(actions.known_services())
