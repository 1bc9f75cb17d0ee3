"""Suppressions written for other tools (cfn_nag, cfn-guard, checkov) and for SAM functions:
which are addressed to iacguard, which are validated and reported by IAG-GR-000, and which
findings they suppress. Unit tests of the parsing, then scans end to end with exact findings."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from helpers import run_cli
from iacguard.engine import scan
from iacguard.framework import FAMILIES, load_checks
from iacguard.resource import Resource
from iacguard.settings import Settings
from iacguard.suppress import FOREIGN_RULES, GUARD_NO_REASON, SUPPRESSION_CHECK, resource_suppressions
from iacguard.values import PDict


def _cfn(metadata) -> Resource:
    return Resource("P", "AWS::IAM::ManagedPolicy", {}, "t.yaml", 3, 9, "cloudformation", metadata=PDict(metadata))


def _tf(*comments: str) -> Resource:
    return Resource("aws_iam_policy.p", "aws_iam_policy", {}, "main.tf", 1, 9, "terraform",
                    metadata={"comments": [(2 + i, text) for i, text in enumerate(comments)]})


def _parsed(resource: Resource) -> list[tuple]:
    return [(s.rule, s.reason, s.targets, s.problem is None, s.reported)
            for s in resource_suppressions(resource, load_checks())]


# ---------------------------------------------------------------- parsing and validation

@pytest.mark.parametrize("resource, expected", [
    # Foreign rules iacguard does not map: suppress nothing, never reported (reason or not).
    (_cfn({"cfn_nag": {"rules_to_suppress": [{"id": "W35", "reason": "logs"}, {"id": "W28"}, "W89"]}}),
     [("W35", "logs", (), False, False), ("W28", "", (), False, False), ("W89", "", (), False, False)]),
    (_cfn({"guard": {"SuppressedRules": ["S3_BUCKET_LOGGING_ENABLED"]}}),
     [("S3_BUCKET_LOGGING_ENABLED", "", (), False, False)]),
    (_cfn({"checkov": {"skip": [{"id": "CKV_AWS_18"}]}}), [("CKV_AWS_18", "", (), False, False)]),
    (_tf("#checkov:skip=CKV_AWS_117"), [("CKV_AWS_117", "", (), False, False)]),
    # A guard list entry of a mapped rule counts without a reason (the format has no field).
    (_cfn({"guard": {"SuppressedRules": ["KMS_NO_WILDCARD_PRINCIPAL", "IAM_POLICYDOCUMENT_NO_WILDCARD_RESOURCE"]}}),
     [("KMS_NO_WILDCARD_PRINCIPAL", "", ("IAG-EXT-001",), True, True),
      ("IAM_POLICYDOCUMENT_NO_WILDCARD_RESOURCE", "", ("IAG-LP-005", "IAG-LP-006", "IAG-LP-007"), True, True)]),
    # cfn_nag and checkov have a reason field: a mapped rule without one is reported.
    (_cfn({"cfn_nag": {"rules_to_suppress": [{"id": "F3"}, {"id": "W12", "reason": "read-only"}]}}),
     [("F3", "", ("IAG-LP-001", "IAG-LP-002"), False, True),
      ("W12", "read-only", ("IAG-LP-005", "IAG-LP-006", "IAG-LP-007"), True, True)]),
    (_cfn({"checkov": {"skip": [{"id": "CKV_AWS_62", "comment": "break glass"}, {"id": "CKV_AWS_40"}]}}),
     [("CKV_AWS_62", "break glass", ("IAG-LP-001",), True, True), ("CKV_AWS_40", "", ("IAG-GR-001",), False, True)]),
    (_tf("#checkov:skip=CKV_AWS_62,CKV_AWS_40: reviewed (SEC-9)"),
     [("CKV_AWS_62", "reviewed (SEC-9)", ("IAG-LP-001",), True, True),
      ("CKV_AWS_40", "reviewed (SEC-9)", ("IAG-GR-001",), True, True)]),
    (_tf("/* checkov:skip=CKV_AWS_355:scoped by SCP */"),
     [("CKV_AWS_355", "scoped by SCP", ("IAG-LP-005", "IAG-LP-006", "IAG-LP-007"), True, True)]),
    (_tf("# see checkov:skip=CKV_AWS_62:not a directive"), []),
    # A reason that is not text: reported only for a rule that is ours.
    (_cfn({"cfn_nag": {"rules_to_suppress": [{"id": "F4", "reason": 7}, {"id": "W35", "reason": 7}]}}),
     [("F4", "", (), False, True), ("W35", "", (), False, False)]),
    # Malformed foreign Metadata names no rule we could tell: not reported; our own form is.
    (_cfn({"cfn_nag": ["F3"], "guard": {"SuppressedRules": "KMS_NO_WILDCARD_PRINCIPAL"},
           "checkov": {"skip": [{"comment": "no id"}, 5]}}),
     [("", "", (), False, False), ("", "", (), False, False), ("", "", (), False, False), ("", "", (), False, False)]),
    (_cfn({"iacguard": {"ignore": "IAG-LP-001"}}), [("", "", (), False, True)]),
    # iacguard's own form keeps its rules: unknown ids and missing reasons are reported.
    (_cfn({"iacguard": {"ignore": [{"id": "W35", "reason": "x"}, {"id": "IAG-LP-001"}]}}),
     [("W35", "x", (), False, True), ("IAG-LP-001", "", ("IAG-LP-001",), False, True)]),
])
def test_foreign_suppression_parsing(resource, expected):
    assert _parsed(resource) == expected


def test_problem_texts_say_why():
    checks = load_checks()
    nag, = resource_suppressions(_cfn({"cfn_nag": {"rules_to_suppress": [{"id": "W35", "reason": "x"}]}}), checks)
    assert "not addressed to iacguard" in nag.problem
    guard, = resource_suppressions(_cfn({"guard": {"SuppressedRules": ["KMS_NO_WILDCARD_PRINCIPAL"]}}), checks)
    assert guard.stated_reason == GUARD_NO_REASON and guard.covers("IAG-EXT-001", "external-access")
    checkov, = resource_suppressions(_tf("#checkov:skip=CKV_AWS_62"), checks)
    assert "has no reason" in checkov.problem and not checkov.covers("IAG-LP-001", "least-privilege")


def test_foreign_rule_table_names_registered_checks_only():
    checks = load_checks()
    for tool, rules in FOREIGN_RULES.items():
        for rule, targets in rules.items():
            assert targets, (tool, rule)
            for target in targets:
                assert target in checks and target not in FAMILIES, (tool, rule, target)
                assert target != SUPPRESSION_CHECK, (tool, rule)


# ---------------------------------------------------------------- end to end

def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def _findings(root: Path) -> list[tuple]:
    result = scan([str(root)], Settings(), root=root)
    assert not [e for e in result.errors if getattr(e, "kind", "") != "unresolved"], result.errors
    return sorted((f.rule_id, f.resource, f.line, f.suppressed, f.suppression_reason or "") for f in result.findings)


FOREIGN_ONLY = """\
Resources:
  Logs:
    Type: AWS::S3::Bucket
    Metadata:
      guard:
        SuppressedRules:
          - S3_BUCKET_LOGGING_ENABLED
      cfn_nag:
        rules_to_suppress:
          - id: W35
            reason: access logs land here
          - id: W51
      checkov:
        skip:
          - id: CKV_AWS_18
    Properties:
      PublicAccessBlockConfiguration: {BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true}
