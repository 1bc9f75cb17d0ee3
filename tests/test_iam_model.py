"""The IAM model: the same infrastructure in CloudFormation, Terraform HCL and a plan gives the
same model; every attachment form links; the graph has the typed edges and synthetic nodes."""

from __future__ import annotations

from pathlib import Path

import pytest

from iacguard.engine import load_resources
from iacguard.iam.model import IamModel
from iacguard.iam.policy import normalize
from iacguard.settings import Settings
from iacguard.values import Ref, Unknown

FIXTURES = Path(__file__).parent / "fixtures" / "equivalence"


def _model(path: Path) -> IamModel:
    result = load_resources([str(path)], Settings())
    assert result.errors == []
    return IamModel(result.resources)


def _canonical(value):
    """Replace format-specific references by the referenced resource's short name."""
    if isinstance(value, dict) and set(value) == {"unknown"}:
        return {"unknown": "ref"}
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def _doc(node):
    if node is None:
        return None
    if node.document is None:
        return ("unknown-content", node.name)
    return _canonical(normalize(node.document))


def signature(model: IamModel) -> dict:
    principals = {}
    for principal in model.principals.values():
        principals[(principal.kind, principal.name)] = {
            "inline": sorted(str(_doc(n)) for n in principal.inline),
            "managed": sorted((n.kind, n.name, str(_doc(n))) for n in principal.managed),
            "groups": sorted(g.name for g in principal.groups),
            "members": sorted(m.name for m in principal.members),
            "trust": _doc(principal.trust),
            "boundary": principal.boundary.name if principal.boundary else None,
            "access_keys": len(principal.access_keys),
            "identity_policies": len(principal.identity_policies()),
        }
    resource_policies = sorted((rp.service, str(_doc(rp.node))) for rp in model.resource_policies)
    return {"principals": principals, "resource_policies": resource_policies}


@pytest.fixture(scope="module")
def models():
    return {
        "cloudformation": _model(FIXTURES / "stack.yaml"),
        "terraform": _model(FIXTURES / "tf"),
        "plan": _model(FIXTURES / "plan.json"),
    }


def test_same_infrastructure_same_model(models):
    cfn = signature(models["cloudformation"])
    assert signature(models["terraform"]) == cfn
    assert signature(models["plan"]) == cfn


def test_model_content(models):
    model = models["terraform"]
    by_name = {(p.kind, p.name): p for p in model.principals.values()}
    app = by_name[("role", "app")]
    assert [n.name for n in app.inline] == ["logs"]
    assert sorted(n.name for n in app.managed) == ["ReadOnlyAccess", "readers"]
    assert app.boundary is not None and app.boundary.name == "boundary"
    assert [s.principals[0].service for s in app.trust.document.statements] == ["ec2.amazonaws.com"]
    alice = by_name[("user", "alice")]
    assert [g.name for g in alice.groups] == ["ops"]
    assert len(alice.access_keys) == 1
    # identity policies include the group's
    assert sorted(n.name for n in alice.identity_policies()) == ["ops", "readers"]
    services = sorted(rp.service for rp in model.resource_policies)
    assert services == ["lambda", "s3"]
    bucket_policy = next(rp for rp in model.resource_policies if rp.service == "s3")
    assert bucket_policy.target.address == "aws_s3_bucket.reports"


def test_graph_edges_and_synthetic_nodes(models):
    from iacguard.analysis import Analysis

    graph = Analysis(models["cloudformation"]).graph
    kinds = {data["kind"] for _, _, data in graph.edges(data=True)}
    assert {"references", "attached", "member_of", "can_assume", "grants", "bounded_by"} <= kinds
    node_kinds = {data.get("kind") for _, data in graph.nodes(data=True)}
    assert {"account", "service", "policy", "role", "user", "group", "resource"} <= node_kinds
    group = "stack.yaml"
    assert graph.has_edge("service:ec2.amazonaws.com", f"{group}::App")
    assert graph.has_edge(f"{group}::Reports", "account:444455556666")
    assert graph.has_edge(f"{group}::Alice", f"{group}::Ops")
    assert graph.has_edge(f"{group}::App", f"{group}::Boundary")
    assert graph.has_edge(f"{group}::aws-managed:ReadOnlyAccess", f"{group}::App")
    edge_kinds = {d["kind"] for d in graph.get_edge_data(f"{group}::ReportsPolicy", f"{group}::Reports").values()}
    assert edge_kinds == {"references"}


