"""`data "aws_iam_policy"` lookups: AWS managed policies have fixed ARNs
(``arn:aws:iam::aws:policy/<path><name>``), so a lookup by arn, by name, or by path_prefix and
name resolves offline; a customer managed policy stays unknown, but its ARN still designates
the data source (an attachment links to it instead of being unresolved text)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from iacguard.engine import scan
from iacguard.iam import managed
from iacguard.loaders.terraform import load_module_tree
from iacguard.settings import Settings
from iacguard.values import Encoded, Ref, Unknown

LOOKUPS = """\
data "aws_iam_policy" "execute" {
  name = "AWSLambdaExecute"
}
data "aws_iam_policy" "lambda_role" {
  name = "AWSLambdaRole"
}
data "aws_iam_policy" "view" {
  arn = "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"
}
data "aws_iam_policy" "admin" {
  name        = "AdministratorAccess"
  path_prefix = "/"
}
data "aws_iam_policy" "wrong_path" {
  name        = "AWSLambdaRole"
  path_prefix = "/job-function/"
}
data "aws_iam_policy" "customer" {
  name = "team-readers"
}
data "aws_iam_policy" "customer_arn" {
  arn = "arn:aws:iam::123456789012:policy/teams/readers"
}
output "values" {
  value = {
    execute      = data.aws_iam_policy.execute.arn
    lambda_role  = data.aws_iam_policy.lambda_role.arn
    view_path    = data.aws_iam_policy.view.path
    view_name    = data.aws_iam_policy.view.name
    admin_id     = data.aws_iam_policy.admin.id
    admin_doc    = data.aws_iam_policy.admin.policy
    exec_doc     = data.aws_iam_policy.execute.policy
    wrong        = data.aws_iam_policy.wrong_path.arn
    customer     = data.aws_iam_policy.customer.arn
    customer_doc = data.aws_iam_policy.customer.policy
    by_arn       = data.aws_iam_policy.customer_arn.arn
    by_arn_path  = data.aws_iam_policy.customer_arn.path
  }
}
"""


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    root = tmp_path_factory.mktemp("lookups")
    write(root, {"main.tf": LOOKUPS})
    result = load_module_tree(root, [root / "main.tf"], root)
    assert result.errors == []
    return {r.address: r for r in result.resources}


def values(loaded) -> dict:
    return loaded["output.values"].properties["value"]


def test_aws_managed_lookups_resolve_to_fixed_arns(loaded):
    found = values(loaded)
    assert found["execute"] == "arn:aws:iam::aws:policy/AWSLambdaExecute"
    assert found["lambda_role"] == "arn:aws:iam::aws:policy/service-role/AWSLambdaRole"
    assert found["view_path"] == "/job-function/" and found["view_name"] == "ViewOnlyAccess"
    assert found["admin_id"] == "arn:aws:iam::aws:policy/AdministratorAccess"


def test_document_of_a_known_aws_managed_policy(loaded):
    found = values(loaded)
    document = found["admin_doc"]
    assert isinstance(document, Encoded)
    assert document.value["Statement"] == [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
    # a managed policy whose content iacguard does not describe stays unknown, never empty
    assert isinstance(found["exec_doc"], Unknown) and "AWSLambdaExecute" in found["exec_doc"].reason


def test_path_prefix_that_excludes_the_managed_policy_is_not_resolved(loaded):
    found = values(loaded)
    assert isinstance(found["wrong"], Ref) and found["wrong"].target == "data.aws_iam_policy.wrong_path"


def test_customer_managed_lookups(loaded):
    found = values(loaded)
    customer = found["customer"]
    assert isinstance(customer, Ref)
    assert (customer.target, customer.attr) == ("data.aws_iam_policy.customer", "arn")
    assert isinstance(found["customer_doc"], Unknown) and not isinstance(found["customer_doc"], Ref)
    assert found["by_arn"] == "arn:aws:iam::123456789012:policy/teams/readers"
    assert found["by_arn_path"] == "/teams/"


def test_data_resources_carry_what_they_identify_but_not_a_document(loaded):
    view = loaded["data.aws_iam_policy.view"].properties
    assert (view["arn"], view["name"], view["path"]) == (
        "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess", "ViewOnlyAccess", "/job-function/")
    admin = loaded["data.aws_iam_policy.admin"].properties
    assert admin["arn"] == "arn:aws:iam::aws:policy/AdministratorAccess"
    # the data source neither writes nor attaches the document: it is not checked as its own
    assert "policy" not in admin
    assert set(loaded["data.aws_iam_policy.customer"].properties) == {"name"}


def test_managed_policy_table():
    assert managed.aws_managed_arn("AWSLambdaBasicExecutionRole") == \
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    assert managed.aws_managed_arn("AWSLambdaRole", "/service-role") is not None
    assert managed.aws_managed_arn("AWSLambdaRole", "/") is not None  # "/" prefixes every path
    assert managed.aws_managed_arn("AWSLambdaRole", "/aws-service-role/") is None
    assert managed.aws_managed_arn("my-own-policy") is None
    assert managed.aws_managed_path("arn:aws:iam::aws:policy/AdministratorAccess") == "/"
    assert managed.aws_managed_path("arn:aws-us-gov:iam::aws:policy/a/b/Name") == "/a/b/"
    assert managed.aws_managed_path("arn:aws:iam::123456789012:policy/x") is None
    # every policy iacguard has a document or a severity for can be looked up by name
    assert set(managed.KNOWN) | set(managed.PRIVILEGED) <= set(managed.AWS_MANAGED_PATHS)


ATTACHED = """\
data "aws_iam_policy" "admin" {
  name = "AdministratorAccess"
}
data "aws_iam_policy" "basic" {
  name = "AWSLambdaBasicExecutionRole"
}
data "aws_iam_policy" "unused" {
  arn = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
}
resource "aws_iam_role" "r" {
  name               = "r"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }] })
}
resource "aws_iam_role_policy_attachment" "admin" {
  role       = aws_iam_role.r.name
  policy_arn = data.aws_iam_policy.admin.arn
}
resource "aws_iam_role_policy_attachment" "basic" {
  role       = aws_iam_role.r.name
  policy_arn = data.aws_iam_policy.basic.arn
}
resource "aws_iam_policy" "copy" {
  name   = "copy"
  policy = data.aws_iam_policy.admin.policy
}
"""


def test_attachments_of_looked_up_managed_policies_end_to_end(tmp_path: Path):
    write(tmp_path, {"main.tf": ATTACHED})
    result = scan([str(tmp_path)], Settings(), root=tmp_path)
    assert result.errors == []
    assert {(f.rule_id, f.resource, f.file, f.line) for f in result.findings} == {
        ("IAG-LP-001", "aws_iam_role_policy_attachment.admin", "main.tf", 14),
        ("IAG-LP-001", "aws_iam_policy.copy", "main.tf", 22),
    }
    # the attachments name fixed ARNs: nothing about them is unresolved
    assert not [u for u in result.unresolved if "attach" in u.message]


def test_lookups_are_not_unresolved_errors(tmp_path: Path):
    write(tmp_path, {"main.tf": ATTACHED + """\
data "aws_iam_policy" "customer" {
  name = "team-readers"
}
resource "aws_iam_role_policy_attachment" "customer" {
  role       = aws_iam_role.r.name
  policy_arn = data.aws_iam_policy.customer.arn
}
"""})
    result = scan([str(tmp_path)], Settings(), root=tmp_path)
    assert result.errors == [] and result.unresolved == []