"""


def test_foreign_suppressions_of_unmapped_rules_give_no_finding_and_pass_the_gate(tmp_path):
    _write(tmp_path, {"stack.yaml": FOREIGN_ONLY})
    proc = run_cli("scan", str(tmp_path), "--format", "json", "--allow-unresolved")
    assert "Traceback" not in proc.stderr, proc.stderr
    assert json.loads(proc.stdout)["findings"] == [] and proc.returncode == 0


MAPPED = """\
Resources:
  Site:
    Type: AWS::S3::BucketPolicy
    Metadata:
      guard:
        SuppressedRules:
          - S3_BUCKET_POLICY_NO_WILDCARD_PRINCIPAL
    Properties:
      Bucket: site
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: "*"
            Action: s3:GetObject
            Resource: arn:aws:s3:::site/*
  Worker:
    Type: AWS::IAM::Role
    Metadata:
      cfn_nag:
        rules_to_suppress:
          - id: W11
            reason: writes to buckets created at run time
          - id: F3
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: { Service: lambda.amazonaws.com }
            Action: sts:AssumeRole
      Policies:
        - PolicyName: work
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: [s3:PutObject, sqs:*]
                Resource: "*"
"""


def test_mapped_foreign_rules_suppress_our_findings(tmp_path):
    _write(tmp_path, {"stack.yaml": MAPPED})
    assert _findings(tmp_path) == [
        ("IAG-EXT-001", "Site", 12, True, f"Metadata guard S3_BUCKET_POLICY_NO_WILDCARD_PRINCIPAL: {GUARD_NO_REASON}"),
        # F3 maps to IAG-LP-002 but has no reason: reported, and the finding stays active.
        ("IAG-GR-000", "Worker", 23, False, ""),
        ("IAG-LP-002", "Worker", 34, False, ""),
        ("IAG-LP-005", "Worker", 34, True, "Metadata cfn_nag W11: writes to buckets created at run time"),
    ]


CHECKOV_TF = """\
resource "aws_iam_policy" "admin" {
  #checkov:skip=CKV_AWS_62:break-glass policy (SEC-42)
  #checkov:skip=CKV_AWS_117
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }]
  })
}

resource "aws_iam_policy" "unexplained" {
  #checkov:skip=CKV_AWS_62
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }]
  })
}
"""


def test_checkov_skip_comments(tmp_path):
    _write(tmp_path, {"main.tf": CHECKOV_TF})
    assert _findings(tmp_path) == [
        ("IAG-GR-000", "aws_iam_policy.unexplained", 10, False, ""),
        ("IAG-LP-001", "aws_iam_policy.admin", 5, True, "comment checkov:skip CKV_AWS_62: break-glass policy (SEC-42)"),
        ("IAG-LP-001", "aws_iam_policy.unexplained", 12, False, ""),
    ]


SAM = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Admin:
    Type: AWS::Serverless::Function
    Metadata:
      iacguard:
        ignore:
          - id: IAG-LP-001
            reason: break-glass automation (SEC-7)
          - id: IAG-LP-008
      guard:
        SuppressedRules:
          - LAMBDA_INSIDE_VPC
    Properties:
      Runtime: python3.11
      CodeUri: src
      Handler: index.handler
      Policies:
        - AdministratorAccess
"""


def test_sam_function_suppressions_reported_once_and_applied_to_generated_resources(tmp_path):
    pytest.importorskip("samtranslator")
    _write(tmp_path, {"template.yaml": SAM})
    assert _findings(tmp_path) == [
        # The broken one is reported on the function as written, not again on AdminRole.
        ("IAG-GR-000", "Admin", 10, False, ""),
        # The valid one covers the role the transform generated from the function.
        ("IAG-LP-001", "AdminRole", 3, True, "Metadata iacguard IAG-LP-001: break-glass automation (SEC-7)"),
    ]


# ---------------------------------------------------------------- checkov's "without constraints" rules

def test_the_table_is_documented():
    """docs/suppressions.md lists exactly FOREIGN_RULES and FOREIGN_SCOPES."""
    from iacguard.suppress import FOREIGN_SCOPES

    kinds = {"Permissions management actions": "permissions-management", "Write actions": "write",
             "credentials-exposure actions": "credentials-exposure"}
    documented = set()
    text = (Path(__file__).parent.parent / "docs" / "suppressions.md").read_text()
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 5 or cells[0] not in FOREIGN_RULES:
            continue
        tool, rule, _, checks, only = cells
        scopes = tuple(sorted((check, kinds[kind]) for check, kind in
                              (part.split(": ", 1) for part in only.split("; ") if part)))
        documented.add((tool, rule, tuple(checks.split(", ")), scopes))
    table = {(tool, rule, targets, tuple(sorted(FOREIGN_SCOPES.get(tool, {}).get(rule, {}).items())))
             for tool, rules in FOREIGN_RULES.items() for rule, targets in rules.items()}
    assert documented == table


def test_scoped_checkov_rules_parse_with_their_kind():
    [skip] = resource_suppressions(_tf("#checkov:skip=CKV_AWS_290:writes to run-time buckets"), load_checks())
    assert skip.targets == ("IAG-LP-005",) and skip.scopes == (("IAG-LP-005", "write"),)
    assert not skip.covers("IAG-LP-005", "least-privilege")  # only findings of write actions
    [creds] = resource_suppressions(_cfn({"checkov": {"skip": [{"id": "CKV_AWS_107", "comment": "ci"}]}}),
                                    load_checks())
    assert creds.scopes == (("IAG-LP-005", "credentials-exposure"), ("IAG-LP-007", "credentials-exposure"))


SCOPED = """\
Resources:
  Mixed:
    Type: AWS::IAM::ManagedPolicy
    Metadata:
      checkov:
        skip:
          - id: CKV_AWS_111
            comment: uploads land in buckets created at run time
    Properties:
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: [s3:PutObject, iam:CreatePolicyVersion]
            Resource: "*"
  Both:
    Type: AWS::IAM::ManagedPolicy
    Metadata:
      checkov:
        skip:
          - id: CKV_AWS_111
            comment: uploads land in buckets created at run time
          - id: CKV_AWS_109
            comment: policy versions of the deploy pipeline (SEC-12)
    Properties:
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: [s3:PutObject, iam:CreatePolicyVersion]
            Resource: "*"
  Keys:
    Type: AWS::IAM::ManagedPolicy
    Metadata:
      checkov:
        skip:
          - id: CKV_AWS_107
            comment: the rotation job creates keys (SEC-3)
    Properties:
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: iam:CreateAccessKey
            Resource: "*"
  KeysAndWrites:
    Type: AWS::IAM::ManagedPolicy
    Metadata:
      checkov:
        skip:
          - id: CKV_AWS_107
            comment: the rotation job creates keys (SEC-3)
    Properties:
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: [iam:CreateAccessKey, s3:PutObject]
            Resource: "*"
"""


def test_scoped_checkov_rules_suppress_only_findings_of_their_kind(tmp_path):
    _write(tmp_path, {"stack.yaml": SCOPED})
    found = [f for f in _findings(tmp_path) if f[0] == "IAG-LP-005"]
    assert found == [
        ("IAG-LP-005", "Both", 27, True,
         "Metadata checkov CKV_AWS_109: policy versions of the deploy pipeline (SEC-12); "
         "Metadata checkov CKV_AWS_111: uploads land in buckets created at run time"),
        ("IAG-LP-005", "Keys", 40, True, "Metadata checkov CKV_AWS_107: the rotation job creates keys (SEC-3)"),
        # s3:PutObject is no credentials exposure: the finding stays
        ("IAG-LP-005", "KeysAndWrites", 53, False, ""),
        # iam:CreatePolicyVersion is permissions management, which the write skip does not name
        ("IAG-LP-005", "Mixed", 12, False, ""),
    ]


def test_a_scoped_skip_never_reads_a_list_cut_short(tmp_path):
    """More write actions than the evidence lists, with a permissions-management one after them:
    the write skip cannot tell what is left out, so the finding stays."""
    _write(tmp_path, {"stack.yaml": """\
        Resources:
          Broad:
            Type: AWS::IAM::ManagedPolicy
            Metadata:
              checkov:
                skip:
                  - id: CKV_AWS_111
                    comment: writes of the batch jobs
            Properties:
              PolicyDocument:
                Statement:
                  - Effect: Allow
                    Action: [ec2:Create*, ec2:Delete*, ec2:Modify*, sqs:AddPermission]
                    Resource: "*"
        """})
    result = scan([str(tmp_path)], Settings(), root=tmp_path)
    (finding,) = [f for f in result.findings if f.rule_id == "IAG-LP-005"]
    assert finding.evidence["actions_not_listed"] > 0 and "sqs:AddPermission" not in finding.evidence["actions"]
    assert not finding.suppressed and finding.severity == "high"


def test_checkov_write_skip_comment_in_terraform(tmp_path):
    _write(tmp_path, {"main.tf": """\
        resource "aws_iam_policy" "uploads" {
          #checkov:skip=CKV_AWS_290:uploads land in buckets created at run time
          policy = jsonencode({
            Statement = [{ Effect = "Allow", Action = "s3:PutObject", Resource = "*" }]
          })
        }

        resource "aws_iam_role" "deploy" {
          #checkov:skip=CKV_AWS_286:the pipeline role rewrites its own policy versions (SEC-12)
          name               = "deploy"
          assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "sts:AssumeRole",
                                                           Principal = { Service = "codebuild.amazonaws.com" } }] })
        }

        resource "aws_iam_role_policy" "deploy" {
          role   = aws_iam_role.deploy.id
          policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "iam:CreatePolicyVersion", Resource = "*" }] })
        }
        """})
    found = {(f[0], f[1]): f for f in _findings(tmp_path)}
    assert found[("IAG-LP-005", "aws_iam_policy.uploads")][3:] == (
        True, "comment checkov:skip CKV_AWS_290: uploads land in buckets created at run time")
    assert found[("IAG-PE-001", "aws_iam_role.deploy")][3:] == (
        True, "comment checkov:skip CKV_AWS_286: the pipeline role rewrites its own policy versions (SEC-12)")