def _tf_model(tmp_path, text: str) -> IamModel:
    (tmp_path / "main.tf").write_text(text)
    return _model(tmp_path)


ROLE = """
resource "aws_iam_role" "r" {
  name               = "r"
  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }] })
}
resource "aws_iam_user" "u" {
  name = "u"
}
resource "aws_iam_group" "g" {
  name = "g"
}
resource "aws_iam_policy" "p" {
  name   = "p"
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }] })
}
"""


@pytest.mark.parametrize("attachment,expected", [
    ('resource "aws_iam_role_policy_attachment" "a" {\n  role = aws_iam_role.r.name\n  policy_arn = aws_iam_policy.p.arn\n}',
     {("role", "r")}),
    ('resource "aws_iam_role_policy_attachment" "a" {\n  role = "r"\n  policy_arn = aws_iam_policy.p.arn\n}',
     {("role", "r")}),
    ('resource "aws_iam_user_policy_attachment" "a" {\n  user = aws_iam_user.u.name\n  policy_arn = aws_iam_policy.p.arn\n}',
     {("user", "u")}),
    ('resource "aws_iam_group_policy_attachment" "a" {\n  group = aws_iam_group.g.id\n  policy_arn = aws_iam_policy.p.id\n}',
     {("group", "g")}),
    ('resource "aws_iam_policy_attachment" "a" {\n  name = "a"\n  users = [aws_iam_user.u.name]\n'
     '  roles = ["r"]\n  groups = [aws_iam_group.g.name]\n  policy_arn = aws_iam_policy.p.arn\n}',
     {("role", "r"), ("user", "u"), ("group", "g")}),
    ('resource "aws_iam_role_policy_attachments_exclusive" "a" {\n  role_name = aws_iam_role.r.name\n'
     '  policy_arns = [aws_iam_policy.p.arn]\n}', {("role", "r")}),
])
def test_terraform_attachment_forms(tmp_path, attachment, expected):
    model = _tf_model(tmp_path, ROLE + attachment)
    policy = next(n for n in model.policies.values() if n.name == "p")
    assert {(model.principals[p].kind, model.principals[p].name) for p in policy.attached_to} == expected


def test_membership_forms(tmp_path):
    model = _tf_model(tmp_path, ROLE + '\nresource "aws_iam_group_membership" "m" {\n  name = "m"\n'
                      '  group = aws_iam_group.g.name\n  users = [aws_iam_user.u.name]\n}\n')
    user = next(p for p in model.principals.values() if p.kind == "user")
    assert [g.name for g in user.groups] == ["g"]


def test_cloudformation_policy_lists_attach_to_every_principal(tmp_path):
    (tmp_path / "t.yaml").write_text("""\
Resources:
  R: {Type: AWS::IAM::Role, Properties: {AssumeRolePolicyDocument: {Statement: []}}}
  U: {Type: AWS::IAM::User}
  G: {Type: AWS::IAM::Group}
  Add: {Type: AWS::IAM::UserToGroupAddition, Properties: {GroupName: !Ref G, Users: [!Ref U]}}
  P:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      Roles: [!Ref R]
      Users: [!Ref U]
      Groups: [!Ref G]
      PolicyDocument: {Statement: [{Effect: Allow, Action: s3:GetObject, Resource: "*"}]}
  RP:
    Type: AWS::IAM::RolePolicy
    Properties:
      RoleName: !Ref R
      PolicyName: rp
      PolicyDocument: {Statement: [{Effect: Allow, Action: sqs:SendMessage, Resource: "*"}]}
""")
    model = _model(tmp_path)
    by_id = {p.address: p for p in model.principals.values()}
    assert [n.name for n in by_id["R"].managed] == ["P"]
    assert [n.name for n in by_id["R"].inline] == ["rp"]
    assert [g.address for g in by_id["U"].groups] == ["G"]
    assert sorted(n.name for n in by_id["U"].identity_policies()) == ["P", "P"]  # own + via group
    assert [n.name for n in by_id["G"].managed] == ["P"]


