"""aws_iam_policy_document evaluation: fields, principals, conditions, merging, dynamic."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from iacguard.loaders.terraform import load_module_tree
from iacguard.values import PStr
from iacguard.values import Encoded, Ref, Unknown

FIXTURES = Path(__file__).parent / "fixtures" / "tf"


@pytest.fixture(scope="module")
def res():
    root = FIXTURES / "policy_doc"
    result = load_module_tree(root, [root / "main.tf"], FIXTURES)
    assert result.errors == []
    return {r.address: r for r in result.resources}


def test_referenced_document_is_encoded_with_lines(res):
    policy = res["aws_iam_policy.policy"].properties["policy"]
    assert isinstance(policy, Encoded)
    doc = policy.value
    assert doc["Version"] == "2012-10-17" and doc["Id"] == "main-policy"
    sids = [s.get("Sid") for s in doc["Statement"]]
    # source statements first (Read replaced in place by ours), override replaces Keep and
    # appends Extra; statements without Sid are kept
    assert sids == ["Read", "Keep", None, None, "BucketLogs", "BucketReports", "Extra"]
    lines = [s.line for s in doc["Statement"]]
    assert lines[0] == 44  # our "Read" statement block
    assert lines[1] == 26  # "Keep" from the override document
    assert lines[2] == 75 and lines[3] == 84
    assert lines[4] == lines[5] == 96  # dynamic statements: the content block


def test_statement_fields(res):
    read, keep, nots, deny_all = res["aws_iam_policy.policy"].properties["policy"].value["Statement"][:4]
    assert read["Effect"] == "Allow"
    assert read["Action"] == ["s3:GetObject", "s3:GetObjectVersion"]
    assert read["Resource"][0] == "arn:aws:s3:::acme-data/*"  # literal bucket substituted
    assert isinstance(read["Resource"][1], Unknown)
    assert read["Resource"][1].refs == (Ref("aws_s3_bucket.data", "arn"),)
    assert read["Principal"] == {"AWS": ["arn:aws:iam::111122223333:root",
                                         "arn:aws:iam::444455556666:root"],
                                 "Service": ["lambda.amazonaws.com"]}
    assert read["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": ["o-123"]},
                                 "Bool": {"aws:SecureTransport": ["true"]}}
    assert keep["Effect"] == "Deny"
    assert nots == {"Effect": "Allow", "NotAction": ["iam:*"],
                    "NotResource": ["arn:aws:iam::*:role/admin"],
                    "NotPrincipal": {"AWS": ["arn:aws:iam::111122223333:user/bob"]}}
    assert deny_all["Principal"] == "*"


def test_dynamic_statements(res):
    statements = res["aws_iam_policy.policy"].properties["policy"].value["Statement"]
    bucket_logs = statements[4]
    assert bucket_logs == {"Sid": "BucketLogs", "Effect": "Allow", "Action": ["s3:*"],
                           "Resource": ["arn:aws:s3:::logs"]}
    unknown = res["aws_iam_policy.unknown"].properties["policy"]
    assert isinstance(unknown, Unknown)
    assert unknown.text == "data.aws_iam_policy_document.dyn_unknown.json"


def test_data_resource_and_json_attribute(res):
    data = res["data.aws_iam_policy_document.main"]
    assert data.mode == "data" and data.type == "aws_iam_policy_document"
    assert data.properties["statement"][0].line == 44
    assert data.properties["json"] == res["aws_iam_policy.policy"].properties["policy"]


def test_heredoc_and_file_policies_stay_strings(res):
    heredoc = res["aws_iam_policy.heredoc"].properties["policy"]
    from_file = res["aws_iam_policy.from_file"].properties["policy"]
    # a heredoc knows the line its content starts on; file() content has no line in this file
    assert type(heredoc) is PStr and heredoc.startswith("{\n  \"Version\"") and heredoc.line > 0
    assert type(from_file) is str and '"ec2:*"' in from_file


def _doc(tmp_path: Path, text: str):
    (tmp_path / "main.tf").write_text(textwrap.dedent(text))
    result = load_module_tree(tmp_path, [tmp_path / "main.tf"], tmp_path)
    assert result.errors == []
    return {r.address: r for r in result.resources}


def test_source_documents_from_strings_and_unknowns(tmp_path):
    res = _doc(tmp_path, """
        variable "external" {}
        data "aws_iam_policy_document" "from_json" {
          source_policy_documents = [jsonencode({
            Statement = [{ Sid = "S", Effect = "Allow", Action = "a:b", Resource = "*" }]
          }), <<EOF
        {"Statement": {"Sid": "T", "Effect": "Deny", "Action": "c:d", "Resource": "*"}}
        EOF
          ]
          statement {
            sid     = "S"
            actions = ["x:y"]
          }
          version = "2008-10-17"
        }
        data "aws_iam_policy_document" "opaque" {
          override_policy_documents = [var.external]
          statement {
            actions = ["x:y"]
          }
        }
    """)
    doc = res["data.aws_iam_policy_document.from_json"].properties["json"].value
    assert doc["Version"] == "2008-10-17"
    assert [(s["Sid"], s["Action"]) for s in doc["Statement"]] == [("S", ["x:y"]), ("T", "c:d")]
    opaque = res["data.aws_iam_policy_document.opaque"].properties["json"]
    assert isinstance(opaque, Unknown) and opaque.text == "data.aws_iam_policy_document.opaque.json"


def test_documents_in_modules_and_with_count(tmp_path):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "main.tf").write_text(textwrap.dedent("""
        variable "actions" {}
        data "aws_iam_policy_document" "d" {
          count = 2
          statement {
            actions   = [var.actions[count.index]]
            resources = ["*"]
          }
        }
        output "json" { value = data.aws_iam_policy_document.d[1].minified_json }
    """))
    res = _doc(tmp_path, """
        module "m" {
          source  = "./m"
          actions = ["s3:A", "s3:B"]
        }
        resource "aws_iam_policy" "p" {
          policy = module.m.json
        }
    """)
    policy = res["aws_iam_policy.p"].properties["policy"]
    assert isinstance(policy, Encoded) and policy.value["Statement"][0]["Action"] == ["s3:B"]
    assert res["module.m.data.aws_iam_policy_document.d[0]"].base_address == \
        "module.m.data.aws_iam_policy_document.d"


def test_errors_in_a_policy_document_written_in_another_file_point_at_the_resource(tmp_path):
    """The statement lines of a document data source in policy.tf are not lines of main.tf."""
    from iacguard.engine import scan

    (tmp_path / "main.tf").write_text('resource "aws_iam_policy" "controller" {\n  name   = "c"\n'
                                      '  policy = data.aws_iam_policy_document.controller[0].json\n}\n')
    (tmp_path / "policy.tf").write_text('\n' * 10 + '''data "aws_iam_policy_document" "controller" {
  count = 1
  statement {
    sid       = "Bad"
    actions   = ["sqs:ReceiveMessage"]
    resources = [null]
  }
}
''')
    result = scan([str(tmp_path)], root=tmp_path)
    assert [(e.file, e.line) for e in result.errors] == [("main.tf", 1)]
    assert "(policy.tf:" in result.errors[0].message