def test_unknown_attachment_target_is_unresolved_not_silent(tmp_path):
    model = _tf_model(tmp_path, ROLE + '\nvariable "arn" {}\nresource "aws_iam_role_policy_attachment" "a" {\n'
                      '  role = aws_iam_role.r.name\n  policy_arn = var.arn\n}\n')
    assert any("could not be resolved" in u.message for u in model.unresolved)


def test_values_are_refs_not_strings(models):
    model = models["cloudformation"]
    policy = next(rp for rp in model.resource_policies if rp.service == "s3").node.resource
    assert isinstance(policy.properties["Bucket"], Ref)
    assert isinstance(policy.properties["Bucket"], Unknown)


ROOT_RULE = """
resource "aws_cloudwatch_event_rule" "root" {
  name_prefix   = "root-activity-"
  event_pattern = jsonencode({ detail = { userIdentity = { type = ["Root"] } } })
}
"""


@pytest.mark.parametrize("target, watched", [
    ('rule = aws_cloudwatch_event_rule.root.name', True),
    ('rule = "root-activity-x"', False),  # another rule's name: the generated name is not known
    ("", False),  # a target naming no rule is nobody's target
])
def test_root_rule_with_a_generated_name_is_targeted_only_by_a_target_naming_it(tmp_path, target, watched):
    from iacguard.iam.baseline import root_monitoring

    model = _tf_model(tmp_path, ROOT_RULE + f"""
resource "aws_cloudwatch_event_target" "t" {{
  {target}
  arn = "arn:aws:sns:us-east-1:111122223333:ops"
}}
""")
    found = root_monitoring(model, model.resources[0].group)
    assert found.watched is watched
    assert [r.address for r in found.untargeted_rules] == ([] if watched else ["aws_cloudwatch_event_rule.root"])


def test_documents_parsed_once_per_object_stay_each_resources_own():
    # copies of a resource (other parameter values, worlds) share their property objects: a
    # document object is parsed once per line, and each resource still gets a document of its
    # own, with its own statement lines for JSON text and its own unresolved entry
    import json

    from iacguard.iam.identity import policy_of
    from iacguard.resource import Resource
    from iacguard.values import Unknown as _Unknown

    text = json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})
    shared = {"Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}]}
    unresolved = {"Statement": [{"Effect": "Allow", "Action": _Unknown("var.action"), "Resource": "*"}]}

    def role(name, line, policies):
        return Resource(f"aws_iam_role.{name}", "AWS::IAM::Role",
                        {"RoleName": name, "Policies": [{"PolicyName": f"p{i}", "PolicyDocument": doc}
                                                        for i, doc in enumerate(policies)]},
                        "t.yaml", line, line + 5, "cloudformation")

    model = IamModel([role("a", 10, [text, shared, shared, unresolved]), role("b", 20, [text, shared, unresolved])])
    a, b = (model.principals[f"::aws_iam_role.{n}"] for n in "ab")
    docs_a = [node.document for node in a.inline]
    docs_b = [node.document for node in b.inline]
    assert [st.line for st in docs_a[0].statements] == [10] and [st.line for st in docs_b[0].statements] == [20]
    every = docs_a + docs_b
    assert len({id(d) for d in every}) == len(every)
    assert len({id(st) for d in every for st in d.statements}) == sum(len(d.statements) for d in every)
    # the two inline policies written with one object: each statement belongs to its own policy
    assert policy_of(a, docs_a[2].statements[0]) is a.inline[2]
    assert policy_of(a, docs_a[1].statements[0]) is a.inline[1]
    assert docs_a[1].statements[0].actions == docs_a[2].statements[0].actions == ("s3:PutObject",)
    assert sum(1 for u in model.unresolved if "could not be resolved" in u.message) == 2
